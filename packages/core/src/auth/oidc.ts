import type { Db } from '@hoop/db';
import { groupRolesSelect, type HeldRoles, rolesOfRow } from './held-roles';

/**
 * Single sign-on: what happens when someone comes back from the org's OIDC provider (the web app's next-auth
 * provider calls this). The person is found by their OIDC subject, else by e-mail (linking an existing local account
 * the first time), else created as a developer. Their membership of groups whose `oidcClaim` is a value of the
 * groups claim is then synced: added where the claim has it, removed where it no longer does. Only memberships that
 * sign-in added (source `oidc`) are ever removed; an admin's own additions stay.
 */
export interface OidcIdentity {
  subject: string;
  email: string | null;
  /** the provider's `email_verified`; an explicit false is refused, since e-mail links accounts */
  emailVerified?: boolean | null;
  name: string | null;
  /** values of the groups claim */
  groups: readonly string[];
}

export type OidcSignIn =
  | { ok: true; user: { id: string; orgId: string; email: string; name: string } & HeldRoles; created: boolean; groups: string[] }
  | { ok: false; code: OidcRefusal; reason: string };

/** Why single sign-on refused someone (the login page says it in words). */
export type OidcRefusal = 'no_org' | 'no_subject' | 'no_email' | 'unverified' | 'service_account' | 'disabled' | 'linked_elsewhere';

const refuse = (code: OidcRefusal, reason: string): OidcSignIn => ({ ok: false, code, reason });

/** The org single sign-on users belong to: the slug given (HOOP_OIDC_ORG), else the only org, else `demo`. */
export async function resolveSsoOrg(db: Db, slug?: string | null): Promise<{ id: string; slug: string } | null> {
  if (slug) return db.org.findUnique({ where: { slug }, select: { id: true, slug: true } });
  const orgs = await db.org.findMany({ select: { id: true, slug: true }, orderBy: { createdAt: 'asc' }, take: 2 });
  if (orgs.length === 1) return orgs[0]!;
  return orgs.find((o) => o.slug === 'demo') ?? (await db.org.findUnique({ where: { slug: 'demo' }, select: { id: true, slug: true } }));
}

/** The values of a groups claim, which providers send as an array, a string, or a space- or comma-separated list. */
export function claimValues(value: unknown): string[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return [
    ...new Set(
      raw
        .filter((v): v is string => typeof v === 'string')
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ].slice(0, 500);
}

export async function signInWithOidc(db: Db, orgSlug: string | null | undefined, who: OidcIdentity): Promise<OidcSignIn> {
  const org = await resolveSsoOrg(db, orgSlug);
  if (!org) {
    return refuse(
      'no_org',
      orgSlug
        ? `single sign-on is set up for the organisation "${orgSlug}", which does not exist`
        : 'single sign-on cannot tell which organisation to sign you in to; an admin must set HOOP_OIDC_ORG',
    );
  }
  const email = who.email?.trim().toLowerCase() || null;
  if (!who.subject) return refuse('no_subject', 'the identity provider sent no subject (sub)');
  if (who.emailVerified === false) return refuse('unverified', 'the identity provider says your e-mail address is not verified');
  let user = await db.user.findUnique({ where: { orgId_oidcSubject: { orgId: org.id, oidcSubject: who.subject } } });
  if (!user && email) user = await db.user.findFirst({ where: { orgId: org.id, email: { equals: email, mode: 'insensitive' } } });
  if (!user && !email) return refuse('no_email', 'the identity provider sent no e-mail address; ask an admin to add the email scope');
  if (user?.isService) return refuse('service_account', 'that account is a service account, which cannot sign in');
  if (user?.disabledAt) return refuse('disabled', 'your account is disabled; ask an admin of your organisation');
  if (user?.oidcSubject && user.oidcSubject !== who.subject)
    return refuse('linked_elsewhere', 'this e-mail address is linked to another single sign-on identity; ask an admin');
  const name = who.name?.trim() || email?.split('@')[0] || user?.name || 'user';
  let created = false;
  if (!user) {
    user = await db.user.create({ data: { orgId: org.id, email: email!, name, role: 'developer', oidcSubject: who.subject, lastLoginAt: new Date() } });
    created = true;
  } else {
    user = await db.user.update({
      where: { id: user.id },
      data: { oidcSubject: who.subject, lastLoginAt: new Date(), ...(who.name?.trim() ? { name: who.name.trim() } : {}) },
    });
  }
  const groups = await syncOidcGroups(db, org.id, user.id, who.groups);
  const row = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { role: true, ...groupRolesSelect } });
  return { ok: true, user: { id: user.id, orgId: user.orgId, email: user.email, name: user.name, ...rolesOfRow(row) }, created, groups };
}

/** Makes the user a member of exactly the claim-mapped groups their claim names; returns those groups' names. */
export async function syncOidcGroups(db: Db, orgId: string, userId: string, claim: readonly string[]): Promise<string[]> {
  const mapped = await db.group.findMany({ where: { orgId, oidcClaim: { not: null } }, select: { id: true, name: true, oidcClaim: true } });
  const wanted = mapped.filter((g) => claim.includes(g.oidcClaim!));
  await db.$transaction([
    db.groupMember.deleteMany({ where: { userId, source: 'oidc', groupId: { notIn: wanted.map((g) => g.id) } } }),
    ...wanted.map((g) =>
      db.groupMember.upsert({ where: { groupId_userId: { groupId: g.id, userId } }, create: { groupId: g.id, userId, source: 'oidc' }, update: {} }),
    ),
  ]);
  return wanted.map((g) => g.name).sort();
}
