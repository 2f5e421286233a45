import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { AgentStatus, agentStatus } from '../agent/agent-status';
import { KeyState, keyState } from '../integration/sealing-key';
import { secretSource } from './connection-view';

export const ConnectionIdInput = z.object({ id: z.uuid({ error: 'That is not a connection id.' }) });

/** Where the agent finds the credential: the reference itself (not a secret), or whether a sealed secret is kept. */
export const SecretView = z.object({
  source: z.enum(['none', 'env', 'file', 'stored']),
  /** env: the variable name on the agent; file: the path on the agent host */
  reference: z.string().nullable(),
  /** stored: a sealed secret is kept (it is never returned) */
  storedSet: z.boolean(),
});
export type SecretView = z.infer<typeof SecretView>;

/** A connection as its edit form needs it: settings and references, never the stored secret. */
export const ConnectionDetail = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  config: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  readOnly: z.boolean(),
  agent: z.object({ id: z.string(), name: z.string(), status: AgentStatus }).nullable(),
  policy: z.object({ id: z.string(), name: z.string(), version: z.number().int() }).nullable(),
  secret: SecretView,
  /** whether this web app can seal a new secret, and opens the stored one */
  key: KeyState,
  /** recorded sessions: the audit trail keeps them, so a connection that has any cannot be deleted */
  sessions: z.number().int(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type ConnectionDetail = z.infer<typeof ConnectionDetail>;

export function connectionNotFound(): AppError {
  return new AppError('not_found', 'This connection does not exist (any more). Go back to the list to see the current connections.');
}

export function secretView(secretRef: string | null, secretEncrypted: string | null): SecretView {
  const source = secretSource(secretRef);
  const reference = source === 'env' ? secretRef!.slice(4) : source === 'file' ? secretRef!.slice(5) : null;
  return { source, reference, storedSet: source === 'stored' && Boolean(secretEncrypted) };
}

export async function getConnection(
  db: Db,
  orgId: string,
  input: z.input<typeof ConnectionIdInput>,
  encryptionKey: string | null,
  now = new Date(),
): Promise<ConnectionDetail> {
  const q = parseInput(ConnectionIdInput, input);
  const c = await db.connection.findFirst({
    where: { id: q.id, orgId },
    include: {
      agent: { select: { id: true, name: true, connectedAt: true, lastSeenAt: true } },
      policy: { select: { id: true, name: true, version: true } },
      _count: { select: { sessions: true } },
    },
  });
  if (!c) throw connectionNotFound();
  const config = c.config && typeof c.config === 'object' && !Array.isArray(c.config) ? (c.config as Record<string, unknown>) : {};
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    config,
    tags: c.tags,
    readOnly: c.readOnly,
    agent: c.agent ? { id: c.agent.id, name: c.agent.name, status: agentStatus(c.agent, now) } : null,
    policy: c.policy,
    secret: secretView(c.secretRef, c.secretEncrypted),
    key: await keyState(encryptionKey, c.secretEncrypted),
    sessions: c._count.sessions,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}
