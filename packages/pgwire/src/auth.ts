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

/** What a server keeps of a SCRAM-SHA-256 password (RFC 5802 §3): enough to check a proof, not enough to log in as the client. */
export interface ScramVerifier {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** Postgres' own default (scram_iterations). */
export const SCRAM_ITERATIONS = 4096;

function verifierFrom(salted: Buffer, salt: Buffer, iterations: number): ScramVerifier {
  return { salt, iterations, storedKey: createHash('sha256').update(hmac(salted, 'Client Key')).digest(), serverKey: hmac(salted, 'Server Key') };
}

/** The verifier of a password, derived off the event loop (PBKDF2 on libuv's thread pool). */
export async function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): Promise<ScramVerifier> {
  const salted = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(password.normalize('NFKC'), salt, iterations, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key))),
  );
  return verifierFrom(salted, salt, iterations);
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, the form Postgres stores in pg_authid. */
export function formatScramVerifier(v: ScramVerifier): string {
  return `SCRAM-SHA-256$${v.iterations}:${v.salt.toString('base64')}$${v.storedKey.toString('base64')}:${v.serverKey.toString('base64')}`;
}

export function parseScramVerifier(text: string): ScramVerifier | null {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(text);
  if (!m) return null;
  const v = { iterations: Number(m[1]), salt: Buffer.from(m[2]!, 'base64'), storedKey: Buffer.from(m[3]!, 'base64'), serverKey: Buffer.from(m[4]!, 'base64') };
  return v.iterations > 0 && v.storedKey.length === 32 && v.serverKey.length === 32 ? v : null;
}

/**
 * Server side of SCRAM-SHA-256 without channel binding, as Postgres speaks it (the user name inside the exchange is
 * ignored: the startup message named the user). One exchange per instance:
 * `AuthenticationSASL(['SCRAM-SHA-256'])` → `clientFirst()` → `AuthenticationSASLContinue` → `clientFinal()` →
 * `AuthenticationSASLFinal` and `AuthenticationOk`, or the caller's authentication error.
 *
 * Every verifier of one exchange must share the salt and iteration count the server-first message announced; the
 * client's proof is checked against each (a user may hold several tokens), in constant time.
 */
export class ScramSha256Server {
  private readonly nonce: string;
  private gs2Header = '';
  private clientFirstBare = '';
  private serverFirstText = '';

  constructor(
    private readonly salt: Buffer,
    private readonly iterations: number,
    nonce?: string,
  ) {
    this.nonce = nonce ?? randomBytes(18).toString('base64');
  }

  /** Reads the client-first message (from SASLInitialResponse) and returns the server-first one. */
  clientFirst(mechanism: string, data: Uint8Array | null): Buffer {
    if (mechanism !== 'SCRAM-SHA-256') throw new PgWireError(`SCRAM: unsupported mechanism "${mechanism}"; this server offers SCRAM-SHA-256`, '28000');
    if (!data) throw new PgWireError('SCRAM: the client-first message is missing', '08P01');
    const text = Buffer.from(data).toString('utf8');
    // gs2-header: "n,," (no channel binding) or "y,," (the client could bind but thinks the server cannot); "p=…" asks for -PLUS
    const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(text);
    if (!m) {
      if (text.startsWith('p=')) throw new PgWireError('SCRAM: channel binding was asked for but this server offers SCRAM-SHA-256 without it', '28000');
      throw new PgWireError('SCRAM: malformed client-first message', '08P01');
    }
    this.gs2Header = `${m[1]},${m[2] ?? ''},`;
    this.clientFirstBare = m[3]!;
    const a = attributes(this.clientFirstBare);
    const r = a.get('r');
    if (!r || !/^[\x21-\x2b\x2d-\x7e]+$/.test(r)) throw new PgWireError('SCRAM: malformed client nonce', '08P01');
    if (a.has('m')) throw new PgWireError('SCRAM: mandatory extensions are not supported', '08P01');
    this.serverFirstText = `r=${r}${this.nonce},s=${this.salt.toString('base64')},i=${this.iterations}`;
    return Buffer.from(this.serverFirstText);
  }

  /**
   * Reads the client-final message (from SASLResponse): the index of the verifier whose password the client proved it
   * knows and the server-final message to send, or null when the proof matches none (answer with the auth error).
   */
  clientFinal(data: Uint8Array, verifiers: readonly ScramVerifier[]): { index: number; serverFinal: Buffer } | null {
    if (!this.serverFirstText) throw new PgWireError('SCRAM: client-final message before client-first', '08P01');
    const text = Buffer.from(data).toString('utf8');
    const at = text.lastIndexOf(',p=');
    if (at < 0) throw new PgWireError('SCRAM: malformed client-final message', '08P01');
    const withoutProof = text.slice(0, at);
    const a = attributes(withoutProof);
    if (a.get('c') !== Buffer.from(this.gs2Header).toString('base64')) throw new PgWireError('SCRAM: channel binding data does not match', '08P01');
    const nonce = attributes(this.serverFirstText).get('r');
    if (a.get('r') !== nonce) throw new PgWireError('SCRAM: nonce does not match', '08P01');
    const proof = Buffer.from(text.slice(at + 3), 'base64');
    if (proof.length !== 32) throw new PgWireError('SCRAM: malformed client proof', '08P01');
    const authMessage = `${this.clientFirstBare},${this.serverFirstText},${withoutProof}`;
    let found = -1;
    verifiers.forEach((v, index) => {
      const signature = hmac(v.storedKey, authMessage);
      const clientKey = Buffer.alloc(32);
      for (let k = 0; k < 32; k++) clientKey[k] = proof[k]! ^ signature[k]!;
      const ok = timingSafeEqual(createHash('sha256').update(clientKey).digest(), v.storedKey);
      if (ok && found < 0) found = index;
    });
    if (found < 0) return null;
    return { index: found, serverFinal: Buffer.from(`v=${hmac(verifiers[found]!.serverKey, authMessage).toString('base64')}`) };
  }
}
