import 'server-only';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import type { WebEnv } from '~/env';
import { db } from '../db';
import { signInOidc } from '@hoop/core/auth/sign-in-oidc';

/** The name on the login page's button: HOOP_OIDC_NAME, else the issuer's host. */
export function ssoName(e: WebEnv): string | null {
  if (!e.HOOP_OIDC_ISSUER) return null;
  return e.HOOP_OIDC_NAME ?? new URL(e.HOOP_OIDC_ISSUER).host;
}

/**
 * Any OIDC provider, configured from the environment (HOOP_OIDC_*), with the authorization code flow, PKCE and state.
 * The profile is the ID token's claims merged with the userinfo endpoint's (providers put the groups claim in one or
 * the other); it is turned into a hoop user there and then, so the session holds a hoop user id like a password login.
 */
export function oidcProvider(e: WebEnv): OAuthConfig<Record<string, unknown>> | null {
  if (!e.HOOP_OIDC_ISSUER || !e.HOOP_OIDC_CLIENT_ID || !e.HOOP_OIDC_CLIENT_SECRET) return null;
  const issuer = e.HOOP_OIDC_ISSUER.replace(/\/+$/, '');
  const settings = { groupsClaim: e.HOOP_OIDC_GROUPS_CLAIM, org: e.HOOP_OIDC_ORG ?? null };
  return {
    id: 'oidc',
    name: ssoName(e)!,
    type: 'oauth',
    wellKnown: `${issuer}/.well-known/openid-configuration`,
    clientId: e.HOOP_OIDC_CLIENT_ID,
    clientSecret: e.HOOP_OIDC_CLIENT_SECRET,
    authorization: { params: { scope: e.HOOP_OIDC_SCOPES } },
    idToken: true,
    checks: ['pkce', 'state'],
    userinfo: {
      async request({ client, tokens }) {
        // next-auth hands over openid-client's TokenSet (typed as its plain parameters)
        const set = tokens as Parameters<typeof client.userinfo>[0] & { claims(): Record<string, unknown>; access_token?: string };
        const fromIdToken = set.claims();
        if (!set.access_token) return fromIdToken;
        try {
          const info = (await client.userinfo(set)) as Record<string, unknown>;
          // the ID token's subject is the one that was verified
          return { ...fromIdToken, ...info, sub: fromIdToken.sub };
        } catch {
          return fromIdToken;
        }
      },
    },
    async profile(claims) {
      return signInOidc(await db(), claims, settings);
    },
  };
}
