import { pollCliLoginRequest, startCliLoginRequest } from '@hoop/core/cli-login/device-flow';
import type { Handlers } from './api-route';

/**
 * `hoop login` through the browser (see @hoop/core/cli-login/device-flow.ts). The only routes that take no token: the
 * CLI has none yet.
 */
export const cliLoginRoutes: Handlers<'POST /api/cli-login' | 'POST /api/cli-login/token'> = {
  'POST /api/cli-login': async ({ deps, req, body }) =>
    startCliLoginRequest(deps.db, await body(), { clientAddress: req.socket.remoteAddress ?? null, webUrl: deps.webUrl }),
  'POST /api/cli-login/token': async ({ deps, body }) => pollCliLoginRequest(deps.db, await body()),
};
