// Where the controller's heap goes per watched object (issue 17; docs/controller-memory.md#where-the-heap-goes),
// in process, without an API server: N consumers + N credentials + N Secrets + R Routes shaped as
// the API server sends them (uid, resourceVersion, creationTimestamp, managedFields; parsed from
// JSON list pages of 500, so no string is shared by accident), put into the watch caches, then
// built as the controller builds (ConversionMemo + ResourceHasher + translate with BuildReuse).
// Prints the live heap after a full GC at each stage, per watched object.
//   npm run build && node --expose-gc bench/controller-heap.mjs [consumers=20000] [routes=2000] [snapshot-file]
// With a snapshot file, writes a V8 heap snapshot at the end (open in Chrome DevTools).
import v8 from 'node:v8';
import { consumerBody, credentialBody, routeBody, secretBody } from './lib/controller-objects.mjs';

const dist = new URL('../dist/', import.meta.url);
const { toResourceSet } = await import(new URL('sources/kube/to-resource-set.js', dist).href);
const { translate } = await import(new URL('translate/translate.js', dist).href);
const { ObjectCache } = await import(new URL('sources/kube/object-cache.js', dist).href);
const { ConversionMemo } = await import(new URL('sources/kube/conversion-memo.js', dist).href);
const { ResourceHasher } = await import(new URL('translate/resource-hash.js', dist).href);
const { BuildReuse } = await import(new URL('translate/build-reuse.js', dist).href);

const N = Number(process.argv[2] ?? 20_000);
const R = Number(process.argv[3] ?? 2_000);
const NS = 'bench';
let rv = 100_000;
const hex = (n) => Math.floor(Math.random() * 16 ** n).toString(16).padStart(n, '0');
// What the API server adds to a created object.
const server = (manager, fields) => ({
  uid: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
  resourceVersion: String(rv++),
  generation: 1,
  creationTimestamp: '2026-12-03T14:00:00Z',
  managedFields: [{ manager, operation: 'Update', apiVersion: 'v1', time: '2026-12-03T14:00:00Z', fieldsType: 'FieldsV1', fieldsV1: fields }],
});
const secretFields = { 'f:data': { '.': {}, 'f:secret': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:portcullis.dev/credential': {} } }, 'f:type': {} };
const specFields = { 'f:spec': { '.': {}, 'f:username': {}, 'f:consumerRef': { '.': {}, 'f:name': {} }, 'f:key': {}, 'f:algorithm': {}, 'f:secretRef': { '.': {}, 'f:name': {}, 'f:key': {} } } };

const gc = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
const mb = (b) => (b / 1048576).toFixed(1);
/** Fills a cache from list pages of 500 as JSON text, as the list reader parses them. */
function fill(make, count) {
  const cache = new ObjectCache();
  for (let p = 0; p < count; p += 500) {
    const page = [];
    for (let i = p; i < Math.min(count, p + 500); i++) page.push(make(i));
    for (const obj of JSON.parse(JSON.stringify({ items: page })).items) cache.upsert(obj);
  }
  return cache;
}

const h0 = gc();
const consumers = fill((i) => consumerBody(NS, i, server('kubectl-create', specFields)), N);
const credentials = fill((i) => credentialBody(NS, i, server('kubectl-create', specFields)), N);
const secrets = fill((i) => secretBody(NS, i, server('kubectl-create', secretFields)), N);
const routes = fill((j) => routeBody(NS, j, 'http://127.0.0.1:9', server('kubectl-create', specFields)), R);
const h1 = gc();
const objects = () => ({
  consumers: consumers.sortedValues(),
  credentials: credentials.sortedValues(),
  routes: routes.sortedValues(),
  secrets: new Map(secrets.entries()),
  services: new Map(),
  endpointSlices: new Map(),
});
const memo = new ConversionMemo();
const hasher = new ResourceHasher();
const reuse = new BuildReuse();
let o = objects();
const h2 = gc();
let resources = toResourceSet(o, { memo });
const h3 = gc();
const hash = hasher.hash(resources);
const h4 = gc();
let snap = translate(resources, 1, hash, { reuse });
const h5 = gc();
// A second build (one consumer added), as after the next watch event: the previous build's objects go.
consumers.upsert(JSON.parse(JSON.stringify(consumerBody(NS, N, server('kubectl-create', specFields)))));
o = objects();
resources = toResourceSet(o, { memo });
snap = translate(resources, 2, hasher.hash(resources), { reuse });
const h6 = gc();

const total = 3 * N + R;
const row = (label, bytes) => console.log(`| ${label} | ${mb(bytes)} | ${Math.round(bytes / total)} |`);
console.log(`${N} consumers + ${N} credentials + ${N} Secrets + ${R} Routes = ${total} objects; heap before ${mb(h0)} MB`);
console.log('| stage | heap added (MB) | bytes per watched object |\n| --- | ---: | ---: |');
row('watch caches (slimmed objects)', h1 - h0);
row('collect (sorted lists, Secret map)', h2 - h1);
row('toResourceSet + conversion memo', h3 - h2);
row('per-object hashes', h4 - h3);
row('translate (snapshot + build reuse)', h5 - h4);
row('total after a second build', h6 - h0);
if (process.argv[4]) console.log('heap snapshot:', v8.writeHeapSnapshot(process.argv[4]));
void snap;
