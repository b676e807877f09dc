// The objects of the controller scale benchmarks (bench/controller-scale.ts against the API server,
// bench/controller-rebuild.mjs in process): consumer i has username user-i, one HS256 JwtCredential
// (key key-i) whose own Secret holds secret-i; route j serves /r<j>/ with the jwt plugin (the
// trailing slash: /r5 would be a prefix of /r50).
// Plain JSON as the API server takes it; `meta` adds what the server would (uid, resourceVersion,
// creationTimestamp) for the in-process benchmark.

export const GROUP = 'portcullis.dev';
export const VERSION = 'v1alpha1';
export const CREDENTIAL_LABELS = { 'portcullis.dev/credential': 'true' };

export const hmacSecret = (i, generation = 0) => `secret-${i}${generation === 0 ? '' : `-g${generation}`}`;

export function consumerBody(ns, i, meta = {}) {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'KongConsumer', metadata: { name: `c${i}`, namespace: ns, ...meta }, spec: { username: `user-${i}` } };
}

export function secretBody(ns, i, meta = {}, generation = 0) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `c${i}-jwt`, namespace: ns, labels: CREDENTIAL_LABELS, ...meta },
    type: 'Opaque',
    data: { secret: Buffer.from(hmacSecret(i, generation)).toString('base64') },
  };
}

export function credentialBody(ns, i, meta = {}) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'JwtCredential',
    metadata: { name: `c${i}-hs`, namespace: ns, ...meta },
    spec: { consumerRef: { name: `c${i}` }, key: `key-${i}`, algorithm: 'HS256', secretRef: { name: `c${i}-jwt`, key: 'secret' } },
  };
}

export function routeBody(ns, j, backendUrl, meta = {}) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Route',
    metadata: { name: `r${j}`, namespace: ns, ...meta },
    spec: { paths: [`/r${j}/`], backend: { url: backendUrl }, plugins: { jwt: { claimsToVerify: ['exp'] } } },
  };
}

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
