import { describe, expect, it } from 'vitest';
import { formatScramVerifier, parseScramVerifier, ScramSha256Client, ScramSha256Server, scramVerifier } from './auth';
import { PgWireError } from './errors';

async function exchange(password: string, stored: string[], tamper?: (final: Buffer) => Buffer) {
  const salt = Buffer.from('0123456789abcdef');
  const verifiers = await Promise.all(stored.map((p) => scramVerifier(p, salt, 4096)));
  const client = new ScramSha256Client('ignored', password);
  const server = new ScramSha256Server(salt, 4096);
  const first = client.clientFirst();
  const serverFirst = server.clientFirst(first.mechanism, first.data);
  let final = client.serverFirst(serverFirst);
  if (tamper) final = tamper(final);
  const result = server.clientFinal(final, verifiers);
  if (result) client.serverFinal(result.serverFinal); // throws if the server signature is wrong
  return result;
}

describe('ScramSha256Server', () => {
  it('accepts the password the client proves, finds which of several verifiers it matches, and the client accepts the server', async () => {
    expect((await exchange('tok-a', ['tok-a']))?.index).toBe(0);
    expect((await exchange('tok-b', ['tok-a', 'tok-b', 'tok-c']))?.index).toBe(1);
  });

  it('refuses a wrong password, and no verifier at all', async () => {
    expect(await exchange('wrong', ['tok-a', 'tok-b'])).toBeNull();
    expect(await exchange('tok-a', [])).toBeNull();
  });

  it('refuses a replayed or altered final message', async () => {
    await expect(exchange('tok-a', ['tok-a'], (f) => Buffer.from(f.toString().replace(/r=[^,]+/, 'r=abc')))).rejects.toThrow(/nonce/);
    await expect(exchange('tok-a', ['tok-a'], (f) => Buffer.from(f.toString().replace('c=biws', 'c=eSws')))).rejects.toThrow(/channel binding/);
    await expect(exchange('tok-a', ['tok-a'], (f) => Buffer.from(f.toString().replace(/p=.*/, 'p=AAAA')))).rejects.toThrow(/proof/);
    // a proof with one bit flipped is a wrong password, not a crash
    const flipped = await exchange('tok-a', ['tok-a'], (f) => {
      const s = f.toString();
      const at = s.lastIndexOf('p=') + 2;
      const proof = Buffer.from(s.slice(at), 'base64');
      proof[0]! ^= 1;
      return Buffer.from(s.slice(0, at) + proof.toString('base64'));
    });
    expect(flipped).toBeNull();
  });

  it('refuses malformed and out-of-order messages with a clear error', () => {
    const s = new ScramSha256Server(Buffer.alloc(16), 4096);
    expect(() => s.clientFinal(Buffer.from('c=biws,r=x,p=AAAA'), [])).toThrow(PgWireError);
    expect(() => s.clientFirst('SCRAM-SHA-1', Buffer.from('n,,n=,r=abc'))).toThrow(/unsupported mechanism/);
    expect(() => s.clientFirst('SCRAM-SHA-256', null)).toThrow(/missing/);
    expect(() => s.clientFirst('SCRAM-SHA-256', Buffer.from('p=tls-server-end-point,,n=,r=abc'))).toThrow(/channel binding/);
    expect(() => s.clientFirst('SCRAM-SHA-256', Buffer.from('garbage'))).toThrow(/malformed/);
    expect(() => s.clientFirst('SCRAM-SHA-256', Buffer.from('n,,n=,r='))).toThrow(/nonce/);
  });

  it('stores verifiers in the form Postgres uses and reads them back', async () => {
    const v = await scramVerifier('secret');
    const text = formatScramVerifier(v);
    expect(text).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(parseScramVerifier(text)).toEqual(v);
    expect(parseScramVerifier('md5abc')).toBeNull();
  });
});
