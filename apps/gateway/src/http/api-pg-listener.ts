import { AppError } from '@hoop/core/errors';
import type { Handlers } from './api-route';

/** `hoop ca`: the gateway's Postgres listener — its port, and the CA clients verify it with (when hoop made it). */
export const pgListenerRoutes: Handlers<'GET /api/pg-listener'> = {
  'GET /api/pg-listener': async ({ deps }) => {
    if (!deps.pgListener) throw new AppError('not_found', 'this gateway has no Postgres listener (HOOP_GATEWAY_PG_PORT is off)');
    return deps.pgListener;
  },
};
