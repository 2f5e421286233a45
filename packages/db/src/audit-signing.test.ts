import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditKeyError,
  BAD_SIGNATURE_MESSAGE,
  ChainSignatureCheck,
  generateAuditKeyPair,
  loadAuditKeys,
  parseAuditPublicKeys,
  parseAuditSigningKey,
  UNSIGNED_LINK_MESSAGE,
  untrustedKeyMessage,
} from './audit-signing';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hoop-audit-signing-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AuditKeyError);
    return (err as Error).message;
  }
  throw new Error('expected an AuditKeyError');
};

describe('audit signing keys', () => {
  it('reads a private key as PEM text, with \\n written out, or from a file, and names it by its public key', async () => {
    const pair = generateAuditKeyPair();
    const file = path.join(dir, 'key.pem');
    await writeFile(file, pair.privateKeyPem, { mode: 0o600 });
    for (const value of [pair.privateKeyPem, pair.privateKeyPem.replace(/\n/g, '\\n'), `file:${file}`]) {
      const signer = parseAuditSigningKey(value);
      expect(signer.keyId).toBe(pair.keyId);
      expect(signer.keyId).toMatch(/^[0-9a-f]{16}$/);
    }
    // the same key on every read: a signature made with one read checks with the public key read elsewhere
    const signature = parseAuditSigningKey(pair.privateKeyPem).sign('ab'.repeat(32));
    const check = new ChainSignatureCheck(loadAuditKeys({ publicKeys: pair.publicKeyPem }).trusted);
    expect(check.check({ sessionId: 's', hash: 'ab'.repeat(32), signature, keyId: pair.keyId })).toBeNull();
  });

  it('says which setting is wrong and why', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pair = generateAuditKeyPair();
    expect(problem(() => parseAuditSigningKey(rsa))).toBe(
      'HOOP_AUDIT_SIGNING_KEY: is an rsa key; audit signing uses Ed25519 (openssl genpkey -algorithm ed25519)',
    );
    expect(problem(() => parseAuditSigningKey(pair.publicKeyPem))).toMatch(/^HOOP_AUDIT_SIGNING_KEY: is a public key; the gateway signs with the private key/);
    expect(problem(() => parseAuditSigningKey('secret'))).toBe('HOOP_AUDIT_SIGNING_KEY: expected a PEM key (-----BEGIN … KEY-----) or file:/path/to/key.pem');
    expect(problem(() => parseAuditSigningKey('file:'))).toBe('HOOP_AUDIT_SIGNING_KEY: "file:" needs a path, such as file:/etc/hoop/audit-key.pem');
    expect(problem(() => parseAuditSigningKey(`${pair.privateKeyPem}\n${generateAuditKeyPair().privateKeyPem}`))).toBe(
      'HOOP_AUDIT_SIGNING_KEY: expected one private key, found 2 PEM blocks',
    );
    expect(problem(() => parseAuditSigningKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'))).toMatch(
      /^HOOP_AUDIT_SIGNING_KEY: not a private key in PEM \(PKCS8\)/,
    );
    expect(problem(() => loadAuditKeys({ trustedKeys: `${pair.publicKeyPem},file:${path.join(dir, 'gone.pem')}` }))).toBe(
      `HOOP_AUDIT_TRUSTED_KEYS entry 2: cannot read ${path.join(dir, 'gone.pem')}: ENOENT`,
    );
    expect(loadAuditKeys({ signingKey: '', publicKeys: ' ', trustedKeys: undefined })).toMatchObject({ signer: null, trusted: new Map() });
  });

  it('takes several public keys: a list, and a file holding more than one', async () => {
    const [a, b, c] = [generateAuditKeyPair(), generateAuditKeyPair(), generateAuditKeyPair()];
    const bundle = path.join(dir, 'bundle.pem');
    await writeFile(bundle, `${b.publicKeyPem}\n${c.publicKeyPem}`);
    const keys = parseAuditPublicKeys(`${a.publicKeyPem}, file:${bundle}`, 'HOOP_AUDIT_TRUSTED_KEYS');
    expect(keys).toHaveLength(3);
    const trusted = loadAuditKeys({ signingKey: a.privateKeyPem, trustedKeys: `file:${bundle}` }).trusted;
    expect([...trusted.keys()].sort()).toEqual([a.keyId, b.keyId, c.keyId].sort());
  });
});

describe('checking the chain’s signatures', () => {
  const key = parseAuditSigningKey(generateAuditKeyPair().privateKeyPem);
  const other = parseAuditSigningKey(generateAuditKeyPair().privateKeyPem);
  const trusted = new Map([[key.keyId, key.publicKey]]);
  const hash = (n: number) => n.toString(16).padStart(64, '0');
  const signed = (n: number, by = key) => ({ sessionId: `s${n}`, hash: hash(n), signature: by.sign(hash(n)), keyId: by.keyId });
  const unsigned = (n: number) => ({ sessionId: `s${n}`, hash: hash(n), signature: null, keyId: null });

  it('counts unsigned links before the first signed one as older, and any after it as removed signatures', () => {
    const check = new ChainSignatureCheck(trusted);
    expect([unsigned(1), unsigned(2), signed(3), signed(4)].map((l) => check.check(l))).toEqual([null, null, null, null]);
    expect(check.report()).toEqual({
      checked: true,
      signed: 2,
      keyIds: [key.keyId],
      unsigned: 2,
      note: `2 links of the global chain signed and checked (key ${key.keyId}); 2 links sealed before signing was configured (not signed)`,
    });
    expect(check.check(unsigned(5))).toBe(UNSIGNED_LINK_MESSAGE);
  });

  it('refuses a signature over another hash, a mangled one, one without its key id, and an unknown key', () => {
    const check = new ChainSignatureCheck(trusted);
    expect(check.check({ ...signed(1), hash: hash(2) })).toBe(BAD_SIGNATURE_MESSAGE);
    expect(check.check({ ...signed(1), signature: 'not base64 at all!' })).toBe(BAD_SIGNATURE_MESSAGE);
    expect(check.check({ ...signed(1), signature: '', keyId: key.keyId })).toBe(BAD_SIGNATURE_MESSAGE);
    expect(check.check({ ...signed(1), keyId: null })).toBe(BAD_SIGNATURE_MESSAGE);
    expect(check.check(signed(1, other))).toBe(untrustedKeyMessage(other.keyId));
    // the right key under another key's id is still an unknown key: ids are looked up, never guessed
    expect(check.check({ ...signed(1), keyId: other.keyId })).toBe(untrustedKeyMessage(other.keyId));
  });

  it('checks nothing without keys, and says why', () => {
    const check = new ChainSignatureCheck(null, 'the web app has no audit public key');
    expect(check.check({ ...signed(1), signature: 'forged' })).toBeNull();
    expect(check.report()).toEqual({
      checked: false,
      signed: 0,
      keyIds: [],
      unsigned: 0,
      note: 'signatures were not checked: the web app has no audit public key',
    });
  });
});
