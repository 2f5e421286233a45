import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import { type Db, decryptSecret, encryptSecret } from '@hoop/db';
import type { Logger } from '@hoop/log';
import { certificateCovers, generateCertificateAuthority, issueServerCertificate } from '@hoop/pgfront';

/** The certificate the listener serves, and what clients trust it by. */
export interface ListenerCertificate {
  context: tls.SecureContext;
  source: 'generated' | 'provided';
  /** the CA to give clients for sslmode=verify-full (`hoop ca`); null when the admin provided the certificate */
  caCert: string | null;
  /** SHA-256 fingerprint of that CA, or of the provided certificate */
  fingerprint: string;
  hostNames: string[];
}

const ROW = 'pg-listener';
/** a server certificate (or CA) this close to its end is made again */
const RENEW_DAYS = 30;

/**
 * The admin's certificate and key (HOOP_GATEWAY_PG_TLS_CERT / _KEY, PEM files), or the one hoop made: a private CA and
 * a server certificate for `hostNames`, made once and kept in the database (the key sealed with HOOP_ENCRYPTION_KEY),
 * so every gateway of a deployment serves the same one and restarts keep it. A name it does not cover yet (a new
 * HOOP_PUBLIC_HOST), or an end less than 30 days away, gets a new server certificate for every name so far, signed by
 * the same CA: clients that verify the CA keep working. Only a CA whose key is lost (another HOOP_ENCRYPTION_KEY, a
 * row from before the key was kept) or that nears its own end is made anew; clients then need it again (`hoop ca`).
 */
export async function listenerCertificate(o: {
  db: Db;
  encryptionKey: Buffer;
  certFile?: string;
  keyFile?: string;
  hostNames: string[];
  log: Logger;
}): Promise<ListenerCertificate> {
  if (o.certFile || o.keyFile) {
    if (!o.certFile || !o.keyFile) throw new Error('set both HOOP_GATEWAY_PG_TLS_CERT and HOOP_GATEWAY_PG_TLS_KEY (PEM files), or neither');
    const [cert, key] = await Promise.all([readPem(o.certFile, 'HOOP_GATEWAY_PG_TLS_CERT'), readPem(o.keyFile, 'HOOP_GATEWAY_PG_TLS_KEY')]);
    let context: tls.SecureContext;
    try {
      context = tls.createSecureContext({ cert, key });
    } catch (err) {
      throw new Error(`HOOP_GATEWAY_PG_TLS_CERT and HOOP_GATEWAY_PG_TLS_KEY do not make a certificate and its key: ${(err as Error).message}`);
    }
    const x = new X509Certificate(cert);
    return { context, source: 'provided', caCert: null, fingerprint: x.fingerprint256, hostNames: x.subjectAltName ? [x.subjectAltName] : [] };
  }
  const wanted = [...new Set(o.hostNames.filter(Boolean))];
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await o.db.gatewayCertificate.findUnique({ where: { name: ROW } });
    let key: string | null = null;
    let caKey: string | null = null;
    if (row) {
      try {
        key = decryptSecret(row.keySealed, o.encryptionKey);
        caKey = row.caKeySealed ? decryptSecret(row.caKeySealed, o.encryptionKey) : null;
      } catch {
        o.log.warn('the Postgres listener certificate in the database was sealed with another HOOP_ENCRYPTION_KEY: making a new one');
        key = caKey = null;
      }
    }
    if (row && key && wanted.every((n) => row.hostNames.includes(n)) && certificateCovers(row.cert, [], RENEW_DAYS)) {
      return {
        context: tls.createSecureContext({ cert: row.cert, key }),
        source: 'generated',
        caCert: row.caCert,
        fingerprint: new X509Certificate(row.caCert).fingerprint256,
        hostNames: row.hostNames,
      };
    }
    const hostNames = [...new Set([...(key ? (row?.hostNames ?? []) : []), ...wanted])];
    // the CA stays while its key is at hand and it outlives a renewal period; clients that trust it need nothing new
    const keptCa = row && caKey && certificateCovers(row.caCert, [], RENEW_DAYS) ? { cert: row.caCert, key: caKey } : null;
    const ca = keptCa ?? (await generateCertificateAuthority());
    const server = await issueServerCertificate(ca, hostNames);
    const data = {
      caCert: ca.cert,
      caKeySealed: encryptSecret(ca.key, o.encryptionKey),
      cert: server.cert,
      keySealed: encryptSecret(server.key, o.encryptionKey),
      hostNames,
    };
    if (!row) await o.db.gatewayCertificate.createMany({ data: [{ name: ROW, ...data }], skipDuplicates: true });
    else {
      // only over the row read above: two gateways changing it at once keep one, and both read it again
      const changed = await o.db.gatewayCertificate.updateMany({ where: { name: ROW, createdAt: row.createdAt }, data: { ...data, createdAt: new Date() } });
      if (changed.count === 1 && keptCa) o.log.info('the Postgres listener has a new server certificate from the same CA', { hostNames });
      else if (changed.count === 1) o.log.warn('the Postgres listener has a new CA; clients that verify the CA need it again (hoop ca)', { hostNames });
    }
  }
  throw new Error('could not settle the Postgres listener certificate with the other gateways; start again');
}

async function readPem(file: string, name: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${name}: cannot read ${file}: ${(err as Error).message}`);
  }
}
