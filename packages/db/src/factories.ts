import type { Db } from './client';
import { generateSecret, hashPassword, hashSecret, secretPrefix } from './credentials';
import type { Prisma } from './generated/client/index.js';
import { tokenScramVerifier } from './token-verifiers';

/** Small factories shared by the demo seed and the tests. Each returns the row plus any secret shown once. */

export async function seedOrg(db: Db, data: { name?: string; slug?: string } = {}) {
  const slug = data.slug ?? `org-${Math.random().toString(36).slice(2, 8)}`;
  return db.org.create({ data: { name: data.name ?? slug, slug } });
}

export async function seedUser(db: Db, orgId: string, data: { email?: string; name?: string; role?: string; password?: string; isService?: boolean } = {}) {
  const email = data.email ?? `user-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const user = await db.user.create({
    data: {
      orgId,
      email,
      name: data.name ?? email.split('@')[0] ?? email,
      role: data.role ?? 'developer',
      isService: data.isService ?? false,
      passwordHash: data.password ? await hashPassword(data.password) : null,
    },
  });
  return user;
}

export async function seedApiToken(db: Db, userId: string, data: { name?: string; expiresAt?: Date | null; scope?: 'full' | 'read' } = {}) {
  const token = generateSecret('hoop_tok');
  const { email } = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } });
  const row = await db.apiToken.create({
    data: {
      userId,
      name: data.name ?? 'cli',
      tokenHash: hashSecret(token),
      prefix: secretPrefix(token),
      expiresAt: data.expiresAt ?? null,
      scope: data.scope ?? 'full',
      scramVerifier: await tokenScramVerifier(email, token),
    },
  });
  return { row, token };
}

export async function seedAgent(db: Db, orgId: string, data: { name?: string } = {}) {
  const key = generateSecret('hoop_agent');
  const agent = await db.agent.create({
    data: { orgId, name: data.name ?? `agent-${Math.random().toString(36).slice(2, 8)}`, keyHash: hashSecret(key), keyPrefix: secretPrefix(key) },
  });
  return { agent, key };
}

export async function seedConnection(
  db: Db,
  orgId: string,
  data: {
    name: string;
    type?: string;
    agentId?: string | null;
    policyId?: string | null;
    config?: Prisma.InputJsonValue;
    secretRef?: string | null;
    secretEncrypted?: string | null;
    tags?: string[];
    readOnly?: boolean;
  },
) {
  return db.connection.create({
    data: {
      orgId,
      name: data.name,
      type: data.type ?? 'postgres',
      agentId: data.agentId ?? null,
      policyId: data.policyId ?? null,
      config: data.config ?? {},
      secretRef: data.secretRef ?? null,
      secretEncrypted: data.secretEncrypted ?? null,
      tags: data.tags ?? [],
      readOnly: data.readOnly ?? false,
    },
  });
}
