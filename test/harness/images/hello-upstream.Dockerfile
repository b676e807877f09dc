# The walkthrough's upstream (examples/hello-upstream.mjs) as a test-fixture image for the cluster
# harness; built by build.mjs from the same base as the product image. No dependencies: one file.
FROM node:20-bookworm-slim
WORKDIR /app
COPY examples/hello-upstream.mjs ./
USER 10001:10001
ENV PORT=3000
EXPOSE 3000
ENTRYPOINT ["node", "hello-upstream.mjs"]
