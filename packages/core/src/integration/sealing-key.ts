import { z } from 'zod';
import { AppError } from '../errors';
import { loadHoopDb } from '../hoop-db';

/**
 * Slack tokens and webhook secrets are sealed (AES-256-GCM) with HOOP_ENCRYPTION_KEY, the key the gateway opens them
 * with: the web app must be started with the same one.
 */
export const KeyState = z.enum([
  /** the key is set, and opens what is stored (or nothing is stored yet) */
  'ready',
  /** the web app has no HOOP_ENCRYPTION_KEY: secrets cannot be saved */
  'missing',
  /** HOOP_ENCRYPTION_KEY is not 32 bytes as hex or base64 */
  'invalid',
  /** the key does not open the stored secrets: the web app and the gateway use different keys */
  'mismatch',
]);
export type KeyState = z.infer<typeof KeyState>;

const MISSING = 'Secrets cannot be saved: the web app has no HOOP_ENCRYPTION_KEY. Start it with the same key as the gateway, then try again.';
const INVALID =
  'Secrets cannot be saved: the HOOP_ENCRYPTION_KEY of the web app is not a valid key (32 bytes, ' +
  'as 64 hex characters or base64). Give it the same key as the gateway.';

/** HOOP_ENCRYPTION_KEY as configured (null when it is not), or the key already read from it (the gateway's). */
export type SealingKey = string | Buffer | null;

/** The key to seal secrets with, or an `unavailable` AppError that says how to configure it. */
export async function sealingKey(raw: SealingKey): Promise<Buffer> {
  if (!raw) throw new AppError('unavailable', MISSING);
  if (Buffer.isBuffer(raw)) return raw;
  const { parseEncryptionKey } = await loadHoopDb();
  try {
    return parseEncryptionKey(raw);
  } catch (err) {
    throw new AppError('unavailable', INVALID, { cause: err });
  }
}

/** Whether this web app can seal secrets, and whether its key opens `sealed` (one secret already stored, if any). */
export async function keyState(raw: SealingKey, sealed: string | null): Promise<KeyState> {
  if (!raw) return 'missing';
  const { decryptSecret, parseEncryptionKey } = await loadHoopDb();
  let key: Buffer;
  try {
    key = Buffer.isBuffer(raw) ? raw : parseEncryptionKey(raw);
  } catch {
    return 'invalid';
  }
  if (!sealed) return 'ready';
  try {
    decryptSecret(sealed, key);
    return 'ready';
  } catch {
    return 'mismatch';
  }
}
