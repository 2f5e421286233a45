import 'server-only';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { z } from 'zod';
import { env } from '~/env';
import { db } from '../db';
import { verifyCredentials } from '@hoop/core/auth/verify-credentials';
import { oidcProvider } from './oidc';
import { parseRole } from '@hoop/core/auth/roles';

const Credentials = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) });

/** Sessions are signed JWT cookies; the user row is re-read on every API call (see `server/api/trpc.ts`). */
const SESSION_MAX_AGE_S = 12 * 60 * 60;

let options: NextAuthOptions | null = null;

export function authOptions(): NextAuthOptions {
  options ??= {
    secret: env().NEXTAUTH_SECRET,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: '/login', error: '/login' },
    providers: [
      // single sign-on, when HOOP_OIDC_ISSUER is set (see ./oidc.ts)
      ...[oidcProvider(env())].filter((p) => p !== null),
      CredentialsProvider({
        id: 'credentials',
        name: 'Email and password',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(raw) {
          const parsed = Credentials.safeParse(raw);
          if (!parsed.success) return null;
          const user = await verifyCredentials(await db(), parsed.data.email, parsed.data.password);
          return user ? { id: user.id, email: user.email, name: user.name, orgId: user.orgId, role: user.role } : null;
        },
      }),
    ],
    callbacks: {
      signIn({ user }) {
        // single sign-on found no hoop user to sign in (disabled, no org, …): back to the login page, which says why
        return user.refusal ? `/login?error=sso_${user.refusal}` : true;
      },
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.orgId = user.orgId;
          token.role = user.role;
        }
        return token;
      },
      session({ session, token }) {
        if (token.sub && token.orgId) {
          session.user = { id: token.sub, orgId: token.orgId, role: parseRole(token.role ?? ''), name: token.name ?? '', email: token.email ?? '' };
        }
        return session;
      },
    },
  };
  return options;
}
