import type { Db, Prisma } from '@hoop/db';
import { AppError } from '../errors';
import { loadHoopDb } from '../hoop-db';
import { sealingKey } from '../integration/sealing-key';
import { agentConfigError } from '@hoop/protocol';
import { type EditableType, MANAGED_KEYS, type ParsedConnectionInput } from './connection-input';

/** What creating and editing a connection share: references checked, the secret sealed, the settings made whole. */

/** The agent and the policy must be the org's own: an id from elsewhere is refused like one that does not exist. */
export async function checkReferences(db: Db, orgId: string, q: Pick<ParsedConnectionInput, 'agentId' | 'policyId'>): Promise<void> {
  const [agent, policy] = await Promise.all([
    q.agentId ? db.agent.findFirst({ where: { id: q.agentId, orgId }, select: { id: true } }) : true,
    q.policyId ? db.policy.findFirst({ where: { id: q.policyId, orgId }, select: { id: true } }) : true,
  ]);
  if (!agent) throw new AppError('invalid', 'That agent does not exist (any more): choose another one, or none.');
  if (!policy) throw new AppError('invalid', 'That policy does not exist (any more): choose another one, or the built-in guardrails.');
}

interface StoredSecret {
  secretRef: string | null;
  secretEncrypted: string | null;
}

/**
 * The reference the agent resolves, and the sealed secret when one is typed here. A stored secret left blank on an
 * edit keeps the one already sealed; changing to another source forgets it.
 */
export async function secretToStore(
  secret: ParsedConnectionInput['secret'],
  existing: StoredSecret | null,
  encryptionKey: string | null,
): Promise<StoredSecret> {
  switch (secret.source) {
    case 'none':
      return { secretRef: null, secretEncrypted: null };
    case 'env':
      return { secretRef: `env:${secret.name}`, secretEncrypted: null };
    case 'file':
      return { secretRef: `file:${secret.path}`, secretEncrypted: null };
    case 'stored': {
      if (secret.value === undefined) {
        if (existing?.secretRef === 'stored' && existing.secretEncrypted) return { secretRef: 'stored', secretEncrypted: existing.secretEncrypted };
        throw new AppError('invalid', 'Type the secret to store (a password, or a private key for SSH), or choose where the agent finds it instead.');
      }
      const key = await sealingKey(encryptionKey);
      const { encryptSecret } = await loadHoopDb();
      return { secretRef: 'stored', secretEncrypted: encryptSecret(secret.value, key) };
    }
  }
}

/**
 * The settings to store: the form's, plus keys the form does not manage that were already stored for the same type
 * (set through the API or a seed, such as connectTimeoutMs), checked once more with the agent's rules.
 */
export function configToStore(type: EditableType, config: Record<string, unknown>, existing: Prisma.JsonValue | null): Prisma.InputJsonObject {
  const kept: Record<string, unknown> = {};
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) {
    for (const [k, v] of Object.entries(existing)) if (!MANAGED_KEYS[type].includes(k)) kept[k] = v;
  }
  const merged = JSON.parse(JSON.stringify({ ...kept, ...config })) as Prisma.InputJsonObject;
  const problem = agentConfigError(type, merged);
  if (problem) throw new AppError('invalid', `The agent would refuse these settings: ${problem}.`);
  return merged;
}

export function nameTaken(name: string, cause?: unknown): AppError {
  return new AppError('conflict', `A connection named “${name}” already exists: choose another name, or edit that one.`, { cause });
}

export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === 'P2002';
