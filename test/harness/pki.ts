import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** File paths of the throwaway PKI for one local control plane. */
export interface ControlPlanePki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** RSA key pair that signs and verifies service-account tokens (RS256 is what the apiserver issues). */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd: dir });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('openssl is not installed (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Issues `<name>.crt`/`<name>.key` in `dir`, signed by its ca.crt, copying the CSR's extensions. */
export async function issue(dir: string, name: string, subject: string, extensions: string[]): Promise<void> {
  await openssl(dir, [
    'req', '-new', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject,
    ...extensions.flatMap((ext) => ['-addext', ext]),
  ]);
  await openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-copy_extensions', 'copy', '-out', `${name}.crt`,
  ]);
}

/** Generates a CA, a serving cert for 127.0.0.1/localhost, an admin client cert in system:masters,
 * and a service-account signing key, all inside `dir` (a private temp dir removed on stop). */
export async function generatePki(dir: string, extraServingSans: string[] = []): Promise<ControlPlanePki> {
  await openssl(dir, [
    'req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
    '-subj', '/CN=portcullis-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await issue(dir, 'serving', '/CN=kube-apiserver', [
    `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes.default.svc', ...extraServingSans].join(',')}`,
    'extendedKeyUsage=serverAuth',
  ]);
  await issue(dir, 'admin', '/O=system:masters/CN=portcullis-test-admin', ['extendedKeyUsage=clientAuth']);
  await openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key']);
  await openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  return {
    caCert: join(dir, 'ca.crt'),
    servingCert: join(dir, 'serving.crt'),
    servingKey: join(dir, 'serving.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
}
