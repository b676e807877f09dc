import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClusterBuildOutput } from '../binaries.js';
import { runcWrapperScript } from './config.js';

const execFileAsync = promisify(execFile);

describe('runc clamp wrapper (containerd BinaryName; CAP_SYS_RESOURCE is dropped here)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-runc-clamp-'));
    // Stands in for runc: records the arguments it was exec'd with.
    await writeFile(join(dir, 'fake-runc'), `#!/bin/sh\necho "$@" > ${join(dir, 'args')}\n`);
    await writeFile(join(dir, 'wrapper'), runcWrapperScript(join(dir, 'fake-runc')));
    await chmod(join(dir, 'fake-runc'), 0o755);
    await chmod(join(dir, 'wrapper'), 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  for (const form of [['--bundle', 'B'], ['--bundle=B'], ['-b', 'B']]) {
    it(`clamps negative oomScoreAdj to 0 and passes every argument on (${form[0]})`, async () => {
      const bundle = join(dir, `bundle-${form[0]!.replace(/\W/g, '')}`);
      await execFileAsync('mkdir', ['-p', bundle]);
      await writeFile(join(bundle, 'config.json'), '{"process":{"oomScoreAdj":-998,"args":["/pause"]},"x":{"oomScoreAdj":5}}');
      const args = ['--root', '/r', 'create', ...form.map((a) => a.replace('B', bundle)), 'ctr-id'];
      await execFileAsync(join(dir, 'wrapper'), args);
      expect(JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'))).toEqual({
        process: { oomScoreAdj: 0, args: ['/pause'] },
        x: { oomScoreAdj: 5 },
      });
      expect((await readFile(join(dir, 'args'), 'utf8')).trim()).toBe(args.join(' '));
    });
  }
});

describe('parseClusterBuildOutput', () => {
  it('reads all seven binaries and names a missing one', () => {
    const out = ['ETCD=/c/etcd', 'KUBE_APISERVER=/k/a', 'KUBE_CONTROLLER_MANAGER=/k/c', 'KUBE_SCHEDULER=/k/s', 'KUBELET=/k/l', 'KUBE_PROXY=/k/p', 'KUBECTL=/k/k'];
    expect(parseClusterBuildOutput(out.join('\n'))).toEqual({
      etcd: '/c/etcd', kubeApiserver: '/k/a', kubeControllerManager: '/k/c', kubeScheduler: '/k/s', kubelet: '/k/l', kubeProxy: '/k/p', kubectl: '/k/k',
    });
    expect(() => parseClusterBuildOutput(out.slice(0, 5).join('\n'))).toThrow(/KUBE_PROXY/);
    expect(() => parseClusterBuildOutput(out.slice(0, 6).join('\n'))).toThrow(/KUBECTL/);
  });
});
