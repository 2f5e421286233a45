import { exportSession } from '@hoop/core/session/export-sessions';
import { sessionSummaries, sessionWithEvents } from '@hoop/core/session/session-summaries';
import { caller, type Handlers, Streamed } from './api-route';

/**
 * `hoop sessions`: the sessions the caller may see (admins and auditors the org's, everyone else their own, see
 * @hoop/core/session/session-scope.ts), one with its events, and its export (JSON lines, CSV, asciicast).
 */
export const sessionRoutes: Handlers<'GET /api/sessions' | 'GET /api/sessions/:id' | 'GET /api/sessions/:id/export'> = {
  'GET /api/sessions': ({ deps, user, query }) =>
    sessionSummaries(deps.db, caller(user), {
      connection: query.get('connection'),
      user: query.get('user'),
      status: query.get('status'),
      limit: Number(query.get('limit') ?? 50) || 50,
    }),
  'GET /api/sessions/:id': ({ deps, user, params }) => sessionWithEvents(deps.db, caller(user), params.id!),
  'GET /api/sessions/:id/export': async ({ deps, user, params, query }) => {
    const out = await exportSession(deps.db, caller(user), params.id!, query.get('format') ?? 'jsonl');
    return new Streamed(out.contentType, out.chunks);
  },
};
