import type { IncomingHttpHeaders } from 'node:http';
import { allowed, type Identity, type RbacRule } from './rbac';
import { badRequest, failure, forbidden, type KubeStatus, unauthorized } from './status';
import { resourceType } from './store';

/** One request as the test-kit API server saw it, for tests to assert on (the effective user above all). */
export interface KubeRequestRecord {
  method: string;
  path: string;
  query: Record<string, string[]>;
  /** the authenticated caller (the service account hoop's agent uses) */
  caller: string | null;
  /** the user the request acted as: the impersonated one when the caller impersonates */
  user: string | null;
  groups: string[];
  impersonated: boolean;
  verb: string | null;
  resource: string | null;
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  /** the answer's status, once written */
  status: number | null;
  headers: IncomingHttpHeaders;
}

export interface Route {
  verb: string;
  resource: string;
  subresource: string | null;
  namespace: string | undefined;
  name: string | undefined;
}

/** `/api/v1/namespaces/ns/pods/web/exec` → its resource, namespace, name, subresource and verb; null: not a resource path */
export function route(method: string, path: string, query: URLSearchParams): Route | KubeStatus | null {
  const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?\/?$/.exec(path);
  if (!m) return null;
  const [, namespace, resource, name, subresource] = m.map((x) => (x === undefined ? undefined : decodeURIComponent(x)));
  const type = resourceType(resource!);
  if (!type) return null;
  if (namespace !== undefined && !type.namespaced) return null;
  if (subresource !== undefined && !(resource === 'pods' && ['log', 'exec', 'attach', 'portforward', 'status'].includes(subresource))) return null;
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: string;
  if (subresource === 'exec' || subresource === 'attach' || subresource === 'portforward') verb = 'create';
  else if (method === 'GET') verb = name === undefined ? (watch ? 'watch' : 'list') : 'get';
  else if (method === 'POST') verb = 'create';
  else if (method === 'PUT') verb = 'update';
  else if (method === 'PATCH') verb = 'patch';
  else if (method === 'DELETE') verb = name === undefined ? 'deletecollection' : 'delete';
  else return failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  if ((verb === 'create' && name !== undefined && subresource === undefined) || (verb !== 'create' && verb !== 'get' && subresource === 'log'))
    return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  if (type.namespaced && namespace === undefined && verb !== 'list' && verb !== 'watch')
    return badRequest(`the namespace of the object must be given for ${verb} on ${resource}`);
  return { verb, resource: resource!, subresource: subresource ?? null, namespace, name };
}

/**
 * Who a request acts as: the bearer token's identity, or (with `Impersonate-User`, and `Impersonate-Group` as many
 * times as needed) the user it impersonates — which the caller must be allowed (`impersonate` on users/groups).
 */
export function identify(
  headers: IncomingHttpHeaders,
  rawHeaders: string[],
  tokens: Map<string, Identity>,
  rules: readonly RbacRule[],
): { caller: Identity; effective: Identity; impersonated: boolean } | KubeStatus {
  const auth = headers.authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
  const caller = token ? tokens.get(token) : undefined;
  if (!caller) return unauthorized();
  const impUser = headers['impersonate-user'];
  const impGroups: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'impersonate-group') impGroups.push(rawHeaders[i + 1]!);
  if (impUser === undefined) {
    if (impGroups.length)
      return failure(
        500,
        'InternalError',
        `Internal error occurred: requested [${impGroups.map((g) => `{Group ${g}}`).join(' ')}] without impersonating a user`,
      );
    return { caller, effective: caller, impersonated: false };
  }
  const user = Array.isArray(impUser) ? impUser[0]! : impUser;
  const refuse = (resource: string, name: string): KubeStatus => forbidden({ user: caller.user, verb: 'impersonate', resource, name });
  if (!allowed(rules, caller, { verb: 'impersonate', resource: 'users' })) return refuse('users', user);
  for (const g of impGroups) if (!allowed(rules, caller, { verb: 'impersonate', resource: 'groups' })) return refuse('groups', g);
  const groups = [...impGroups];
  if (user !== 'system:anonymous' && !groups.includes('system:authenticated')) groups.push('system:authenticated');
  return { caller, effective: { user, groups }, impersonated: true };
}

export function queryRecord(q: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of q) (out[k] ??= []).push(v);
  return out;
}
