import { callerProfile } from '@hoop/core/user/caller-profile';
import { createServiceAccount } from '@hoop/core/user/create-service-account';
import type { Handlers } from './api-route';

/** Who a token belongs to, and service accounts for AI agents and automation (their token is returned once). */
export const accountRoutes: Handlers<'GET /api/me' | 'POST /api/service-accounts'> = {
  'GET /api/me': ({ deps, user }) => callerProfile(deps.db, user),
  'POST /api/service-accounts': async ({ deps, user, body }) => createServiceAccount(deps.db, user, await body()),
};
