import type { Role } from '@hoop/core/auth/roles';

declare module 'next-auth' {
  /** `refusal`: single sign-on reached the provider but found no hoop user to sign in (see auth/oidc.ts) */
  interface User {
    orgId: string;
    role: Role;
    refusal?: string;
  }
  interface Session {
    user: { id: string; orgId: string; role: Role; name: string; email: string };
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    orgId?: string;
    role?: string;
  }
}
