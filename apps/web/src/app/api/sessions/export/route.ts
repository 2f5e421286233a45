import { searchParamsOf, sessionFiltersFrom } from '~/features/sessions/session-params';
import { currentUser } from '~/server/auth/session';
import { db } from '~/server/db';
import { downloadResponse, errorResponse, signedOut } from '~/server/http/download';
import { exportSessionList } from '@hoop/core/session/export-sessions';

export const dynamic = 'force-dynamic';

/**
 * `GET /api/sessions/export?format=jsonl|csv&what=sessions|events&<the list's filters>`: the sessions the list shows,
 * streamed. Signed-in users only; the export holds what the list would (admins and auditors: the org's sessions,
 * everyone else their own).
 */
export async function GET(req: Request): Promise<Response> {
  const user = await currentUser();
  if (!user) return signedOut();
  const url = new URL(req.url);
  try {
    return downloadResponse(
      exportSessionList(await db(), user, {
        ...sessionFiltersFrom(searchParamsOf(url.searchParams)),
        format: url.searchParams.get('format') ?? 'jsonl',
        what: url.searchParams.get('what') ?? 'sessions',
      }),
    );
  } catch (err) {
    return errorResponse(err, 'session list export');
  }
}
