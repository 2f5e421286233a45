import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './process';
import { startPrivateMariadb } from './test-mysql';
import { findBinary } from './tools';

/** A MariaDB of one test file's own that speaks TLS with a certificate from a CA made for it. */
export interface TlsMariadb {
  port: number;
  /** the CA (PEM) that signed the server's certificate */
  ca: string;
  /** another CA (PEM), same subject, that signed nothing the server has */
  otherCa: string;
  /** the names the server's certificate carries */
  names: string[];
  /** SQL as root over the server's socket */
  sql(text: string): string;
  stop(): Promise<void>;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${(r.stderr || r.stdout).trim()}`);
}

/** `openssl req` in `dir` with a new EC P-256 key, unencrypted, written to `key`, and `args`. */
function requestWithNewKey(dir: string, key: string, args: string[]): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, ...args]);
}

/** A CA (`prefix`.crt/.key) in `dir` with the subject `hoop test CA`, EC P-256, valid a few days. */
function makeCa(dir: string, prefix: string): string {
  requestWithNewKey(dir, `${prefix}.key`, [
    '-x509',
    '-out',
    `${prefix}.crt`,
    '-days',
    '3',
    '-subj',
    '/CN=hoop test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return readFileSync(path.join(dir, `${prefix}.crt`), 'utf8');
}

/**
 * A private MariaDB (data and port its own, so runs side by side never meet) with ssl_cert/ssl_key/ssl_ca from a CA
 * made here with openssl, its server certificate naming `names` (DNS names or IP addresses). Missing: the reason
 * (no MariaDB server or openssl installed, or the server would not start). A CA or certificate that cannot be made
 * throws: that is a fault to see, not a program missing.
 */
export async function startTlsMariadb(o: { names: string[] }): Promise<TlsMariadb | { missing: string }> {
  if (!findBinary('openssl')) return { missing: 'openssl is not installed (it makes the test CA)' };
  const dir = mkdtempSync(path.join(tmpdir(), 'hoop-tls-mariadb-'));
  const certs = path.join(dir, 'certs');
  mkdirSync(certs, { recursive: true });
  try {
    const ca = makeCa(certs, 'ca');
    const otherCa = makeCa(certs, 'other-ca');
    const san = o.names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    writeFileSync(path.join(certs, 'server.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    requestWithNewKey(certs, 'server.key', ['-out', 'server.csr', '-subj', '/CN=hoop test server']);
    openssl(certs, [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '3',
      '-extfile',
      'server.ext',
    ]);
    const port = await freePort();
    const started = await startPrivateMariadb({
      dir: path.join(dir, 'data'),
      port,
      args: [`--ssl-ca=${path.join(certs, 'ca.crt')}`, `--ssl-cert=${path.join(certs, 'server.crt')}`, `--ssl-key=${path.join(certs, 'server.key')}`],
    });
    if ('missing' in started) {
      rmSync(dir, { recursive: true, force: true });
      return started;
    }
    const client = findBinary('mariadb') ?? findBinary('mysql');
    return {
      port,
      ca,
      otherCa,
      names: o.names,
      sql(text) {
        if (!client) throw new Error('no mariadb client installed');
        const r = spawnSync(client, ['--no-defaults', '-S', started.socket, '-uroot', '-N', '-B', '-e', text], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`mariadb: ${(r.stderr || r.stdout).trim()}`);
        return r.stdout;
      },
      async stop() {
        await started.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
