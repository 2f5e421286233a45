import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { PgWireError } from './errors';

/** The answer to AuthenticationMD5Password: 'md5' + md5(md5(password + user) + salt). */
export function md5Password(user: string, password: string, salt: Uint8Array): string {
  const inner = createHash('md5')
    .update(password + user)
    .digest('hex');
  return `md5${createHash('md5').update(inner).update(salt).digest('hex')}`;
}

const hmac = (key: Buffer, data: string | Buffer) => createHmac('sha256', key).update(data).digest();

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

/** Client side of SCRAM-SHA-256 (RFC 5802 / 7677) without channel binding, as Postgres speaks it. */
export class ScramSha256Client {
  private readonly nonce: string;
  private clientFirstBare = '';
  private expectedServerSignature: Buffer | null = null;

  constructor(
    private readonly user: string,
    private readonly password: string,
    nonce?: string,
  ) {
    this.nonce = nonce ?? randomBytes(18).toString('base64');
  }

  clientFirst(): { mechanism: 'SCRAM-SHA-256'; data: Buffer } {
    const name = this.user.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.clientFirstBare = `n=${name},r=${this.nonce}`;
    return { mechanism: 'SCRAM-SHA-256', data: Buffer.from(`n,,${this.clientFirstBare}`) };
  }

  /** The client-final message for the server-first one; the key derivation runs on the calling thread. */
  serverFirst(data: Uint8Array): Buffer {
    const first = this.readServerFirst(data);
    return this.clientFinal(first, pbkdf2Sync(this.password.normalize('NFKC'), first.salt, first.iterations, 32, 'sha256'));
  }

  /**
   * The same, with the key derivation on libuv's thread pool: a server may ask for millions of iterations, and a
   * process serving other sessions must not stop for the seconds that take.
   */
  async serverFirstAsync(data: Uint8Array): Promise<Buffer> {
    const first = this.readServerFirst(data);
    const salted = await new Promise<Buffer>((resolve, reject) =>
      pbkdf2(this.password.normalize('NFKC'), first.salt, first.iterations, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key))),
    );
    return this.clientFinal(first, salted);
  }

  private readServerFirst(data: Uint8Array): { text: string; nonce: string; salt: Buffer; iterations: number } {
    const serverFirst = Buffer.from(data).toString('utf8');
    const a = attributes(serverFirst);
    const r = a.get('r');
    const s = a.get('s');
    const i = Number(a.get('i'));
    if (!r || !s || !Number.isInteger(i) || i < 1) throw new PgWireError('SCRAM: malformed server-first message', '28000');
    if (!r.startsWith(this.nonce) || r.length === this.nonce.length) throw new PgWireError('SCRAM: server nonce does not extend the client nonce', '28000');
    if (i > 10_000_000) throw new PgWireError('SCRAM: iteration count is unreasonably high', '28000');
    return { text: serverFirst, nonce: r, salt: Buffer.from(s, 'base64'), iterations: i };
  }

  private clientFinal(first: { text: string; nonce: string }, salted: Buffer): Buffer {
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${first.nonce}`;
    const authMessage = `${this.clientFirstBare},${first.text},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(32);
    for (let k = 0; k < 32; k++) proof[k] = clientKey[k]! ^ signature[k]!;
    this.expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  serverFinal(data: Uint8Array): void {
    const a = attributes(Buffer.from(data).toString('utf8'));
    const err = a.get('e');
    if (err) throw new PgWireError(`SCRAM: server reported ${err}`, '28000');
    const v = a.get('v');
    const expected = this.expectedServerSignature;
    if (!v || !expected) throw new PgWireError('SCRAM: malformed server-final message', '28000');
    const got = Buffer.from(v, 'base64');
    if (got.length !== expected.length || !timingSafeEqual(got, expected))
      throw new PgWireError('SCRAM: the server signature does not match: not the server we expected', '28000');
  }
}
