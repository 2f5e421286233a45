import { applyPolicy } from '@hoop/core/policy/apply-policy';
import { policyByName, policySummaries } from '@hoop/core/policy/policy-summaries';
import type { Handlers } from './api-route';

/** `hoop policy list | get | apply`: every member reads the org's policies; admins apply them (agents get them at once). */
export const policyRoutes: Handlers<'GET /api/policies' | 'GET /api/policies/:name' | 'PUT /api/policies'> = {
  'GET /api/policies': ({ deps, user }) => policySummaries(deps.db, user.orgId),
  'GET /api/policies/:name': ({ deps, user, params }) => policyByName(deps.db, user.orgId, params.name!),
  'PUT /api/policies': async ({ deps, user, body }) => applyPolicy(deps.db, user, await body()),
};
