// The common start of the one-gateway HS256 benchmarks (reload.mjs, workers.mjs).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { benchKongYaml, makeCredentials, signToken } from '../fixtures.mjs';
import { startUpstream } from './servers.mjs';
import { buildProject, ensureDebianPackages } from './setup.mjs';
import { writeRequestFile } from './wrk.mjs';

/**
 * A temp dir; Debian packages and the build unless `--no-install` / `--no-build`; `connections` HS256
 * credentials with one token each in a wrk request file (path /); the nginx upstream; and a kong.yml
 * with one route on it and the jwt plugin.
 */
export async function prepareHs256Bench(name, opt, connections) {
  const dir = mkdtempSync(`${tmpdir()}/portcullis-${name}-`);
  if (!opt['no-install']) ensureDebianPackages();
  if (!opt['no-build']) { const e = buildProject(); if (e) throw new Error(e); }
  const creds = await makeCredentials('HS256', connections);
  const requestFile = `${dir}/requests.tsv`;
  writeRequestFile(requestFile, creds.map((c) => ({ path: '/', token: signToken(c) })));
  const upstream = await startUpstream(dir);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const yamlFile = `${dir}/kong.yml`;
  writeFileSync(yamlFile, benchKongYaml({ upstreamUrl, credentials: creds }), { mode: 0o600 });
  return { dir, creds, requestFile, upstream, upstreamUrl, yamlFile };
}
