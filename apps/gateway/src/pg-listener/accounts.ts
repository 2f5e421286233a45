import { groupRolesSelect, rolesOfRow } from '@hoop/core/auth/held-roles';
import { type Db, scramSaltFor, scramVerifierCurrent } from '@hoop/db';
import { parseScramVerifier, type ScramVerifier } from '@hoop/pgwire';
import type { UserIdentity } from '../auth';

/** The most tokens of one user name whose verifiers one exchange is checked against (newest first). */
const MAX_TOKENS = 200;

/** Service accounts are users named `<name>@service.hoop` (see @hoop/core/user/create-service-account.ts). */
const SERVICE_DOMAIN = '@service.hoop';

export interface ScramCandidates {
  salt: Buffer;
  verifiers: ScramVerifier[];
  /** who holds `verifiers[i]` */
  owners: UserIdentity[];
}

/**
 * The tokens a Postgres user name may log in with: a person's e-mail, or a service account's name. Only tokens that
 * would open a session on the HTTP API count: not revoked, not expired, scope `full`, of a user not disabled. A name
 * nobody holds gets no verifiers and the same salt a holder of that name would have, so it fails like a wrong token.
 */
export async function scramCandidates(db: Db, userName: string): Promise<ScramCandidates> {
  const email = userName.includes('@') ? userName : `${userName}${SERVICE_DOMAIN}`;
  const salt = scramSaltFor(email);
  const now = new Date();
  const rows = await db.apiToken.findMany({
    where: {
      user: { email: { equals: email, mode: 'insensitive' }, disabledAt: null, ...(userName.includes('@') ? {} : { isService: true }) },
      revokedAt: null,
      scope: 'full',
      scramVerifier: { not: null },
      OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
    },
    include: { user: { include: groupRolesSelect } },
    orderBy: { createdAt: 'desc' },
    take: MAX_TOKENS,
  });
  const verifiers: ScramVerifier[] = [];
  const owners: UserIdentity[] = [];
  for (const row of rows) {
    const v = scramVerifierCurrent(row.scramVerifier, row.user.email) ? parseScramVerifier(row.scramVerifier!) : null;
    // an e-mail differing only in case has the same salt; one whose verifier predates an e-mail change has not
    if (!v || !v.salt.equals(salt)) continue;
    const u = row.user;
    const held = rolesOfRow(u);
    verifiers.push(v);
    owners.push({
      kind: 'user',
      id: u.id,
      orgId: u.orgId,
      email: u.email,
      name: u.name,
      role: held.role,
      roles: held.roles,
      tokenId: row.id,
      scope: row.scope,
    });
  }
  return { salt, verifiers, owners };
}

/** Marks the token used, as the HTTP API does. */
export function tokenUsed(db: Db, tokenId: string): void {
  void db.apiToken.update({ where: { id: tokenId }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
}
