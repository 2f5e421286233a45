import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Signatures on the global audit chain (audit_chain), with a key the database does not hold. Each link's hash already
 * covers the link before it, so a signature on every link means a rewrite of any session (events and hashes
 * recomputed) needs the gateway's private key to pass `hoop audit verify`. The gateway signs (HOOP_AUDIT_SIGNING_KEY);
 * the gateway's verification and the web app's both check links here, with the same words.
 *
 * What is signed: the text `hoop-audit-chain-v1\n<link hash>` with Ed25519. A key is named by its key id, the first
 * 16 hex characters of sha256 over its public key (SPKI, DER).
 */

const CONTEXT = 'hoop-audit-chain-v1\n';

export interface AuditSigner {
  keyId: string;
  publicKey: KeyObject;
  /** the signature of a link's hash, base64 */
  sign(hash: string): string;
}

/** Public keys a verifier trusts, by key id. */
export type TrustedAuditKeys = ReadonlyMap<string, KeyObject>;

export class AuditKeyError extends Error {
  override readonly name = 'AuditKeyError';
}

export function auditKeyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** A fresh Ed25519 key pair as PEM (PKCS8 private, SPKI public), as `npm start` and the test stack make one. */
export function generateAuditKeyPair(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: auditKeyId(publicKey),
  };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The PEM blocks of one setting value: PEM text (`\n` written as two characters is accepted) or `file:/path`. */
function pemBlocks(value: string, name: string): string[] {
  let text = value.trim();
  let where = name;
  if (text.startsWith('file:')) {
    const file = text.slice('file:'.length).trim();
    if (!file) throw new AuditKeyError(`${name}: "file:" needs a path, such as file:/etc/hoop/audit-key.pem`);
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new AuditKeyError(`${name}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    where = `${name} (${file})`;
  } else text = text.replace(/\\n/g, '\n');
  const blocks = text.match(PEM_BLOCK);
  if (!blocks) throw new AuditKeyError(`${where}: expected a PEM key (-----BEGIN … KEY-----) or file:/path/to/key.pem`);
  return blocks;
}

function ed25519(key: KeyObject, where: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new AuditKeyError(`${where}: is an ${key.asymmetricKeyType ?? 'unknown'} key; audit signing uses Ed25519 (openssl genpkey -algorithm ed25519)`);
  return key;
}

/** HOOP_AUDIT_SIGNING_KEY: an Ed25519 private key, PEM (PKCS8) or `file:/path`. */
export function parseAuditSigningKey(value: string, name = 'HOOP_AUDIT_SIGNING_KEY'): AuditSigner {
  const blocks = pemBlocks(value, name);
  if (blocks.length !== 1) throw new AuditKeyError(`${name}: expected one private key, found ${blocks.length} PEM blocks`);
  if (blocks[0]!.startsWith('-----BEGIN PUBLIC KEY-----'))
    throw new AuditKeyError(`${name}: is a public key; the gateway signs with the private key (-----BEGIN PRIVATE KEY-----)`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(blocks[0]!);
  } catch (err) {
    throw new AuditKeyError(`${name}: not a private key in PEM (PKCS8): ${(err as Error).message}`);
  }
  ed25519(privateKey, name);
  const publicKey = createPublicKey(privateKey);
  return { keyId: auditKeyId(publicKey), publicKey, sign: (hash) => sign(null, Buffer.from(CONTEXT + hash), privateKey).toString('base64') };
}

/**
 * A comma-separated list of Ed25519 public keys, each PEM text or `file:/path` (a file may hold several PEM blocks).
 * A private key given here counts by its public half.
 */
export function parseAuditPublicKeys(value: string, name: string): KeyObject[] {
  const keys: KeyObject[] = [];
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const [i, entry] of entries.entries()) {
    const where = entries.length > 1 ? `${name} entry ${i + 1}` : name;
    for (const block of pemBlocks(entry, where)) {
      try {
        keys.push(ed25519(createPublicKey(block), where));
      } catch (err) {
        if (err instanceof AuditKeyError) throw err;
        throw new AuditKeyError(`${where}: not a public key in PEM: ${(err as Error).message}`);
      }
    }
  }
  return keys;
}

export interface AuditKeySettings {
  /** HOOP_AUDIT_SIGNING_KEY: its public half is trusted */
  signingKey?: string | undefined;
  /** HOOP_AUDIT_PUBLIC_KEY (web app) */
  publicKeys?: string | undefined;
  /** HOOP_AUDIT_TRUSTED_KEYS: earlier keys (rotation), other gateways' keys */
  trustedKeys?: string | undefined;
}

export interface AuditKeys {
  signer: AuditSigner | null;
  trusted: TrustedAuditKeys;
}

/** Reads the settings (empty ones count as unset); throws AuditKeyError naming the setting that is wrong. */
export function loadAuditKeys(s: AuditKeySettings): AuditKeys {
  const signer = s.signingKey?.trim() ? parseAuditSigningKey(s.signingKey) : null;
  const trusted = new Map<string, KeyObject>();
  if (signer) trusted.set(signer.keyId, signer.publicKey);
  for (const [value, name] of [
    [s.publicKeys, 'HOOP_AUDIT_PUBLIC_KEY'],
    [s.trustedKeys, 'HOOP_AUDIT_TRUSTED_KEYS'],
  ] as const) {
    if (value?.trim()) for (const k of parseAuditPublicKeys(value, name)) trusted.set(auditKeyId(k), k);
  }
  return { signer, trusted };
}

export const UNSIGNED_LINK_MESSAGE =
  "this session's link in the global chain is not signed, " +
  'but links before it are (its signature was removed, or a gateway without HOOP_AUDIT_SIGNING_KEY sealed it)';
export const BAD_SIGNATURE_MESSAGE =
  "the signature on this session's link in the global chain does not match it (the chain was re-hashed, or signed without the audit signing key)";
export const untrustedKeyMessage = (keyId: string) =>
  `this session's link in the global chain is signed by key ${keyId}, ` +
  `which is not a trusted audit key (a gateway's earlier key belongs in HOOP_AUDIT_TRUSTED_KEYS)`;

export interface SignatureReport {
  /** false when the verifier had no key: nothing below was checked */
  checked: boolean;
  /** links whose signature was checked and holds */
  signed: number;
  /** the keys those signatures were made with */
  keyIds: string[];
  /** links sealed before the first signed one (trails older than signing): a note, not a failure */
  unsigned: number;
  /** all of it in words */
  note: string;
}

export interface SignedLink {
  sessionId: string;
  hash: string;
  signature: string | null;
  keyId: string | null;
}

function validSignature(key: KeyObject, hash: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(CONTEXT + hash), key, Buffer.from(signature, 'base64'));
  } catch {
    return false; // not a signature at all
  }
}

const links = (n: number) => `${n.toLocaleString('en-US')} link${n === 1 ? '' : 's'}`;

/**
 * Checks each link of the global chain in order (after its hash was recomputed): with trusted keys, every link from
 * the first signed one on must carry a valid signature by one of them. `check` returns the problem in words, or null.
 */
export class ChainSignatureCheck {
  private signed = 0;
  private unsigned = 0;
  private seenSigned = false;
  private readonly used = new Set<string>();

  /** @param missing what to say when there are no trusted keys (why signatures were not checked) */
  constructor(
    private readonly keys: TrustedAuditKeys | null,
    private readonly missing = 'no audit public key is configured',
  ) {}

  check(link: SignedLink): string | null {
    if (!this.keys || this.keys.size === 0) return null;
    if (!link.signature && !link.keyId) {
      if (this.seenSigned) return UNSIGNED_LINK_MESSAGE;
      this.unsigned++;
      return null;
    }
    this.seenSigned = true;
    const key = link.keyId ? this.keys.get(link.keyId) : undefined;
    if (link.keyId && !key) return untrustedKeyMessage(link.keyId);
    if (!key || !link.signature || !validSignature(key, link.hash, link.signature)) return BAD_SIGNATURE_MESSAGE;
    this.signed++;
    this.used.add(link.keyId!);
    return null;
  }

  report(): SignatureReport {
    const keyIds = [...this.used];
    if (!this.keys || this.keys.size === 0) return { checked: false, signed: 0, keyIds, unsigned: 0, note: `signatures were not checked: ${this.missing}` };
    const parts = [`${links(this.signed)} of the global chain signed and checked${keyIds.length ? ` (key ${keyIds.join(', key ')})` : ''}`];
    if (this.unsigned > 0) parts.push(`${links(this.unsigned)} sealed before signing was configured (not signed)`);
    return { checked: true, signed: this.signed, keyIds, unsigned: this.unsigned, note: parts.join('; ') };
  }
}
