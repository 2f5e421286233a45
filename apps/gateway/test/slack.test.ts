import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedApiToken, seedUser } from '@hoop/db/testing';
import { createTargetDatabase, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { signSlackRequest } from '../src/slack';
import { type SlackCall, startFakeSlack } from './fake-slack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let slack: Awaited<ReturnType<typeof startFakeSlack>>;
const tokens: Record<string, string> = {};
const SIGNING_SECRET = randomBytes(16).toString('hex');

const POLICY = {
  name: 'slack-reviewed',
  connections: { names: ['pg-slack'] },
  guardrails: { rules: [{ id: 'schema-change', action: 'review', message: 'schema changes need a reviewer', match: { kinds: ['ddl'] } }] },
  review: { approvers: { roles: ['reviewer', 'admin'] }, slackChannel: '#db-reviews' },
};

function interaction(payload: unknown, opts: { secret?: string; ts?: number } = {}) {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  return fetch(`${stack.gatewayUrl}/integrations/slack/interactivity`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signSlackRequest(opts.secret ?? SIGNING_SECRET, ts, body),
    },
    body,
  });
}

const click = (user: string, action: 'hoop_review_approve' | 'hoop_review_reject', reviewId: string, extra: Record<string, unknown> = {}) =>
  interaction({ type: 'block_actions', user: { id: user }, channel: { id: 'CDBREVIEWS' }, actions: [{ action_id: action, value: reviewId }], ...extra });

const callsOf = (method: string): SlackCall[] => slack.calls.filter((c) => c.method === method);

async function pendingReview(like: string) {
  return waitFor(
    `a pending review for ${like}`,
    async () => (await stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: like } } })) ?? null,
    { timeoutMs: 30_000 },
  );
}

async function posted(reviewId: string) {
  return waitFor(
    'the review message in Slack',
    async () => callsOf('chat.postMessage').find((c) => JSON.stringify(c.args.blocks ?? '').includes(reviewId)) ?? null,
  );
}

beforeAll(async () => {
  slack = await startFakeSlack({ U_RITA: 'rita@test.local', U_MAL: 'mallory@test.local', U_DEV: 'dev@test.local', U_STRANGER: 'nobody@elsewhere.test' });
  target = await createTargetDatabase('slack');
  await target.query('create table orders (id int)');
  stack = await startTestStack({ gatewayEnv: { HOOP_SLACK_API_URL: slack.url } });
  await stack.addPostgresConnection('pg-slack', target.url);
  for (const [name, role] of [
    ['dev', 'developer'],
    ['rita', 'reviewer'],
    ['mallory', 'developer'],
  ] as const) {
    const u = await seedUser(stack.db, stack.orgId, { email: `${name}@test.local`, role });
    tokens[name] = (await seedApiToken(stack.db, u.id)).token;
  }
  await stack.startAgent();
  const file = `${stack.configFile}.slack-policy.json`;
  await writeFile(file, JSON.stringify(POLICY));
  expect((await stack.cli(['policy', 'apply', '-f', file])).code).toBe(0);
  const put = await fetch(`${stack.gatewayUrl}/api/integrations/slack`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET, defaultChannel: '#hoop-alerts' }),
  });
  expect(put.status).toBe(200);
  expect(await put.json()).toMatchObject({ configured: true, defaultChannel: '#hoop-alerts', botToken: 'set', signingSecret: 'set' });
  await waitFor('the policy at the agent', async () =>
    (await stack.cli(['policy', 'test', '-c', 'pg-slack', 'alter table orders add column x int'])).code === 3 ? true : null,
  );
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
  await slack?.close();
});

describe('Slack', () => {
  it('only admins manage the Slack settings, and secrets never come back', async () => {
    const asDev = await fetch(`${stack.gatewayUrl}/api/integrations/slack`, { headers: { authorization: `Bearer ${tokens.dev}` } });
    expect(asDev.status).toBe(403);
    const got = await fetch(`${stack.gatewayUrl}/api/integrations/slack`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    const text = await got.text();
    expect(text).not.toContain('xoxb-test-token');
    expect(text).not.toContain(SIGNING_SECRET);
    const bad = await fetch(`${stack.gatewayUrl}/api/integrations/slack`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ botToken: 'nope', defaultChannel: '#x' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/botToken must be a Slack bot token/);
  });

  it('posts the held statement with Approve / Reject; a signed click approves it and the message is updated in place', async () => {
    const exec = stack.spawnCli(['exec', 'pg-slack', '-i', 'ALTER TABLE orders ADD COLUMN note text', '--reason', 'ticket 481: add note'], {
      token: tokens.dev,
    });
    const review = await pendingReview('ADD COLUMN note');
    const post = await posted(review.id);
    expect(post.token).toBe('xoxb-test-token');
    expect(post.args.channel).toBe('#db-reviews');
    const blocks = JSON.stringify(post.args.blocks);
    for (const part of [
      'dev@test.local',
      'pg-slack',
      'ALTER TABLE orders ADD COLUMN note text',
      'ticket 481: add note',
      'schema-change',
      'hoop_review_approve',
      'hoop_review_reject',
    ])
      expect(blocks).toContain(part);

    // a forged click changes nothing; a signed one from an approver approves
    const forged = await interaction(
      { type: 'block_actions', user: { id: 'U_RITA' }, actions: [{ action_id: 'hoop_review_approve', value: review.id }] },
      { secret: 'ffffffffffffffffffffffffffffffff' },
    );
    expect(forged.status).toBe(401);
    expect((await stack.db.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe('pending');
    expect((await click('U_RITA', 'hoop_review_approve', review.id)).status).toBe(200);
    await waitFor('the approval from Slack', async () =>
      (await stack.db.review.findUniqueOrThrow({ where: { id: review.id } })).status === 'approved' ? true : null,
    );
    const r = await exec.done;
    expect(r.code, r.stderr).toBe(0);
    const votes = await stack.db.reviewVote.findMany({ where: { reviewId: review.id } });
    expect(votes.map((v) => v.via)).toEqual(['slack']);
    const update = await waitFor(
      'the message updated in place',
      async () => callsOf('chat.update').find((c) => c.args.ts === post.args.ts || JSON.stringify(c.args.blocks ?? '').includes(review.id)) ?? null,
    );
    expect(update.args.channel).toBe('CDBREVIEWS');
    expect(JSON.stringify(update.args.blocks)).toMatch(/approved by rita@test.local at \d\d:\d\d/);
    expect(JSON.stringify(update.args.blocks)).not.toContain('hoop_review_approve');
  });

  it('refuses forged and stale signatures, non-approvers and unknown Slack users', async () => {
    const exec = stack.spawnCli(['exec', 'pg-slack', '-i', 'ALTER TABLE orders ADD COLUMN flag boolean'], { token: tokens.dev });
    const review = await pendingReview('ADD COLUMN flag');
    await posted(review.id);
    const payload = {
      type: 'block_actions',
      user: { id: 'U_RITA' },
      channel: { id: 'CDBREVIEWS' },
      actions: [{ action_id: 'hoop_review_approve', value: review.id }],
    };
    expect((await interaction(payload, { secret: 'ffffffffffffffffffffffffffffffff' })).status).toBe(401);
    expect((await interaction(payload, { ts: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    const unsigned = await fetch(`${stack.gatewayUrl}/integrations/slack/interactivity`, {
      method: 'POST',
      body: new URLSearchParams({ payload: JSON.stringify(payload) }),
    });
    expect(unsigned.status).toBe(401);

    const before = callsOf('chat.postEphemeral').length;
    expect((await click('U_MAL', 'hoop_review_approve', review.id)).status).toBe(200);
    expect((await click('U_STRANGER', 'hoop_review_approve', review.id)).status).toBe(200);
    expect((await click('U_DEV', 'hoop_review_approve', review.id)).status).toBe(200);
    const ephemeral = await waitFor('three ephemeral answers', async () => {
      const list = callsOf('chat.postEphemeral').slice(before);
      return list.length >= 3 ? list : null;
    });
    expect(ephemeral.map((c) => c.args.user)).toEqual(['U_MAL', 'U_STRANGER', 'U_DEV']);
    expect(String(ephemeral[0]!.args.text)).toMatch(/not an approver/);
    expect(String(ephemeral[1]!.args.text)).toMatch(/not linked to a hoop user/);
    expect(String(ephemeral[2]!.args.text)).toMatch(/cannot approve your own request/);
    expect((await stack.db.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe('pending');
    expect(await stack.db.reviewVote.count({ where: { reviewId: review.id } })).toBe(0);

    // a reject click asks for a reason in a modal; submitting it rejects
    const opened = callsOf('views.open').length;
    expect((await click('U_RITA', 'hoop_review_reject', review.id, { trigger_id: 'T123' })).status).toBe(200);
    const modal = await waitFor('the reject dialog', async () => callsOf('views.open')[opened] ?? null);
    expect(modal.args.trigger_id).toBe('T123');
    const view = modal.args.view as { callback_id: string; private_metadata: string };
    expect(view.private_metadata).toBe(review.id);
    const submit = await interaction({
      type: 'view_submission',
      user: { id: 'U_RITA' },
      view: { callback_id: view.callback_id, private_metadata: review.id, state: { values: { reason: { reason: { value: 'use a migration' } } } } },
    });
    expect(submit.status).toBe(200);
    const r = await exec.done;
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('rejected by rita@test.local: use a migration');
    await waitFor('the rejection shown in Slack', async () =>
      callsOf('chat.update').some((c) => /rejected by rita@test.local/.test(JSON.stringify(c.args.blocks))) ? true : null,
    );
  });

  it('a developer who reviews through a group approves from Slack like a reviewer', async () => {
    const mallory = await stack.db.user.findFirstOrThrow({ where: { email: 'mallory@test.local' } });
    const group = await stack.db.group.create({ data: { orgId: stack.orgId, name: 'db-reviewers', role: 'reviewer' } });
    await stack.db.groupMember.create({ data: { groupId: group.id, userId: mallory.id } });
    const exec = stack.spawnCli(['exec', 'pg-slack', '-i', 'ALTER TABLE orders ADD COLUMN via_group int'], { token: tokens.dev });
    const review = await pendingReview('ADD COLUMN via_group');
    await posted(review.id);
    expect((await click('U_MAL', 'hoop_review_approve', review.id)).status).toBe(200);
    await waitFor('the approval through the group', async () =>
      (await stack.db.review.findUniqueOrThrow({ where: { id: review.id } })).status === 'approved' ? true : null,
    );
    expect((await exec.done).code).toBe(0);
    expect((await stack.db.reviewVote.findFirstOrThrow({ where: { reviewId: review.id } })).userId).toBe(mallory.id);
    await stack.db.group.delete({ where: { id: group.id } });
  });

  it('posts blocked statements to the default channel', async () => {
    const r = await stack.cli(['exec', 'pg-slack', '-i', 'DELETE FROM orders'], { env: { HOOP_TOKEN: tokens.dev!, HOOP_GATEWAY_URL: stack.gatewayUrl } });
    expect(r.code).toBe(3);
    const post = await waitFor(
      'the blocked statement in Slack',
      async () => callsOf('chat.postMessage').find((c) => c.args.channel === '#hoop-alerts') ?? null,
    );
    const blocks = JSON.stringify(post.args.blocks);
    expect(blocks).toContain('DELETE FROM orders');
    expect(blocks).toContain('delete-without-where');
    expect(blocks).toContain('dev@test.local');
  });
});
