import type { IncomingMessage } from 'node:http';
import { CLI_LOGIN, CliLoginError, type Db, pollCliLogin, startCliLogin, TOKEN_SCOPES, type TokenScope } from '@hoop/db';
import { z } from 'zod';
import { ApiError } from './api-policies';

/**
 * `hoop login` through the browser (see packages/db/src/cli-login.ts). These two endpoints are the only ones of the
 * API that take no token: the CLI has none yet. Starting a request gives nothing away; the token comes only from a
 * poll with the secret device code, after a signed-in person approved the user code in the web app.
 *
 *   POST /api/cli-login          { clientName, scope?, tokenDays? } → { deviceCode, userCode, verificationUrl, … }
 *   POST /api/cli-login/token    { deviceCode } → { status: pending | approved (with the token, once) | denied | expired | … }
 */
const StartInput = z.object({
  clientName: z.string().trim().min(1).max(200).default('hoop CLI'),
  scope: z.enum(TOKEN_SCOPES as [TokenScope, ...TokenScope[]]).default('full'),
  tokenDays: z.number().int().min(1).max(CLI_LOGIN.maxTokenDays).default(CLI_LOGIN.defaultTokenDays),
});
const PollInput = z.object({ deviceCode: z.string().min(10).max(200) });

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success) throw new ApiError(400, r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

export function cliLoginUrl(webUrl: string, userCode: string): string {
  return `${webUrl.replace(/\/+$/, '')}/cli-login?code=${encodeURIComponent(userCode)}`;
}

export async function startCliLoginApi(db: Db, req: IncomingMessage, body: unknown, webUrl: string) {
  const input = parse(StartInput, body);
  try {
    const r = await startCliLogin(db, { ...input, clientAddress: req.socket.remoteAddress ?? null });
    return {
      deviceCode: r.deviceCode,
      userCode: r.userCode,
      verificationUrl: cliLoginUrl(webUrl, r.userCode),
      expiresAt: r.expiresAt.toISOString(),
      interval: r.interval,
      tokenDays: r.tokenDays,
      scope: r.scope,
    };
  } catch (err) {
    if (err instanceof CliLoginError) throw new ApiError(err.code === 'busy' ? 429 : 400, err.message);
    throw err;
  }
}

export async function pollCliLoginApi(db: Db, body: unknown) {
  const { deviceCode } = parse(PollInput, body);
  const r = await pollCliLogin(db, deviceCode);
  if (r.status === 'pending') return { status: r.status, expiresAt: r.expiresAt.toISOString() };
  if (r.status === 'approved') return { status: r.status, token: r.token, expiresAt: r.tokenExpiresAt.toISOString(), scope: r.scope, user: r.user, org: r.org };
  return r;
}
