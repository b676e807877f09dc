import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { TEST_RANGE, createTestHost, subnetAddresses, type TestHost } from './netns.js';
import { pidAlive } from './processes.js';

describe('subnetAddresses', () => {
  it.each([
    { index: 0, hostIp: '10.203.0.1', ip: '10.203.0.2' },
    { index: 1, hostIp: '10.203.0.5', ip: '10.203.0.6' },
    { index: 63, hostIp: '10.203.0.253', ip: '10.203.0.254' },
    { index: 64, hostIp: '10.203.1.1', ip: '10.203.1.2' },
    { index: 16383, hostIp: '10.203.255.253', ip: '10.203.255.254' },
  ])('index $index -> host $hostIp, inside $ip', ({ index, hostIp, ip }) => {
    expect(subnetAddresses(index)).toEqual({ hostIp, ip });
  });

  it.each([-1, 16384, 1.5])('rejects index %s', (index) => {
    expect(() => subnetAddresses(index)).toThrow(RangeError);
  });
});

describe('network namespace test hosts', () => {
  const hosts: TestHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.destroy()));
  });

  it('serves HTTP from inside a namespace to the host side, and destroy() cleans up', async () => {
    const [a, b] = [await createTestHost('harness-a'), await createTestHost('harness-b')];
    hosts.push(a, b);
    expect(a.ip).not.toBe(b.ip);
    expect(a.ip).toMatch(/^10\.203\.\d+\.\d+$/);

    // The namespace has its own port space, so a fixed port inside it cannot collide.
    const server = a.run(process.execPath, [
      '-e',
      `require('node:http').createServer((q, s) => s.end('hello from ' + q.socket.localAddress))
         .listen(8080, '${a.ip}', () => console.log('listening'));`,
    ]);
    await once(server.stdout!, 'data');
    const res = await fetch(`http://${a.ip}:8080/`, { signal: AbortSignal.timeout(5_000) });
    expect(await res.text()).toBe(`hello from ${a.ip}`);

    // Loopback inside the namespace is up (servers bound to 127.0.0.1 there work).
    const lo = execFileSync('ip', ['-n', a.namespace, '-o', 'link', 'show', 'lo'], { encoding: 'utf8' });
    expect(lo).toMatch(/UP/);

    const pid = server.pid!;
    await a.destroy();
    hosts.splice(hosts.indexOf(a), 1);
    expect(pidAlive(pid)).toBe(false);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(a.namespace);
    // No traffic is sent to a destroyed host: the route lookup shows it would be dropped locally
    // (blackhole) instead of following the default route off the machine.
    expect(() => execFileSync('ip', ['route', 'get', a.ip], { stdio: 'pipe' })).toThrow();
    expect(execFileSync('ip', ['route', 'show', 'type', 'blackhole'], { encoding: 'utf8' })).toContain(TEST_RANGE);
    // The other host is untouched.
    expect(execFileSync('ip', ['route', 'get', b.ip], { encoding: 'utf8' })).toContain(`pcv`);
  });
});
