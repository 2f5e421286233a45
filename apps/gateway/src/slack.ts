import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebClient } from '@slack/web-api';
import { type Db, decryptSecret } from '@hoop/db';
import type { Logger } from '@hoop/log';
import type { AuditEventBody } from '@hoop/protocol';
import { groupRolesSelect, rolesOfRow } from '@hoop/core/auth/held-roles';
import { ReviewError, reviewInclude, type ReviewWithDetails, voteOnReview } from '@hoop/core/review/reviews';
import { APPROVE_ACTION, codeBlock, esc, REJECT_ACTION, REJECT_VIEW, rejectView, reviewBlocks, summaryText } from './slack-blocks';

/** Slack's window for replayed requests: a request signed more than five minutes ago is refused. */
const MAX_SKEW_S = 5 * 60;
const MAX_BODY = 1024 * 1024;

interface OrgSlack {
  client: WebClient;
  signingSecret: string;
  defaultChannel: string;
  notifyBlocked: boolean;
}

/**
 * Slack for reviewers: each statement held for review is posted (who, where, the statement, the reason, the rule, and
 * Approve / Reject buttons) and the message is updated in place as approvals come in and when it is decided; blocked
 * statements are posted too. Clicks come back to `POST /integrations/slack/interactivity`, verified with the app's
 * signing secret within a five-minute window, and count as the clicker's hoop decision (matched by e-mail).
 */
export class SlackIntegration {
  private readonly orgs = new Map<string, { at: number; value: OrgSlack | null }>();

  constructor(
    private readonly db: Db,
    private readonly encryptionKey: Buffer,
    private readonly webUrl: string,
    private readonly apiUrl: string | undefined,
    private readonly log: Logger,
  ) {}

  private async settings(orgId: string): Promise<OrgSlack | null> {
    const cached = this.orgs.get(orgId);
    if (cached && Date.now() - cached.at < 10_000) return cached.value;
    const row = await this.db.slackSettings.findUnique({ where: { orgId } });
    let value: OrgSlack | null = null;
    if (row?.enabled) {
      try {
        const token = decryptSecret(row.botTokenEncrypted, this.encryptionKey);
        // loaded on first use: most gateways never talk to Slack
        const { WebClient } = await import('@slack/web-api');
        value = {
          client: new WebClient(token, {
            ...(this.apiUrl ? { slackApiUrl: this.apiUrl } : {}),
            retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
            timeout: 10_000,
          }),
          signingSecret: decryptSecret(row.signingSecretEncrypted, this.encryptionKey),
          defaultChannel: row.defaultChannel,
          notifyBlocked: row.notifyBlocked,
        };
      } catch {
        this.log.error('Slack secrets cannot be decrypted with HOOP_ENCRYPTION_KEY', { org: orgId });
      }
    }
    this.orgs.set(orgId, { at: Date.now(), value });
    return value;
  }

  /** Forget cached settings (after an admin changed them). */
  invalidate(orgId: string): void {
    this.orgs.delete(orgId);
  }

  // ── messages ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** A review changed: post it when new, update the message in place otherwise. One gateway does each step. */
  async reviewChanged(review: ReviewWithDetails): Promise<void> {
    const slack = await this.settings(review.orgId);
    if (!slack) return;
    const state = `${review.status}:${review.votes.length}:${review.executedAt ? 'ran' : ''}`;
    if (!review.slackTs) {
      if (review.status !== 'pending') return;
      // claim the post, so several gateways hearing the same notification post once
      const claimed = await this.db.review.updateMany({ where: { id: review.id, slackTs: null, slackStatus: null }, data: { slackStatus: 'posting' } });
      if (claimed.count === 0) return;
      const channel = review.slackChannel ?? slack.defaultChannel;
      try {
        const res = await slack.client.chat.postMessage({ channel, text: summaryText(review), blocks: reviewBlocks(review, this.webUrl), unfurl_links: false });
        await this.db.review.update({ where: { id: review.id }, data: { slackTs: res.ts ?? null, slackChannel: res.channel ?? channel, slackStatus: state } });
      } catch (err) {
        this.log.warn('could not post the review to Slack', { review: review.id, error: (err as Error).message });
        await this.db.review.update({ where: { id: review.id }, data: { slackStatus: null } }).catch(() => undefined);
      }
      // the review may have been decided while it was being posted
      const latest = await this.db.review.findUnique({ where: { id: review.id }, include: reviewInclude });
      if (latest && latest.slackTs && `${latest.status}:${latest.votes.length}:${latest.executedAt ? 'ran' : ''}` !== state) await this.reviewChanged(latest);
      return;
    }
    const claimed = await this.db.review.updateMany({ where: { id: review.id, NOT: { slackStatus: state } }, data: { slackStatus: state } });
    if (claimed.count === 0) return;
    try {
      await slack.client.chat.update({
        channel: review.slackChannel!,
        ts: review.slackTs,
        text: summaryText(review),
        blocks: reviewBlocks(review, this.webUrl),
      });
    } catch (err) {
      this.log.warn('could not update the review message in Slack', { review: review.id, error: (err as Error).message });
    }
  }

  /** A statement a guardrail stopped: posted to the org's channel when the settings ask for it. */
  async blocked(orgId: string, ctx: { user: string; connection: string; mode: string }, event: AuditEventBody): Promise<void> {
    const slack = await this.settings(orgId);
    if (!slack?.notifyBlocked) return;
    const d = event.data;
    const sql = typeof d.sql === 'string' ? d.sql : '';
    try {
      await slack.client.chat.postMessage({
        channel: slack.defaultChannel,
        text: `hoop blocked a statement by ${ctx.user} on ${ctx.connection}`,
        unfurl_links: false,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `:no_entry: *Blocked* on *${esc(ctx.connection)}* — ${esc(ctx.user)} (${ctx.mode})` } },
          { type: 'section', text: { type: 'mrkdwn', text: codeBlock(sql) } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: `guardrail \`${esc(String(d.ruleId ?? 'policy'))}\`: ${esc(String(d.reason ?? ''))}` }] },
        ],
      });
    } catch (err) {
      this.log.warn('could not post the blocked statement to Slack', { error: (err as Error).message });
    }
  }

  // ── interactivity ───────────────────────────────────────────────────────────────────────────────────────────────

  async handleInteractivity(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
    };
    if (req.method !== 'POST') return reply(405, { error: 'POST only' });
    let raw: string;
    try {
      raw = await readBody(req);
    } catch (err) {
      return reply(413, { error: (err as Error).message });
    }
    const ts = header(req, 'x-slack-request-timestamp');
    const signature = header(req, 'x-slack-signature');
    if (!ts || !signature) return reply(401, { error: 'missing Slack signature headers' });
    const tsNum = Number(ts);
    if (!Number.isInteger(tsNum) || Math.abs(Date.now() / 1000 - tsNum) > MAX_SKEW_S) return reply(401, { error: 'stale or invalid Slack request timestamp' });
    const payload = parsePayload(raw);
    if (!payload) return reply(400, { error: 'expected a form body with a JSON payload field' });
    const reviewId = reviewIdOf(payload);
    if (!reviewId) return reply(200);
    const review = await this.db.review.findUnique({ where: { id: reviewId }, include: reviewInclude });
    // the secret of the org the action names; an unknown review gets the same answer as a bad signature
    const slack = review ? await this.settings(review.orgId) : null;
    if (!review || !slack || !verifySignature(slack.signingSecret, ts, raw, signature)) return reply(401, { error: 'invalid Slack signature' });

    const slackUser = payload.user?.id;
    const channel = payload.channel?.id ?? review.slackChannel ?? slack.defaultChannel;
    const tell = async (text: string) => {
      if (!slackUser) return;
      await slack.client.chat
        .postEphemeral({ channel, user: slackUser, text })
        .catch((err: Error) => this.log.warn('could not send an ephemeral Slack message', { error: err.message }));
    };
    if (!slackUser) return reply(400, { error: 'the payload names no user' });
    const user = await this.hoopUser(slack, review, slackUser);
    if (!user) {
      await tell('Your Slack account is not linked to a hoop user of this organization (hoop matches by e-mail), so you cannot decide this request.');
      return reply(200);
    }

    if (payload.type === 'block_actions') {
      const action = payload.actions?.[0]?.action_id;
      if (action === REJECT_ACTION && payload.trigger_id) {
        // ask for an optional reason first; the rejection happens on submit
        const refusal = precheck(review, user);
        if (refusal) {
          await tell(refusal);
          return reply(200);
        }
        try {
          await slack.client.views.open({ trigger_id: payload.trigger_id, view: rejectView(review) });
          return reply(200);
        } catch (err) {
          this.log.warn('could not open the Slack reject dialog; rejecting without a reason', { error: (err as Error).message });
        }
      }
      if (action !== APPROVE_ACTION && action !== REJECT_ACTION) return reply(200);
      await this.vote(review.id, user, action === APPROVE_ACTION ? 'approve' : 'reject', null, tell);
      return reply(200);
    }
    if (payload.type === 'view_submission' && payload.view?.callback_id === REJECT_VIEW) {
      const values = payload.view.state?.values ?? {};
      const comment = values.reason?.reason?.value ?? null;
      await this.vote(review.id, user, 'reject', typeof comment === 'string' ? comment : null, tell);
      return reply(200, { response_action: 'clear' });
    }
    return reply(200);
  }

  private async vote(
    reviewId: string,
    user: { id: string; orgId: string; email: string; role: string; roles: string[] },
    decision: 'approve' | 'reject',
    comment: string | null,
    tell: (t: string) => Promise<void>,
  ) {
    try {
      const out = await voteOnReview(this.db, { reviewId, user, decision, comment, via: 'slack' });
      if (!out.decided && decision === 'approve') await tell(`Your approval is recorded: ${out.approvals} of ${out.review.minApprovals} needed.`);
    } catch (err) {
      if (err instanceof ReviewError) await tell(`hoop: ${err.message}`);
      else throw err;
    }
  }

  /** The hoop user behind a Slack user: their Slack profile e-mail, else the approver whose e-mail Slack maps to them. */
  private async hoopUser(slack: OrgSlack, review: ReviewWithDetails, slackUserId: string) {
    const emails: string[] = [];
    try {
      const info = await slack.client.users.info({ user: slackUserId });
      const email = info.user?.profile?.email;
      if (email) emails.push(email);
    } catch (err) {
      this.log.warn('Slack users.info failed', { error: (err as Error).message });
    }
    if (emails.length === 0) {
      // without the users:read.email scope on users.info: ask Slack which approver e-mail belongs to this user
      const candidates = await this.db.user.findMany({
        where: {
          orgId: review.orgId,
          disabledAt: null,
          OR: [
            { role: { in: review.approverRoles } },
            { groups: { some: { group: { role: { in: review.approverRoles } } } } },
            { email: { in: review.approverUsers, mode: 'insensitive' } },
          ],
        },
        select: { email: true },
        take: 200,
      });
      for (const c of candidates) {
        const found = await slack.client.users.lookupByEmail({ email: c.email }).catch(() => null);
        if (found?.user?.id === slackUserId) {
          emails.push(c.email);
          break;
        }
      }
    }
    if (emails.length === 0) return null;
    const user = await this.db.user.findFirst({
      where: { orgId: review.orgId, disabledAt: null, email: { equals: emails[0]!, mode: 'insensitive' } },
      include: groupRolesSelect,
    });
    // their roles through groups count too, as on the web and in the CLI (@hoop/core/auth/held-roles.ts)
    return user ? { id: user.id, orgId: user.orgId, email: user.email, ...rolesOfRow(user) } : null;
  }
}

function precheck(review: ReviewWithDetails, user: { id: string; email: string; role: string; roles: string[]; orgId: string }): string | null {
  if (review.status !== 'pending') return `hoop: review ${review.id} is already ${review.status}`;
  if (review.requesterId === user.id && !review.allowSelfApproval) return 'hoop: you cannot decide your own request; another approver must';
  const ok = user.roles.some((r) => review.approverRoles.includes(r)) || review.approverUsers.includes(user.email.toLowerCase());
  return ok ? null : 'hoop: you are not an approver of this request';
}

// ── signing ───────────────────────────────────────────────────────────────────────────────────────────────────────

export function signSlackRequest(secret: string, ts: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
}

function verifySignature(secret: string, ts: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signSlackRequest(secret, ts, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' ? v : null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface SlackPayload {
  type?: string;
  trigger_id?: string;
  user?: { id?: string };
  channel?: { id?: string };
  actions?: { action_id?: string; value?: string }[];
  view?: { callback_id?: string; private_metadata?: string; state?: { values?: Record<string, Record<string, { value?: string | null }>> } };
}

function parsePayload(raw: string): SlackPayload | null {
  const p = new URLSearchParams(raw).get('payload');
  if (!p) return null;
  try {
    const v = JSON.parse(p) as unknown;
    return v && typeof v === 'object' ? (v as SlackPayload) : null;
  } catch {
    return null;
  }
}

function reviewIdOf(p: SlackPayload): string | null {
  const id = p.type === 'view_submission' ? p.view?.private_metadata : p.actions?.[0]?.value;
  return id && /^[0-9a-f-]{36}$/i.test(id) ? id : null;
}
