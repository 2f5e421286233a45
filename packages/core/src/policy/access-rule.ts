import { resolvePolicy } from '@hoop/pipeline/policy';
import { BLOCKED_PREFIX } from '@hoop/protocol';

/**
 * Whether a person may use a connection in a mode (connect, exec, mcp), by its policy's access section: the roles that
 * may use each mode; a mode it does not list is open to every member of the org. Admins are never locked out (they
 * can change the policy anyway). A policy that does not validate refuses everyone but admins. Returns why not, or null.
 */
export function accessRefusal(
  document: unknown,
  policyName: string,
  user: { role: string; roles: readonly string[] },
  mode: string,
  connection: string,
): string | null {
  if (user.role === 'admin') return null;
  const r = resolvePolicy(document);
  if ('error' in r) return `the policy "${policyName}" of "${connection}" is invalid; an admin must fix it`;
  const allowed = r.policy.access[mode as 'connect' | 'exec' | 'mcp' | 'claude'];
  // every role the user holds counts, their own and their groups' (a developer who reviews through a group keeps developer access)
  if (!allowed || user.roles.some((role) => (allowed as string[]).includes(role))) return null;
  return (
    `${BLOCKED_PREFIX}: policy "${policyName}" does not let the ${user.role} role use ` +
    `${mode} on "${connection}" (allowed: ${allowed.join(', ') || 'nobody'})`
  );
}
