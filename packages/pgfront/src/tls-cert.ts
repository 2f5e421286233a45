import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { generate } from 'selfsigned';

export interface GeneratedTls {
  /** the certificate authority clients trust with `sslrootcert` (`sslmode=verify-full`) */
  caCert: string;
  /** the server's certificate, signed by the CA, for the given host names and addresses */
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the CA certificate, as `openssl x509 -fingerprint -sha256` prints it */
  caFingerprint: string;
}

/**
 * A private CA and a server certificate it signs (EC P-256, valid ten years for the CA, two for the server), made
 * in-process: nothing is downloaded, no `openssl` needed. Names may be host names or IP addresses.
 */
export async function generateServerTls(names: string[], commonName = 'hoop'): Promise<GeneratedTls> {
  const now = new Date();
  const years = (n: number) => new Date(now.getTime() + n * 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: `${commonName} CA` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: years(10),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const unique = [...new Set(names.filter(Boolean))];
  const server = await generate([{ name: 'commonName', value: unique[0] ?? commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: years(2),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: unique.map((n) => (net.isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })) },
    ],
  });
  return { caCert: ca.cert, cert: server.cert, key: server.private, caFingerprint: new X509Certificate(ca.cert).fingerprint256 };
}
