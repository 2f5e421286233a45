import type { IncomingMessage } from 'node:http';
import type pg from 'pg';
import type { Route, ROUTE_ACCESS } from '@hoop/core/authz';
import { parseRole, type Role } from '@hoop/core/auth/roles';
import type { Db, TrustedAuditKeys } from '@hoop/db';
import type { AgentRegistry } from '../agent-link/registry';
import type { UserIdentity } from '../auth';

/** What the JSON API the CLI uses needs from the gateway. */
export interface ApiDeps {
  db: Db;
  pool: pg.Pool;
  agents: AgentRegistry;
  webUrl: string;
  encryptionKey: Buffer;
  slack: { invalidate(orgId: string): void };
  /** public keys whose signatures on the audit chain `hoop audit verify` accepts (the gateway's own, HOOP_AUDIT_TRUSTED_KEYS) */
  auditKeys: TrustedAuditKeys;
  /** the gateway's Postgres listener (`hoop ca`, the direct connection string); null when it is off */
  pgListener?: { port: number; tls: 'generated' | 'provided'; caCert: string | null; fingerprint: string } | null;
}

/** One call of a route: its path parameters (`:name` of the route), the query, the body (read when asked for). */
export interface ApiCall<U extends UserIdentity | null = UserIdentity> {
  deps: ApiDeps;
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  user: U;
  body(): Promise<unknown>;
}

/** An answer that is not JSON: a file streamed as it is read (an export). */
export class Streamed {
  constructor(
    readonly contentType: string,
    readonly chunks: AsyncIterable<string>,
  ) {}
}

type Access = typeof ROUTE_ACCESS;
/** routes anyone may call: their handlers get no user */
type OpenRoute = { [K in Route]: Access[K] extends 'anyone' ? K : never }[Route];
export type Handlers<K extends Route = Route> = { [R in K]: (call: ApiCall<R extends OpenRoute ? null : UserIdentity>) => Promise<unknown> };

/** The person behind a token as the control plane's services take them. */
export function caller(user: UserIdentity): { id: string; orgId: string; email: string; name: string; role: Role; roles: Role[] } {
  return { id: user.id, orgId: user.orgId, email: user.email, name: user.name, role: parseRole(user.role), roles: user.roles.map(parseRole) };
}

const ONLINE_WINDOW_MS = 15_000;

/** Whether the agent has a tunnel to this gateway that answered heartbeats lately. */
export function agentOnline(agents: AgentRegistry): (agentId: string) => boolean {
  return (agentId) => {
    const link = agents.get(agentId);
    return Boolean(link && Date.now() - link.lastPong < ONLINE_WINDOW_MS);
  };
}
