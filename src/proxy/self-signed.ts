import { createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A self-signed certificate made with node:crypto alone: the TLS listener's default when no
 * certificate matches and none is configured, as Kong generates one at start (docs/tls.md).
 * ECDSA P-256 (a key pair in about a millisecond), DER written by hand: the few fixed ASN.1
 * structures of RFC 5280 below do not justify an X.509 dependency in the gateway.
 */
export interface SelfSignedOptions {
  commonName: string;
  /** DNS subjectAltNames (default: the common name). */
  dnsNames?: readonly string[];
  notBefore?: Date;
  notAfter?: Date;
  /** P-256 private key to certify (default: a new one). */
  key?: KeyObject;
}

export function selfSignedCertificate(opts: SelfSignedOptions): { cert: string; key: string } {
  const key = opts.key ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const spki = keyToSpki(key);
  const now = Date.now();
  const notBefore = opts.notBefore ?? new Date(now - 60_000);
  const notAfter = opts.notAfter ?? new Date(now + 365 * 24 * 3600_000);
  const name = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(opts.commonName, 'utf8')))));
  const sigAlg = seq(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256
  const serial = randomBytes(16);
  // Positive and minimally encoded (DER): a leading 0x00 byte would make OpenSSL refuse the certificate.
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const sans = (opts.dnsNames ?? [opts.commonName]).map((d) => tlv(0x82, Buffer.from(d, 'ascii')));
  const extensions = tlv(0xa3, seq(
    seq(oid('2.5.29.19'), tlv(0x04, seq())), // basicConstraints: not a CA
    seq(oid('2.5.29.17'), tlv(0x04, seq(...sans))), // subjectAltName
  ));
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    sigAlg,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    spki,
    extensions,
  );
  const signature = sign('sha256', tbs, { key, dsaEncoding: 'der' });
  const der = seq(tbs, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    key: key.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

function keyToSpki(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' }) as Buffer;
}

function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));

function integer(bytes: Buffer): Buffer {
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const bytes = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  const year = d.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii')) : tlv(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}
