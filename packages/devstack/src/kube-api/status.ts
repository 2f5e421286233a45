/** Kubernetes `Status` objects (meta/v1), as the API server writes them for errors and for some successes. */

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
  code: number;
}

export function failure(code: number, reason: string, message: string, details?: KubeStatus['details']): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export function success(details?: KubeStatus['details']): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}), code: 200 };
}

/** `pods "web" not found` */
export function notFound(resource: string, name: string): KubeStatus {
  return failure(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
}

export function alreadyExists(resource: string, name: string): KubeStatus {
  return failure(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });
}

export function badRequest(message: string): KubeStatus {
  return failure(400, 'BadRequest', message);
}

export function unauthorized(): KubeStatus {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function invalid(resource: string, name: string, message: string): KubeStatus {
  return failure(422, 'Invalid', `${resource} "${name}" is invalid: ${message}`, { name, kind: resource });
}

/**
 * The 403 of the RBAC authorizer, worded as the real one:
 * `pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"`.
 */
export function forbidden(a: { user: string; verb: string; resource: string; subresource?: string; namespace?: string; name?: string }): KubeStatus {
  const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const subject = a.name ? `${a.resource} "${a.name}"` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return failure(403, 'Forbidden', `${subject} is forbidden: User "${a.user}" cannot ${a.verb} resource "${full}" in API group "" ${scope}`, {
    ...(a.name ? { name: a.name } : {}),
    kind: a.resource,
  });
}
