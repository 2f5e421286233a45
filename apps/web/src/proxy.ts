import { getToken } from 'next-auth/jwt';
import { type NextRequest, NextResponse } from 'next/server';
import { env } from '~/env';

/**
 * Sends a visitor without a session to the login page, remembering where they were going. This is only the fast
 * path: every page (the signed-in layout) and every API procedure checks the session again on its own.
 */
export async function proxy(req: NextRequest): Promise<NextResponse> {
  const token = await getToken({ req, secret: env().NEXTAUTH_SECRET });
  if (token) return NextResponse.next();
  const login = new URL('/login', req.url);
  // the site's root too: it leads to the dashboard, while the login page on its own still opens on connections
  login.searchParams.set('callbackUrl', `${req.nextUrl.pathname}${req.nextUrl.search}`);
  return NextResponse.redirect(login);
}

export const config = {
  // everything except the login page, auth and API endpoints (they answer 401 themselves), health and static files
  matcher: ['/((?!login|api/|healthz|_next/|favicon\\.ico|.*\\.(?:svg|png|ico|css|js)$).*)'],
};
