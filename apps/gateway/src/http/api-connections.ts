import { connectionSummaries } from '@hoop/core/connection/connection-summaries';
import { testConnectionByName } from '@hoop/core/connection/test-connection-by-name';
import { connectionPolicy } from '@hoop/core/policy/policy-summaries';
import { agentOnline, type Handlers } from './api-route';

/** `hoop connections`: the org's connections, whether their agent is online here, their policy, a test of the target. */
export const connectionRoutes: Handlers<'GET /api/connections' | 'GET /api/connections/:name/policy' | 'POST /api/connections/:name/test'> = {
  'GET /api/connections': ({ deps, user }) => connectionSummaries(deps.db, user.orgId, agentOnline(deps.agents)),
  'GET /api/connections/:name/policy': ({ deps, user, params }) => connectionPolicy(deps.db, user.orgId, params.name!),
  'POST /api/connections/:name/test': ({ deps, user, params }) => testConnectionByName(deps.db, user, params.name!),
};
