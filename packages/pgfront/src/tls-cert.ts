import { X509Certificate } from 'node:crypto';
import net from 'node:net';

/**
 * selfsigned (node-forge: some 300 ms of CPU to load) is loaded when a certificate is first made, not with this module:
 * what imports the package and makes none (`hoop connect` with the certificate it made before, the test kit) does not
 * pay for it.
 */
const generate: typeof import('selfsigned').generate = async (...args) => (await import('selfsigned')).generate(...args);

/** A private certificate authority: its certificate (what clients trust) and the key that signs server certificates. */
export interface CertificateAuthority {
  cert: string;
  key: string;
}

/** A server certificate and its key. */
export interface ServerCertificate {
  cert: string;
  key: string;
}

export interface GeneratedTls extends ServerCertificate {
  /** the certificate authority clients trust with `sslrootcert` (`sslmode=verify-full`) */
  caCert: string;
  /** the CA's private key, to sign the next server certificate (new host names) with the same CA */
  caKey: string;
  /** SHA-256 fingerprint of the CA certificate, as `openssl x509 -fingerprint -sha256` prints it */
  caFingerprint: string;
}

const DAY = 24 * 3600 * 1000;
const SERVER_DAYS = 2 * 365;

/** A private CA (EC P-256, valid ten years), made in-process: nothing is downloaded, no `openssl` needed. */
export async function generateCertificateAuthority(commonName = 'hoop'): Promise<CertificateAuthority> {
  const now = Date.now();
  const ca = await generate([{ name: 'commonName', value: `${commonName} CA` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 10 * 365 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { cert: ca.cert, key: ca.private };
}

/**
 * A server certificate for `names` (host names or IP addresses) signed by `ca`: valid two years, or until the CA
 * expires if that comes first. Clients that trust the CA accept it without being given anything new.
 */
export async function issueServerCertificate(ca: CertificateAuthority, names: string[], commonName = 'hoop'): Promise<ServerCertificate> {
  const now = Date.now();
  const caUntil = new Date(new X509Certificate(ca.cert).validTo).getTime();
  const unique = [...new Set(names.filter(Boolean))];
  const server = await generate([{ name: 'commonName', value: unique[0] ?? commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(Math.min(now + SERVER_DAYS * DAY, caUntil)),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: unique.map((n) => (net.isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })) },
    ],
  });
  return { cert: server.cert, key: server.private };
}

/** A new private CA and a server certificate it signs for `names`. */
export async function generateServerTls(names: string[], commonName = 'hoop'): Promise<GeneratedTls> {
  const ca = await generateCertificateAuthority(commonName);
  const server = await issueServerCertificate(ca, names, commonName);
  return { caCert: ca.cert, caKey: ca.key, ...server, caFingerprint: new X509Certificate(ca.cert).fingerprint256 };
}

/** Whether `certPem` names every one of `names` and stays valid at least `minDays` more days. */
export function certificateCovers(certPem: string, names: string[], minDays = 30): boolean {
  const cert = new X509Certificate(certPem);
  if (new Date(cert.validTo).getTime() < Date.now() + minDays * DAY) return false;
  return names.every((n) => (net.isIP(n) ? cert.checkIP(n) : cert.checkHost(n)) !== undefined);
}

/** Whether `certPem` was signed by the CA `caCert` (and names it as issuer). */
export function issuedBy(certPem: string, caCert: string): boolean {
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caCert);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}
