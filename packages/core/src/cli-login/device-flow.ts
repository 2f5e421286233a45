import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { CLI_LOGIN, CliLoginError, pollCliLogin, startCliLogin, TOKEN_SCOPES } from './login-requests';

/**
 * `hoop login` through the browser, the CLI's side (login-requests.ts holds the rules; the web app's
 * approval page is cli-login-view.ts). The CLI has no token yet: starting a request gives nothing away, and the token
 * comes only from a poll with the secret device code, after a signed-in person approved the user code in the web app.
 *
 *   start  { clientName, scope?, tokenDays? } → { deviceCode, userCode, verificationUrl, … }
 *   poll   { deviceCode } → { status: pending | approved (with the token, once) | denied | expired | … }
 */
async function inputs() {
  return {
    start: z.object({
      clientName: z.string().trim().min(1).max(200).default('hoop CLI'),
      scope: z.enum(TOKEN_SCOPES as ['full', 'read']).default('full'),
      tokenDays: z.number().int().min(1).max(CLI_LOGIN.maxTokenDays).default(CLI_LOGIN.defaultTokenDays),
    }),
    poll: z.object({ deviceCode: z.string().min(10).max(200) }),
  };
}

/** Where a person approves the request: the web app's page for that code. */
export function cliLoginUrl(webUrl: string, userCode: string): string {
  return `${webUrl.replace(/\/+$/, '')}/cli-login?code=${encodeURIComponent(userCode)}`;
}

export async function startCliLoginRequest(db: Db, input: unknown, from: { clientAddress: string | null; webUrl: string }) {
  const q = parseInput((await inputs()).start, input);
  try {
    const r = await startCliLogin(db, { ...q, clientAddress: from.clientAddress });
    return {
      deviceCode: r.deviceCode,
      userCode: r.userCode,
      verificationUrl: cliLoginUrl(from.webUrl, r.userCode),
      expiresAt: r.expiresAt.toISOString(),
      interval: r.interval,
      tokenDays: r.tokenDays,
      scope: r.scope,
    };
  } catch (err) {
    if (err instanceof CliLoginError) throw new AppError(err.code === 'busy' ? 'rate_limited' : 'invalid', err.message, { cause: err });
    throw err;
  }
}

export async function pollCliLoginRequest(db: Db, input: unknown) {
  const { deviceCode } = parseInput((await inputs()).poll, input);
  const r = await pollCliLogin(db, deviceCode);
  if (r.status === 'pending') return { status: r.status, expiresAt: r.expiresAt.toISOString() };
  if (r.status === 'approved') return { status: r.status, token: r.token, expiresAt: r.tokenExpiresAt.toISOString(), scope: r.scope, user: r.user, org: r.org };
  return r;
}
