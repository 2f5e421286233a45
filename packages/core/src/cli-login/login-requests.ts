import { randomBytes, randomInt } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Db, TokenScope } from '@hoop/db';
import { groupRolesSelect, rolesOfRow } from '../auth/held-roles';
import { loadHoopDb } from '../hoop-db';

/**
 * `hoop login` through the browser, in the style of the OAuth device flow (RFC 8628): the CLI asks the gateway for a
 * login request and gets a secret device code plus a short user code; a signed-in person opens
 * `<web>/cli-login?code=<user code>`, checks that the code and the machine are theirs, and approves; the CLI, polling
 * with its device code, is then handed a new API token exactly once. Nothing secret is stored in the clear: the
 * device code only as a hash, and the token is created at the moment it is handed out.
 */

export type { TokenScope };
export const TOKEN_SCOPES: readonly TokenScope[] = ['full', 'read'];

export const CLI_LOGIN = {
  /** how long a request can be approved */
  requestMinutes: 10,
  /** how often the CLI should poll */
  intervalSeconds: 2,
  defaultTokenDays: 30,
  maxTokenDays: 90,
  /**
   * at most this many requests wait at once from one source (the endpoint needs no login, so it is bounded; per
   * source, so that one client cannot keep everybody else from logging in)
   */
  maxPendingPerSource: 20,
} as const;

/** 20 consonants: no vowels (no words), no look-alikes such as 0/O or 1/I. */
const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

export function normalizeUserCode(input: string): string | null {
  const letters = input.toUpperCase().replace(/[^A-Z]/g, '');
  if (letters.length !== 8 || [...letters].some((c) => !ALPHABET.includes(c))) return null;
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

function newUserCode(): string {
  const chars = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

export class CliLoginError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'invalid' | 'busy',
    message: string,
  ) {
    super(message);
    this.name = 'CliLoginError';
  }
}

/**
 * The source a request counts for: an IPv4 address (also when written IPv4-mapped, `::ffff:1.2.3.4`), the /64 of an
 * IPv6 address (one host usually holds a whole /64), `unknown` when the gateway saw none.
 */
export function loginSourceKey(address: string | null | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address.slice(0, 100);
  const [head, tail = ''] = address.toLowerCase().split('%')[0]!.split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export interface StartCliLogin {
  clientName: string;
  clientAddress?: string | null;
  scope?: TokenScope;
  tokenDays?: number;
}

export async function startCliLogin(db: Db, input: StartCliLogin) {
  const days = input.tokenDays ?? CLI_LOGIN.defaultTokenDays;
  if (!Number.isInteger(days) || days < 1 || days > CLI_LOGIN.maxTokenDays)
    throw new CliLoginError('invalid', `the token lifetime is a whole number of days from 1 to ${CLI_LOGIN.maxTokenDays}`);
  const scope = input.scope ?? 'full';
  if (!TOKEN_SCOPES.includes(scope)) throw new CliLoginError('invalid', `scope must be one of ${TOKEN_SCOPES.join(', ')}`);
  const now = new Date();
  // requests that ended a day ago are of no use to anyone
  await db.cliLoginRequest.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - 86_400_000) } } });
  const sourceKey = loginSourceKey(input.clientAddress);
  const { hashSecret } = await loadHoopDb();
  const deviceCode = `hoop_dev_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(now.getTime() + CLI_LOGIN.requestMinutes * 60_000);
  const clientName =
    input.clientName
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .trim()
      .slice(0, 200) || 'hoop CLI';
  for (let attempt = 0; ; attempt++) {
    const userCode = newUserCode();
    try {
      // one start per source at a time, so concurrent starts cannot all pass the count
      const row = await db.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`cli-login:${sourceKey}`}))`;
          const waiting = await tx.cliLoginRequest.count({ where: { sourceKey, status: 'pending', expiresAt: { gt: now } } });
          if (waiting >= CLI_LOGIN.maxPendingPerSource) {
            throw new CliLoginError(
              'busy',
              `${waiting} logins from this address are already waiting for approval; approve or let them expire (${CLI_LOGIN.requestMinutes} min) first`,
            );
          }
          return tx.cliLoginRequest.create({
            data: {
              deviceCodeHash: hashSecret(deviceCode),
              userCode,
              scope,
              tokenDays: days,
              clientName,
              clientAddress: input.clientAddress?.slice(0, 100) ?? null,
              sourceKey,
              expiresAt,
            },
          });
        },
        { maxWait: 15_000, timeout: 15_000 },
      );
      return { deviceCode, userCode: row.userCode, expiresAt: row.expiresAt, interval: CLI_LOGIN.intervalSeconds, tokenDays: days, scope };
    } catch (err) {
      if ((err as { code?: string }).code !== 'P2002' || attempt > 5) throw err;
    }
  }
}

export type CliLoginPoll =
  | { status: 'pending'; expiresAt: Date }
  | { status: 'denied' | 'expired' | 'consumed' | 'invalid'; message: string }
  | { status: 'approved'; token: string; tokenExpiresAt: Date; scope: TokenScope; user: { email: string; name: string; role: string }; org: string };

const ENDED = {
  denied: 'the login was denied in the browser',
  expired: `nobody approved the login within ${CLI_LOGIN.requestMinutes} minutes`,
  consumed: 'this login request was already used; its token went to the first CLI that asked',
  invalid: 'unknown login request',
} as const;

/** The CLI's poll: the request's state, or (once, right after approval) the new token. */
export async function pollCliLogin(db: Db, deviceCode: string): Promise<CliLoginPoll> {
  const { generateSecret, hashSecret, secretPrefix, tokenScramVerifier } = await loadHoopDb();
  const row = await db.cliLoginRequest.findUnique({ where: { deviceCodeHash: hashSecret(deviceCode) } });
  if (!row) return { status: 'invalid', message: ENDED.invalid };
  if (row.status === 'pending') {
    if (row.expiresAt > new Date()) return { status: 'pending', expiresAt: row.expiresAt };
    await db.cliLoginRequest.updateMany({ where: { id: row.id, status: 'pending' }, data: { status: 'expired' } });
    return { status: 'expired', message: ENDED.expired };
  }
  if (row.status !== 'approved')
    return { status: row.status as 'denied' | 'expired' | 'consumed', message: ENDED[row.status as 'denied' | 'expired' | 'consumed'] ?? ENDED.invalid };
  return db.$transaction(async (tx) => {
    // exactly one poll wins the approved → consumed step, so the token is handed out once
    const won = await tx.cliLoginRequest.updateMany({ where: { id: row.id, status: 'approved' }, data: { status: 'consumed', consumedAt: new Date() } });
    if (won.count !== 1) return { status: 'consumed', message: ENDED.consumed } as const;
    const user = await tx.user.findUnique({
      where: { id: row.userId! },
      select: { id: true, email: true, name: true, role: true, disabledAt: true, org: { select: { slug: true } }, ...groupRolesSelect },
    });
    if (!user || user.disabledAt) return { status: 'denied', message: 'the account that approved this login is disabled' } as const;
    const token = generateSecret('hoop_tok');
    const tokenExpiresAt = new Date(Date.now() + row.tokenDays * 86_400_000);
    const created = await tx.apiToken.create({
      data: {
        userId: user.id,
        name: `hoop login · ${row.clientName}`.slice(0, 100),
        tokenHash: hashSecret(token),
        prefix: secretPrefix(token),
        expiresAt: tokenExpiresAt,
        scope: row.scope,
        scramVerifier: await tokenScramVerifier(user.email, token),
      },
    });
    await tx.cliLoginRequest.update({ where: { id: row.id }, data: { tokenId: created.id } });
    return {
      status: 'approved',
      token,
      tokenExpiresAt,
      scope: row.scope as TokenScope,
      user: { email: user.email, name: user.name, role: rolesOfRow(user).role },
      org: user.org.slug,
    } as const;
  });
}

/** A request as the approval page shows it, found by the code the person typed or followed. */
export async function findCliLogin(db: Db, userCode: string) {
  const code = normalizeUserCode(userCode);
  const row = code
    ? await db.cliLoginRequest.findUnique({ where: { userCode: code }, include: { user: { select: { orgId: true, email: true, name: true } } } })
    : null;
  if (!row) throw new CliLoginError('not_found', 'there is no login request with this code; check the code in your terminal, or run `hoop login` again');
  const status = row.status === 'pending' && row.expiresAt <= new Date() ? 'expired' : row.status;
  return { ...row, status };
}

/**
 * The signed-in person approves or denies a pending request. Approval binds it to them: the token the CLI receives
 * is theirs, with their roles at the time it is used.
 */
export async function decideCliLogin(db: Db, userCode: string, user: { id: string }, decision: 'approve' | 'deny') {
  const row = await findCliLogin(db, userCode);
  if (row.status !== 'pending') {
    const said =
      { approved: 'was already approved', consumed: 'was already approved and used', denied: 'was denied', expired: 'has expired; run `hoop login` again' }[
        row.status
      ] ?? `is ${row.status}`;
    throw new CliLoginError('conflict', `this login request ${said}`);
  }
  const done = await db.cliLoginRequest.updateMany({
    where: { id: row.id, status: 'pending', expiresAt: { gt: new Date() } },
    data: { status: decision === 'approve' ? 'approved' : 'denied', userId: user.id, decidedAt: new Date() },
  });
  if (done.count !== 1) throw new CliLoginError('conflict', 'this login request was decided or expired a moment ago; reload the page');
  return findCliLogin(db, row.userCode);
}
