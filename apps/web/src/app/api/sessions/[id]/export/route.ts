import { currentUser } from '~/server/auth/session';
import { db } from '~/server/db';
import { downloadResponse, errorResponse, signedOut } from '~/server/http/download';
import { exportSession } from '@hoop/core/session/export-sessions';

export const dynamic = 'force-dynamic';

/**
 * `GET /api/sessions/<id>/export?format=jsonl|csv|cast`: one session's events, as `hoop sessions export` gives them
 * (`cast`: the terminal recording as asciicast v2). Only a session the signed-in user may see.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const user = await currentUser();
  if (!user) return signedOut();
  const { id } = await params;
  try {
    return downloadResponse(await exportSession(await db(), user, id, new URL(req.url).searchParams.get('format') ?? 'jsonl'));
  } catch (err) {
    return errorResponse(err, 'session export');
  }
}
