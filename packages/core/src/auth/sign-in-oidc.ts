import type { Db } from '@hoop/db';
import { parseRole, type Role } from '../auth/roles';
import { claimValues, type OidcRefusal, signInWithOidc } from './oidc';

export interface OidcSettings {
  groupsClaim: string;
  org: string | null;
}

/** What next-auth keeps of a single sign-on: the hoop user, or why they were refused. */
export type OidcUser =
  | { id: string; email: string; name: string; orgId: string; role: Role; refusal?: undefined }
  | { id: string; email: string; name: string; orgId: string; role: Role; refusal: OidcRefusal };

/**
 * Turns the claims a provider returned (ID token and userinfo) into a hoop user of the SSO org, found or created,
 * with group membership synced from the groups claim (see `signInWithOidc` in @hoop/db).
 */
export async function signInOidc(db: Db, claims: Record<string, unknown>, settings: OidcSettings): Promise<OidcUser> {
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  const verified = claims.email_verified;
  const out = await signInWithOidc(db, settings.org, {
    subject: str(claims.sub) ?? '',
    email: str(claims.email),
    emailVerified: typeof verified === 'boolean' ? verified : verified === 'false' ? false : null,
    name: str(claims.name) ?? ([str(claims.given_name), str(claims.family_name)].filter(Boolean).join(' ') || str(claims.preferred_username)),
    groups: claimValues(claims[settings.groupsClaim]),
  });
  if (!out.ok) return { id: 'refused', email: str(claims.email) ?? '', name: '', orgId: '', role: 'developer', refusal: out.code };
  return { id: out.user.id, email: out.user.email, name: out.user.name, orgId: out.user.orgId, role: parseRole(out.user.role) };
}
