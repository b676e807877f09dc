import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM text of a certificate and its key. */
export interface Pem {
  cert: string;
  key: string;
}

/**
 * A throwaway PKI for upstream TLS tests, minted with the openssl CLI the k8s harness already
 * needs (test/harness/pki.ts): node:crypto cannot sign X.509 certificates, and `openssl ca` can
 * also back-date one to make it expired. EC P-256 keys (fast).
 */
export class TestPki {
  private constructor(readonly dir: string) {}

  static async create(): Promise<TestPki> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pc-upki-'));
    await writeFile(
      path.join(dir, 'ca.cnf'),
      [
        '[ca]', 'default_ca = d', '[d]', 'database = index.txt', 'new_certs_dir = .', 'serial = serial', 'default_md = sha256',
        'policy = p', 'copy_extensions = copy', 'unique_subject = no', '[p]', 'commonName = supplied', '',
      ].join('\n'),
    );
    await writeFile(path.join(dir, 'index.txt'), '');
    await writeFile(path.join(dir, 'serial'), '1000\n');
    return new TestPki(dir);
  }

  private async openssl(args: string[]): Promise<void> {
    try {
      await run('openssl', args, { cwd: this.dir });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
    }
  }

  private async read(name: string): Promise<Pem> {
    return { cert: await readFile(path.join(this.dir, `${name}.crt`), 'utf8'), key: await readFile(path.join(this.dir, `${name}.key`), 'utf8') };
  }

  /** A self-signed root CA. */
  async root(name: string): Promise<Pem> {
    await this.openssl([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
      '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return this.read(name);
  }

  /** A self-signed server certificate (no CA): what a quick internal service often runs with. */
  async selfSigned(name: string, sans: string[]): Promise<Pem> {
    await this.openssl([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
      '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=serverAuth',
      '-addext', `subjectAltName=${sans.join(',')}`,
    ]);
    return this.read(name);
  }

  /**
   * A certificate signed by `issuer` (a name given to root() or issue()): an intermediate CA with
   * `ca`, else a leaf with the SANs (serverAuth, or clientAuth with `client`). `expired`: valid in 2020 only.
   */
  async issue(name: string, issuer: string, opts: { ca?: boolean; sans?: string[]; client?: boolean; expired?: boolean } = {}): Promise<Pem> {
    const ext = opts.ca
      ? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']
      : [
          'basicConstraints=critical,CA:FALSE',
          `extendedKeyUsage=${opts.client ? 'clientAuth' : 'serverAuth'}`,
          ...(opts.sans !== undefined ? [`subjectAltName=${opts.sans.join(',')}`] : []),
        ];
    await this.openssl([
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`,
      '-subj', `/CN=${name}`, ...ext.flatMap((e) => ['-addext', e]),
    ]);
    const dates = opts.expired ? ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z'] : ['-days', '2'];
    await this.openssl(['ca', '-batch', '-notext', '-config', 'ca.cnf', '-cert', `${issuer}.crt`, '-keyfile', `${issuer}.key`, '-in', `${name}.csr`, '-out', `${name}.crt`, ...dates]);
    return this.read(name);
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
