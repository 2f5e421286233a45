import { createHmac } from 'node:crypto';
import { formatScramVerifier, parseScramVerifier, SCRAM_ITERATIONS, scramVerifier } from '@hoop/pgwire';

/**
 * The SCRAM-SHA-256 salt of a user name on the gateway's Postgres listener: derived from the lower-cased e-mail, so all
 * of a user's tokens share the salt the server-first message announces, and a name nobody holds gets a salt of the
 * same shape, stable from one attempt to the next (an unknown user looks like a known one with a wrong token).
 */
export function scramSaltFor(email: string): Buffer {
  return createHmac('sha256', 'hoop pg-listener scram salt v1').update(email.trim().toLowerCase()).digest().subarray(0, 16);
}

export const TOKEN_SCRAM_ITERATIONS = SCRAM_ITERATIONS;

/** The SCRAM verifier of an API token for its user (Postgres' stored form), computed off the event loop. */
export async function tokenScramVerifier(email: string, token: string): Promise<string> {
  return formatScramVerifier(await scramVerifier(token, scramSaltFor(email), TOKEN_SCRAM_ITERATIONS));
}

/** Whether a stored verifier is current for the user's e-mail (an e-mail that changed changes the salt). */
export function scramVerifierCurrent(stored: string | null, email: string): boolean {
  const v = stored ? parseScramVerifier(stored) : null;
  return !!v && v.iterations === TOKEN_SCRAM_ITERATIONS && v.salt.equals(scramSaltFor(email));
}
