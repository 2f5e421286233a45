import type { Role } from './roles';

declare module 'next-auth' {
  interface User { orgId: string; role: Role }
  interface Session { user: { id: string; orgId: string; role: Role; name: string; email: string } }
}

declare module 'next-auth/jwt' {
  interface JWT { orgId?: string; role?: string }
}
