import { db } from '~/server/db';

export const dynamic = 'force-dynamic';

const noStore = { 'cache-control': 'no-store' };

/** Ready when the database answers. */
export async function GET(): Promise<Response> {
  try {
    await (await db()).$queryRaw`SELECT 1`;
    return Response.json({ status: 'ok' }, { headers: noStore });
  } catch (err) {
    console.error('healthz: the database did not answer:', err);
    return Response.json({ status: 'unavailable', reason: 'database unreachable' }, { status: 503, headers: noStore });
  }
}
