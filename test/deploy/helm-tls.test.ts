import { beforeAll, describe, expect, it } from 'vitest';
import { chartDir, findObject, helm, helmBinary, HELM_BUILD_TIMEOUT_MS, LOCAL_IMAGE_SET, renderChart, type K8sObject } from './helm.js';

/** The chart's TLS listener (docs/tls.md, docs/install.md#values): container port, Service port 443, default certificate, NetworkPolicy. */
interface Container {
  args: string[];
  ports: Array<{ name: string; containerPort: number }>;
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
type Deployment = K8sObject & { spec: { template: { spec: { containers: Container[]; volumes: Array<{ name: string; secret?: { secretName: string } }> } } } };
type Service = K8sObject & { spec: { ports: Array<{ name: string; port: number; targetPort: string; nodePort?: number }> } };
type Policy = K8sObject & { spec: { ingress: Array<{ ports: Array<{ port: string }> }> } };

const container = (objs: K8sObject[]) => (findObject(objs, 'Deployment') as Deployment).spec.template.spec.containers[0]!;
const argAfter = (c: Container, flag: string) => c.args[c.args.indexOf(flag) + 1];
const proxyService = (objs: K8sObject[]) => findObject(objs, 'Service', 'portcullis') as Service;

describe('TLS listener in the chart', () => {
  beforeAll(() => void helmBinary(), HELM_BUILD_TIMEOUT_MS);

  it('by default: listener on 8443, container port proxy-tls, Service port 443, self-signed default certificate', () => {
    const objs = renderChart();
    const c = container(objs);
    expect(argAfter(c, '--proxy-listen-tls')).toBe('0.0.0.0:8443');
    expect(c.args).not.toContain('--default-certificate');
    expect(c.ports).toContainEqual(expect.objectContaining({ name: 'proxy-tls', containerPort: 8443 }));
    expect(proxyService(objs).spec.ports).toContainEqual({ name: 'proxy-tls', port: 443, targetPort: 'proxy-tls', protocol: 'TCP' });
  });

  it('service.tls.port and nodePort', () => {
    const objs = renderChart(['service.type=NodePort', 'service.tls.port=8443', 'service.tls.nodePort=30443']);
    expect(proxyService(objs).spec.ports.find((p) => p.name === 'proxy-tls')).toMatchObject({ port: 8443, nodePort: 30443 });
  });

  it('tls.defaultCertificateSecret mounts the Secret and passes the file pair', () => {
    const objs = renderChart(['tls.defaultCertificateSecret=gateway-default-tls']);
    const c = container(objs);
    expect(argAfter(c, '--default-certificate')).toBe('/etc/portcullis-tls/tls.crt,/etc/portcullis-tls/tls.key');
    expect(c.volumeMounts).toContainEqual({ name: 'default-certificate', mountPath: '/etc/portcullis-tls', readOnly: true });
    const volumes = (findObject(objs, 'Deployment') as Deployment).spec.template.spec.volumes;
    expect(volumes).toContainEqual({ name: 'default-certificate', secret: { secretName: 'gateway-default-tls' } });
  });

  it('tls.enabled=false: listener off, no port anywhere', () => {
    const objs = renderChart(['tls.enabled=false', 'networkPolicy.enabled=true', 'tls.defaultCertificateSecret=x']);
    const c = container(objs);
    expect(argAfter(c, '--proxy-listen-tls')).toBe('off');
    expect(c.args).not.toContain('--default-certificate');
    expect(c.ports.map((p) => p.name)).not.toContain('proxy-tls');
    expect(proxyService(objs).spec.ports.map((p) => p.name)).toEqual(['proxy']);
    expect((findObject(objs, 'NetworkPolicy') as Policy).spec.ingress[0]!.ports.map((p) => p.port)).toEqual(['proxy']);
  });

  it('service.tls.enabled=false keeps the listener but not the Service port', () => {
    const objs = renderChart(['service.tls.enabled=false']);
    expect(argAfter(container(objs), '--proxy-listen-tls')).toBe('0.0.0.0:8443');
    expect(proxyService(objs).spec.ports.map((p) => p.name)).toEqual(['proxy']);
  });

  it('the NetworkPolicy admits the TLS port like the plaintext one', () => {
    const policy = findObject(renderChart(['networkPolicy.enabled=true']), 'NetworkPolicy') as Policy;
    expect(policy.spec.ingress[0]!.ports.map((p) => p.port)).toEqual(['proxy', 'proxy-tls']);
  });

  it('refuses a default certificate Secret name that is no object name', () => {
    const r = helm(['template', 'portcullis', chartDir, ...LOCAL_IMAGE_SET, '--set', 'tls.defaultCertificateSecret=Bad_Name']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/defaultCertificateSecret/);
  });
});
