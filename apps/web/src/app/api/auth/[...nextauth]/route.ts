import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { authOptions } from '~/server/auth/options';

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// the options are built on the first request, so `next build` needs no secret
function handler(req: NextRequest, ctx: RouteContext): Promise<Response> {
  return NextAuth(req, ctx, authOptions()) as Promise<Response>;
}

export { handler as GET, handler as POST };
