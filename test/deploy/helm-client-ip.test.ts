// Chart values for trusted proxies and the real client IP (docs/client-ip.md) → container args,
// rendered with the pinned Helm; the defaults add nothing, so the rendered manifests are unchanged.
import { beforeAll, describe, expect, it } from 'vitest';
import { HELM_BUILD_TIMEOUT_MS, chartDir, findObject, helm, helmBinary, renderChart, type K8sObject } from './helm.js';

type Deployment = K8sObject & { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
const argsOf = (objs: K8sObject[]) => (findObject(objs, 'Deployment') as Deployment).spec.template.spec.containers[0]!.args;
/** The value after `flag` in the args, or undefined when the flag is absent. */
const flagValue = (args: string[], flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);

beforeAll(() => {
  helmBinary();
}, HELM_BUILD_TIMEOUT_MS);

describe('proxy.* values', () => {
  it('defaults: no trusted IPs, plain listener, none of the flags', () => {
    const args = argsOf(renderChart([]));
    expect(flagValue(args, '--proxy-listen')).toBe('0.0.0.0:8000');
    for (const f of ['--trusted-ips', '--real-ip-header', '--real-ip-recursive']) expect(args).not.toContain(f);
  });

  it('every value reaches its flag, in both modes', () => {
    for (const mode of [[], ['mode=standalone', 'standalone.config=services: []']]) {
      const args = argsOf(renderChart([
        ...mode,
        'proxy.trustedIPs={10.0.0.0/8,2001:db8::/32}',
        'proxy.realIPHeader=proxy_protocol',
        'proxy.realIPRecursive=true',
        'proxy.proxyProtocol=true',
      ]));
      expect(args[0]).toBe(mode.length === 0 ? 'controller' : 'standalone');
      expect(flagValue(args, '--proxy-listen')).toBe('0.0.0.0:8000 proxy_protocol');
      expect(flagValue(args, '--trusted-ips')).toBe('10.0.0.0/8,2001:db8::/32');
      expect(flagValue(args, '--real-ip-header')).toBe('proxy_protocol');
      expect(flagValue(args, '--real-ip-recursive')).toBe('on');
    }
    expect(flagValue(argsOf(renderChart(['proxy.realIPHeader=X-Forwarded-For'])), '--real-ip-header')).toBe('X-Forwarded-For');
  });

  it('the PROXY protocol on the TLS listener: proxy.proxyProtocol, unless tls.proxyProtocol says otherwise', () => {
    const listeners = (sets: string[]) => {
      const args = argsOf(renderChart(sets));
      return [flagValue(args, '--proxy-listen'), flagValue(args, '--proxy-listen-tls')];
    };
    expect(listeners([])).toEqual(['0.0.0.0:8000', '0.0.0.0:8443']);
    expect(listeners(['proxy.proxyProtocol=true'])).toEqual(['0.0.0.0:8000 proxy_protocol', '0.0.0.0:8443 proxy_protocol']);
    expect(listeners(['proxy.proxyProtocol=true', 'tls.proxyProtocol=false'])).toEqual(['0.0.0.0:8000 proxy_protocol', '0.0.0.0:8443']);
    expect(listeners(['tls.proxyProtocol=true'])).toEqual(['0.0.0.0:8000', '0.0.0.0:8443 proxy_protocol']);
    expect(listeners(['proxy.proxyProtocol=true', 'tls.enabled=false'])).toEqual(['0.0.0.0:8000 proxy_protocol', 'off']);
    // The TLS listener alone carrying the header is enough for realIPHeader: proxy_protocol (Kong's rule: some listener).
    const args = argsOf(renderChart(['tls.proxyProtocol=true', 'proxy.realIPHeader=proxy_protocol', 'proxy.trustedIPs={10.0.0.0/8}']));
    expect(flagValue(args, '--real-ip-header')).toBe('proxy_protocol');
  });

  it('refuses proxy_protocol as the header without the PROXY listener, and values that are no address or header', () => {
    const fail = (sets: string[]) => {
      const r = helm(['template', 'portcullis', chartDir, '--set', 'image.repository=portcullis', ...sets]);
      expect(r.code).not.toBe(0);
      return r.stderr;
    };
    expect(fail(['--set', 'proxy.realIPHeader=proxy_protocol'])).toContain('proxy.realIPHeader proxy_protocol needs proxy.proxyProtocol: true');
    expect(fail(['--set', 'proxy.realIPHeader=proxy_protocol', '--set', 'tls.proxyProtocol=true', '--set', 'tls.enabled=false'])).toContain('needs proxy.proxyProtocol: true');
    expect(fail(['--set', 'proxy.realIPHeader=proxy_protocol', '--set', 'tls.proxyProtocol=false'])).toContain('needs proxy.proxyProtocol: true');
    expect(fail(['--set', 'tls.proxyProtocol=on'])).toContain('/tls/proxyProtocol');
    expect(fail(['--set', 'proxy.trustedIPs={lb.example.com}'])).toContain('/proxy/trustedIPs/0');
    expect(fail(['--set', 'proxy.realIPHeader=X Forwarded'])).toContain('/proxy/realIPHeader');
    expect(fail(['--set', 'proxy.realIPRecursive=on'])).toContain('/proxy/realIPRecursive');
  });
});
