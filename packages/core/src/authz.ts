import { hasRole, type Role } from './auth/roles';

/**
 * Who may call what: the one authorization table of the control plane. Every tRPC procedure of the web app and every
 * route of the gateway's HTTP API is listed here, and both adapters consult it before a service runs (a procedure or
 * route missing from the table is refused). What depends on the data itself is checked by the service: who may
 * approve a review (its approvers), whose sessions one sees (session-scope.ts), whose tokens one revokes.
 *
 *   'anyone'   no sign-in (only the gateway's `hoop login` exchange, which has no token yet)
 *   'member'   any signed-in, enabled member of the org
 *   { roles }  a member holding one of these roles, their own or a group's (admins hold every role); `refusal` is
 *              what the gateway's API answers otherwise (the CLI shows it as is)
 */
export type RoleAccess = { roles: readonly Role[]; refusal?: string };
export type Access = 'anyone' | 'member' | RoleAccess;

const admins = (refusal?: string): RoleAccess => ({ roles: ['admin'], ...(refusal ? { refusal } : {}) });
const auditors = (refusal?: string): RoleAccess => ({ roles: ['auditor'], ...(refusal ? { refusal } : {}) });

/** The web app's tRPC procedures, by path. */
export const PROCEDURE_ACCESS = {
  'connection.list': 'member',
  'connection.get': admins(),
  'connection.create': admins(),
  'connection.update': admins(),
  'connection.delete': admins(),
  'connection.test': admins(),
  'agent.list': { roles: ['admin', 'auditor'] },
  'agent.create': admins(),
  'agent.rotateKey': admins(),
  'agent.delete': admins(),
  // policies decide what members may do: every member reads and tests them
  'policy.list': 'member',
  'policy.get': 'member',
  'policy.catalog': 'member',
  'policy.validate': 'member',
  'policy.test': 'member',
  'policy.save': admins(),
  'policy.delete': admins(),
  // every member sees the org's reviews; who may decide one is the review's own approvers (voteOnReview)
  'review.list': 'member',
  'review.get': 'member',
  'review.summary': 'member',
  'review.facets': 'member',
  'review.approve': 'member',
  'review.reject': 'member',
  'review.revoke': admins(),
  'integration.getSlack': admins(),
  'integration.saveSlack': admins(),
  'integration.removeSlack': admins(),
  'integration.listWebhooks': admins(),
  'integration.createWebhook': admins(),
  'integration.setWebhookEnabled': admins(),
  'integration.deleteWebhook': admins(),
  // sessions: every member, each sees what session-scope.ts lets them see
  'session.list': 'member',
  'session.facets': 'member',
  'session.get': 'member',
  'session.conversation': 'member',
  'session.exchangeRequest': 'member',
  'session.verify': auditors(),
  'audit.overview': auditors(),
  'audit.verify': auditors(),
  'audit.retention': auditors(),
  'audit.previewRetention': admins(),
  'audit.setRetention': admins(),
  'user.list': admins(),
  'user.create': admins(),
  'user.resetPassword': admins(),
  'user.setRole': admins(),
  'user.setDisabled': admins(),
  'group.list': admins(),
  'group.create': admins(),
  'group.update': admins(),
  'group.delete': admins(),
  'group.addMember': admins(),
  'group.removeMember': admins(),
  // one's own tokens; an admin also the org's (list-tokens.ts, revoke-token.ts)
  'token.list': 'member',
  'token.create': 'member',
  'token.revoke': 'member',
  // a login request belongs to nobody until someone signed in approves it with the code their terminal shows
  'cliLogin.get': 'member',
  'cliLogin.approve': 'member',
  'cliLogin.deny': 'member',
  // developers get their own sessions' figures (dashboard-window.ts)
  'dashboard.sessions': 'member',
  'dashboard.blocked': 'member',
  'dashboard.masked': 'member',
  'dashboard.approvals': 'member',
  'dashboard.live': 'member',
  'dashboard.models': 'member',
} as const satisfies Record<string, Exclude<Access, 'anyone'>>;
export type ProcedurePath = keyof typeof PROCEDURE_ACCESS;

/** The gateway's HTTP API (the CLI's), by `METHOD /path`, `:name` standing for one path segment. */
export const ROUTE_ACCESS = {
  'POST /api/cli-login': 'anyone',
  'POST /api/cli-login/token': 'anyone',
  'GET /api/me': 'member',
  'GET /api/connections': 'member',
  'GET /api/pg-listener': 'member',
  'GET /api/connections/:name/policy': 'member',
  'POST /api/connections/:name/test': admins('only admins can test connections'),
  'GET /api/policies': 'member',
  'GET /api/policies/:name': 'member',
  'PUT /api/policies': admins('only admins can change policies'),
  'GET /api/sessions': 'member',
  'GET /api/sessions/:id': 'member',
  'GET /api/sessions/:id/export': 'member',
  'GET /api/reviews': 'member',
  'GET /api/reviews/:id': 'member',
  'POST /api/reviews/:id/approve': 'member',
  'POST /api/reviews/:id/reject': 'member',
  'POST /api/reviews/:id/revoke': admins('only admins can revoke a review'),
  'POST /api/access-requests': 'member',
  'GET /api/integrations/slack': admins('only admins can change integrations'),
  'PUT /api/integrations/slack': admins('only admins can change integrations'),
  'DELETE /api/integrations/slack': admins('only admins can change integrations'),
  'POST /api/service-accounts': admins('only admins can create service accounts'),
  'GET /api/audit/retention': auditors('reading the audit retention needs the auditor or admin role'),
  'PUT /api/audit/retention': admins('only admins can change how long the audit trail is kept'),
  'POST /api/audit/verify': auditors('verifying the audit trail needs the auditor or admin role'),
} as const satisfies Record<string, Access>;
export type Route = keyof typeof ROUTE_ACCESS;

/** The person asking: their effective role and every role they hold (see roles.ts). */
export interface Caller {
  role: Role;
  roles?: readonly Role[];
}

/**
 * Why `who` may not call something with this access (null: they may). `who` null is nobody signed in. The words are
 * the access's own `refusal`, else `needsRole` (each adapter says it its way).
 */
export function refusal(
  access: Access | undefined,
  who: Caller | null,
  needsRole: (roles: readonly Role[]) => string,
): { status: 'unauthenticated' | 'forbidden'; message: string } | null {
  if (access === 'anyone') return null;
  if (!who) return { status: 'unauthenticated', message: 'sign-in required' };
  if (access === undefined) return { status: 'forbidden', message: 'this is not in the authorization table, so nobody may call it' };
  if (access === 'member') return null;
  if (access.roles.some((r) => hasRole(who, r))) return null;
  return { status: 'forbidden', message: access.refusal ?? needsRole(access.roles) };
}

export function procedureAccess(path: string): Access | undefined {
  return Object.hasOwn(PROCEDURE_ACCESS, path) ? PROCEDURE_ACCESS[path as ProcedurePath] : undefined;
}

export function routeAccess(route: string): Access | undefined {
  return Object.hasOwn(ROUTE_ACCESS, route) ? ROUTE_ACCESS[route as Route] : undefined;
}
