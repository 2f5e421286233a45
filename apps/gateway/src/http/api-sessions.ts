import { AppError } from '@hoop/core/errors';
import { exportSession, SessionExportFormat } from '@hoop/core/session/export-sessions';
import { findVisibleSession } from '@hoop/core/session/get-session';
import { isUuid } from '@hoop/core/session/session-scope';
import { sessionSummaries, sessionWithEvents } from '@hoop/core/session/session-summaries';
import { caller, type Handlers, Streamed } from './api-route';

/**
 * The session a call names, in the API's words: an id that is not a UUID is a bad request (400), one the caller may
 * not see is not found (404), whether it does not exist or is someone else's.
 */
async function visible<T>(id: string, work: () => Promise<T>): Promise<T> {
  if (!isUuid(id)) throw new AppError('invalid', 'a session id is a UUID');
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found')
      throw new AppError('not_found', `session ${id} does not exist or is not yours to see`, { cause: err });
    throw err;
  }
}

/**
 * `hoop sessions`: the sessions the caller may see (admins and auditors the org's, everyone else their own, see
 * @hoop/core/session/session-scope.ts), one with its events, and its export (JSON lines, CSV, asciicast), every event
 * of it, streamed as it is read.
 */
export const sessionRoutes: Handlers<'GET /api/sessions' | 'GET /api/sessions/:id' | 'GET /api/sessions/:id/export'> = {
  'GET /api/sessions': ({ deps, user, query }) =>
    sessionSummaries(deps.db, caller(user), {
      connection: query.get('connection'),
      user: query.get('user'),
      status: query.get('status'),
      limit: Number(query.get('limit') ?? 50) || 50,
    }),
  'GET /api/sessions/:id': ({ deps, user, params }) => visible(params.id!, () => sessionWithEvents(deps.db, caller(user), params.id!)),
  'GET /api/sessions/:id/export': ({ deps, user, params, query }) =>
    visible(params.id!, async () => {
      const format = query.get('format') ?? 'jsonl';
      if (!SessionExportFormat.safeParse(format).success) {
        // an unknown session is named first, as before the format
        await findVisibleSession(deps.db, caller(user), params.id!);
        throw new AppError('invalid', 'format is jsonl, csv or cast');
      }
      const out = await exportSession(deps.db, caller(user), params.id!, format);
      return new Streamed(out.contentType, out.chunks);
    }),
};
