import { type Db, encryptSecret } from '@hoop/db';
import { seedAgent, seedConnection, seedOrg, seedUser } from '@hoop/db/testing';
import { createStatementReview } from './review/reviews';
import { recordSession, sqlSessionEvents } from './session/session-fixtures';

/** The roles the authorization tables' tests call everything as, besides a disabled admin and another org's admin. */
export const TABLE_ROLES = ['admin', 'reviewer', 'auditor', 'developer'] as const;

export interface AuthzOrg {
  acme: string;
  other: string;
  /** a user id for each role of Acme, `disabled` (an admin of Acme, disabled) and `otherAdmin` (Other's admin) */
  users: Record<(typeof TABLE_ROLES)[number] | 'disabled' | 'otherAdmin', string>;
  /** acme-db, served by acme-agent */
  connectionId: string;
  /** acme-policy, read by every member */
  policyId: string;
  /** a recorded SQL session of the developer and of the admin */
  sessions: { developer: string; admin: string };
  /** a pending statement review on acme-db, requested by the developer (approvers: the reviewer and admin roles) */
  freshReview(): Promise<string>;
}

/**
 * The org the web's procedures (apps/web/src/server/api/root.test.ts) and the gateway's routes
 * (apps/gateway/src/http/api.test.ts) are called in as every role: Acme with a user of each role and a disabled admin,
 * acme-db on acme-agent, acme-policy, two recorded sessions and its Slack settings (sealed with `encryptionKey`); and
 * Other, whose admin must see none of it.
 */
export async function seedAuthzOrg(db: Db, encryptionKey: Buffer): Promise<AuthzOrg> {
  const acme = (await seedOrg(db, { name: 'Acme' })).id;
  const other = (await seedOrg(db, { name: 'Other' })).id;
  const users = {} as AuthzOrg['users'];
  for (const role of TABLE_ROLES) users[role] = (await seedUser(db, acme, { role })).id;
  users.disabled = (await seedUser(db, acme, { role: 'admin' })).id;
  await db.user.update({ where: { id: users.disabled }, data: { disabledAt: new Date() } });
  users.otherAdmin = (await seedUser(db, other, { role: 'admin' })).id;
  const agent = (await seedAgent(db, acme, { name: 'acme-agent' })).agent;
  const connectionId = (await seedConnection(db, acme, { name: 'acme-db', agentId: agent.id })).id;
  const policyId = (await db.policy.create({ data: { orgId: acme, name: 'acme-policy', document: { name: 'acme-policy' } } })).id;
  const sessions = { developer: '', admin: '' };
  for (const who of ['developer', 'admin'] as const)
    sessions[who] = await recordSession(db, { orgId: acme, userId: users[who], connectionId, events: sqlSessionEvents() });
  await db.slackSettings.create({
    data: {
      orgId: acme,
      botTokenEncrypted: encryptSecret('xoxb-acme', encryptionKey),
      signingSecretEncrypted: encryptSecret('abcdef0123456789', encryptionKey),
      defaultChannel: '#acme-reviews',
    },
  });
  const freshReview = async () => {
    const review = await createStatementReview(db, {
      orgId: acme,
      requesterId: users.developer,
      connectionId,
      sessionId: crypto.randomUUID(),
      mode: 'exec',
      digest: 'a'.repeat(64),
      statement: 'ALTER TABLE t ADD COLUMN note text',
      ruleId: 'schema-change',
      ruleMessage: null,
      reason: 'ticket 481',
      rules: {
        policyName: 'prod',
        policyVersion: 1,
        approverRoles: ['reviewer', 'admin'],
        approverUsers: [],
        minApprovals: 1,
        allowSelfApproval: false,
        timeoutMinutes: 30,
      },
    });
    return review.id;
  };
  return { acme, other, users, connectionId, policyId, sessions, freshReview };
}
