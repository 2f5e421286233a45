import { constants, createHash, publicEncrypt } from 'node:crypto';
import { MysqlWireError } from './errors';
import { PayloadReader } from './reader';
import { PayloadWriter } from './writer';

export const NATIVE_PASSWORD = 'mysql_native_password';
export const CACHING_SHA2_PASSWORD = 'caching_sha2_password';

/** caching_sha2_password's AuthMoreData bytes, and the client's request for the server's RSA public key. */
export const CACHING_SHA2 = {
  FAST_AUTH_SUCCESS: 0x03,
  PERFORM_FULL_AUTHENTICATION: 0x04,
  REQUEST_PUBLIC_KEY: 0x02,
} as const;

const sha1 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const xor = (a: Uint8Array, b: Uint8Array): Buffer => {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i % b.length]!;
  return out;
};

/** The 20-byte scramble a server sends, without a trailing NUL (AuthSwitchRequest data ends with one). */
export function scrambleOf(data: Buffer): Buffer {
  return data.length > 0 && data[data.length - 1] === 0 ? data.subarray(0, data.length - 1) : data;
}

/** mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))); empty for an empty password. */
export function nativePasswordToken(password: string, scramble: Uint8Array): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  return xor(stage1, sha1(scramble, sha1(stage1)));
}

/** What a server stores for mysql_native_password: SHA1(SHA1(password)). */
export function nativePasswordHash(password: string): Buffer {
  return sha1(sha1(Buffer.from(password, 'utf8')));
}

/** A server's check of a mysql_native_password token against SHA1(SHA1(password)). */
export function verifyNativePassword(token: Uint8Array, scramble: Uint8Array, stored: Uint8Array): boolean {
  if (token.length !== 20 || stored.length !== 20) return false;
  return sha1(xor(token, sha1(scramble, stored))).equals(Buffer.from(stored));
}

/** caching_sha2_password's fast path: SHA256(password) XOR SHA256(SHA256(SHA256(password)) + scramble). */
export function cachingSha2Token(password: string, scramble: Uint8Array): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = sha256(Buffer.from(password, 'utf8'));
  return xor(stage1, sha256(sha256(stage1), scramble));
}

/** What a caching_sha2_password server keeps in its cache: SHA256(SHA256(password)). */
export function cachingSha2Hash(password: string): Buffer {
  return sha256(sha256(Buffer.from(password, 'utf8')));
}

/** A server's fast-path check of a caching_sha2_password token against its cached SHA256(SHA256(password)). */
export function verifyCachingSha2(token: Uint8Array, scramble: Uint8Array, cached: Uint8Array): boolean {
  if (token.length !== 32 || cached.length !== 32) return false;
  return sha256(xor(token, sha256(cached, scramble))).equals(Buffer.from(cached));
}

/**
 * caching_sha2_password's full authentication without TLS: the password (NUL-terminated) XOR the scramble,
 * encrypted with the server's RSA public key (PEM) with OAEP padding, as MySQL 8.0.5 and later expect.
 */
export function cachingSha2RsaPassword(password: string, scramble: Uint8Array, publicKeyPem: string | Buffer): Buffer {
  const plain = xor(Buffer.from(`${password}\0`, 'utf8'), scramble);
  try {
    return publicEncrypt({ key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING }, plain);
  } catch (err) {
    throw new MysqlWireError(`the server's RSA public key could not be used: ${(err as Error).message}`);
  }
}

/** The token for `plugin`, or null for a plugin this codec does not compute. */
export function authToken(plugin: string, password: string, scramble: Uint8Array): Buffer | null {
  if (plugin === NATIVE_PASSWORD) return nativePasswordToken(password, scramble);
  if (plugin === CACHING_SHA2_PASSWORD) return cachingSha2Token(password, scramble);
  return null;
}

/** Protocol::AuthSwitchRequest: 0xFE, the plugin's name, its data (the new scramble for the two password plugins). */
export interface AuthSwitchRequest {
  pluginName: string;
  pluginData: Buffer;
}

export function parseAuthSwitchRequest(payload: Buffer): AuthSwitchRequest {
  const r = new PayloadReader(payload, 'AuthSwitchRequest');
  if (r.int1() !== 0xfe) throw new MysqlWireError('AuthSwitchRequest: does not start with 0xFE');
  if (r.left === 0) throw new MysqlWireError('AuthSwitchRequest: the old password protocol (no plugin name) is not supported');
  const pluginName = r.nulString();
  return { pluginName, pluginData: r.rest() };
}

export function writeAuthSwitchRequest(pluginName: string, pluginData: Uint8Array): Buffer {
  return new PayloadWriter().int1(0xfe).nulString(pluginName).bytes(pluginData).finish();
}

/** Protocol::AuthMoreData: 0x01 and the plugin's data (caching_sha2's fast-auth result, a PEM public key). */
export function parseAuthMoreData(payload: Buffer): Buffer {
  if (payload.length < 1 || payload[0] !== 0x01) throw new MysqlWireError('AuthMoreData: does not start with 0x01');
  return payload.subarray(1);
}

export function writeAuthMoreData(data: Uint8Array): Buffer {
  return new PayloadWriter().int1(0x01).bytes(data).finish();
}
