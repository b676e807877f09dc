/** A small kong.yml with `routeCount` routes and one HS256 consumer: input for the parse-thread tests. */
export const kongYmlWithRoutes = (routeCount: number): string => `_format_version: "3.0"
services:
  - name: svc
    url: http://127.0.0.1:9
    routes:
${Array.from({ length: routeCount }, (_, i) => `      - name: r${i}\n        paths: ["/r${i}"]`).join('\n')}
consumers:
  - username: alice
    jwt_secrets:
      - key: k1
        secret: s3cr3t-value-0123456789
`;
