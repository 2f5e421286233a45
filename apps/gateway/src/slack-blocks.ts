import type { KnownBlock } from '@slack/web-api';
import { reviewUrl, type ReviewWithDetails } from '@hoop/core/review/reviews';

// What hoop posts to Slack, in Block Kit: a review's message (details, then its buttons while pending, or the outcome),
// the dialog that asks a rejection's reason, and the escaping of what people typed.

export const APPROVE_ACTION = 'hoop_review_approve';
export const REJECT_ACTION = 'hoop_review_reject';
export const REJECT_VIEW = 'hoop_review_reject_reason';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function codeBlock(sql: string): string {
  const text = sql.length > 2800 ? `${sql.slice(0, 2800)}…` : sql;
  return `\`\`\`${esc(text.replace(/```/g, "'''"))}\`\`\``;
}

function hhmm(d: Date): string {
  return d.toISOString().slice(11, 16);
}

export function summaryText(r: ReviewWithDetails): string {
  const what = r.kind === 'access' ? `access to ${r.connection.name} for ${r.durationMinutes} min` : `a statement on ${r.connection.name}`;
  return `${r.requester.email} asks for approval of ${what} (${r.status})`;
}

/** The rule that held a statement, with its message; for an access request, how long it asks for. */
function ruleText(r: ReviewWithDetails): string {
  if (r.ruleId) return `\`${esc(r.ruleId)}\`${r.ruleMessage ? ` — ${esc(r.ruleMessage)}` : ''}`;
  return r.kind === 'access' ? `access for ${r.durationMinutes} minutes` : '—';
}

/** The review message: request details, then the buttons while pending, or the outcome. */
export function reviewBlocks(r: ReviewWithDetails, webUrl: string): KnownBlock[] {
  const approvals = r.votes.filter((v) => v.decision === 'approve');
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: r.kind === 'access' ? 'Access request' : 'Statement waiting for approval' } },
    {
      type: 'section',
      fields: [
        {
          type: 'mrkdwn',
          text:
            `*Requested by*\n${esc(r.requester.name)} (${esc(r.requester.email)})` +
            `${r.requester.isService ? ' · :robot_face: AI agent (service account)' : ''}`,
        },
        { type: 'mrkdwn', text: `*Connection*\n${esc(r.connection.name)} (${r.mode})` },
        {
          type: 'mrkdwn',
          text: `*Rule*\n${ruleText(r)}`,
        },
        { type: 'mrkdwn', text: `*Reason*\n${r.reason ? esc(r.reason) : '_none given_'}` },
      ],
    },
  ];
  if (r.kind === 'statement') blocks.push({ type: 'section', text: { type: 'mrkdwn', text: codeBlock(r.statement ?? '') } });
  const link = `<${reviewUrl(webUrl, r.id)}|open in hoop>`;
  if (r.status === 'pending') {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text:
            `${approvals.length} of ${r.minApprovals} approval${r.minApprovals > 1 ? 's' : ''}` +
            `${approvals.length ? ` (${approvals.map((v) => esc(v.user.email)).join(', ')})` : ''} · expires at ${hhmm(r.expiresAt)} UTC · ${link}`,
        },
      ],
    });
    blocks.push({
      type: 'actions',
      block_id: `hoop_review_${r.id}`,
      elements: [
        { type: 'button', action_id: APPROVE_ACTION, style: 'primary', value: r.id, text: { type: 'plain_text', text: 'Approve' } },
        { type: 'button', action_id: REJECT_ACTION, style: 'danger', value: r.id, text: { type: 'plain_text', text: 'Reject' } },
      ],
    });
    return blocks;
  }
  const decider = r.votes.find((v) => v.userId === r.decidedById)?.user.email ?? 'hoop';
  const at = r.decidedAt ? `${hhmm(r.decidedAt)} UTC` : '';
  const outcome: Record<string, string> = {
    approved: `:white_check_mark: *approved by ${esc(decider)} at ${at}*${r.executedAt ? ' · ran once' : ''}`,
    rejected: `:x: *rejected by ${esc(decider)} at ${at}*`,
    expired: `:hourglass: *expired at ${at}* without a decision`,
    revoked: `:no_entry_sign: *revoked at ${at}*`,
  };
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: `${outcome[r.status] ?? r.status}${r.decisionNote ? `\n> ${esc(r.decisionNote)}` : ''}` },
  });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: link }] });
  return blocks;
}

export function rejectView(r: ReviewWithDetails) {
  return {
    type: 'modal' as const,
    callback_id: REJECT_VIEW,
    private_metadata: r.id,
    title: { type: 'plain_text' as const, text: 'Reject request' },
    submit: { type: 'plain_text' as const, text: 'Reject' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: { type: 'plain_text' as const, text: 'Reason (the requester sees it)' },
        element: { type: 'plain_text_input', action_id: 'reason', multiline: true, max_length: 2000 },
      },
    ],
  };
}
