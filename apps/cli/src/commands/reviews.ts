import { EXIT } from '@hoop/protocol';
import { type CliConfig, loadConfig } from '../config';
import type { CliEnv } from '../env';
import { CliError, usage } from '../errors';
import { formatTable } from '../format';
import { api } from '../gateway';

export interface ReviewSummary {
  id: string;
  kind: 'statement' | 'access';
  status: string;
  connection: string;
  requester: { email: string; name: string; serviceAccount?: boolean };
  mode: string;
  statement: string | null;
  ruleId: string | null;
  ruleMessage: string | null;
  reason: string | null;
  minApprovals: number;
  approvals: number;
  votes: { user: string; decision: string; comment: string | null; via: string; at: string }[];
  durationMinutes: number | null;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decisionNote: string | null;
  executedAt: string | null;
  grantExpiresAt: string | null;
  url?: string;
}

const short = (s: string | null, n = 70) => (s ?? '').replace(/\s+/g, ' ').slice(0, n);
const time = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '');

function what(r: ReviewSummary): string {
  return r.kind === 'access' ? `access for ${r.durationMinutes ?? '?'} min` : short(r.statement);
}

/** `hoop reviews [--status S] [--connection C] [--mine]`: the review inbox in the terminal. */
export async function reviewsList(
  env: CliEnv,
  f: { status?: string; connection?: string; mine?: boolean; limit?: string },
  output: 'text' | 'json',
): Promise<number> {
  const config = await loadConfig(env);
  const q = new URLSearchParams({
    status: f.status ?? 'pending',
    ...(f.connection ? { connection: f.connection } : {}),
    ...(f.mine ? { mine: '1' } : {}),
    ...(f.limit ? { limit: f.limit } : {}),
  });
  const { reviews } = await api<{ reviews: ReviewSummary[] }>(config, `/api/reviews?${q}`);
  if (output === 'json') process.stdout.write(`${JSON.stringify(reviews, null, 2)}\n`);
  else if (reviews.length === 0) process.stdout.write(`no ${f.status && f.status !== 'all' ? `${f.status} ` : ''}reviews\n`);
  else {
    process.stdout.write(
      formatTable(
        ['id', 'created', 'status', 'requester', 'connection', 'rule', 'approvals', 'request'],
        reviews.map((r) => [
          r.id,
          time(r.createdAt),
          r.status,
          `${r.requester.email}${r.requester.serviceAccount ? ' (service)' : ''}`,
          r.connection,
          r.ruleId ?? '',
          `${r.approvals}/${r.minApprovals}`,
          what(r),
        ]),
      ),
    );
  }
  return EXIT.ok;
}

export async function reviewsGet(env: CliEnv, id: string, output: 'text' | 'json'): Promise<number> {
  const config = await loadConfig(env);
  const r = await api<ReviewSummary>(config, `/api/reviews/${encodeURIComponent(id)}`);
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(describe(r));
  return EXIT.ok;
}

function describe(r: ReviewSummary): string {
  const lines = [
    `review ${r.id}  ${r.status.toUpperCase()}${r.executedAt ? ` (ran ${time(r.executedAt)})` : ''}`,
    `  requested by ${r.requester.email}${r.requester.serviceAccount ? ' (service account: an AI agent)' : ''} on ` +
      `${r.connection} (${r.mode}) at ${time(r.createdAt)}`,
    ...(r.kind === 'access'
      ? [`  access for ${r.durationMinutes} minutes${r.grantExpiresAt ? `, until ${time(r.grantExpiresAt)}` : ''}`]
      : [`  statement: ${(r.statement ?? '').split('\n').join('\n    ')}`]),
    ...(r.ruleId ? [`  rule: ${r.ruleId}${r.ruleMessage ? ` — ${r.ruleMessage}` : ''}`] : []),
    `  reason: ${r.reason ?? '(none given)'}`,
    `  approvals: ${r.approvals} of ${r.minApprovals} needed${r.status === 'pending' ? `; expires ${time(r.expiresAt)}` : ''}`,
    ...r.votes.map(
      (v) => `    ${v.decision === 'approve' ? 'approved' : 'rejected'} by ${v.user} via ${v.via} at ${time(v.at)}${v.comment ? `: ${v.comment}` : ''}`,
    ),
    ...(r.url ? [`  ${r.url}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** `hoop reviews approve|reject|revoke ID [--comment TEXT]` */
export async function reviewsDecide(env: CliEnv, action: 'approve' | 'reject' | 'revoke', id: string, comment: string | undefined): Promise<number> {
  const config = await loadConfig(env);
  try {
    const r = await api<ReviewSummary & { decided?: boolean }>(config, `/api/reviews/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      body: comment ? { comment } : {},
    });
    if (action === 'approve' && r.status === 'pending')
      process.stdout.write(`approval recorded: ${r.approvals} of ${r.minApprovals} needed; review ${r.id} is still pending\n`);
    else process.stdout.write(`review ${r.id} ${r.status}\n`);
    return EXIT.ok;
  } catch (err) {
    // refused decisions (not an approver, own request, already decided) are policy answers
    if (err instanceof CliError && err.exitCode === EXIT.usage && !/does not exist/.test(err.message)) throw new CliError(EXIT.blocked, err.message);
    throw err;
  }
}

/** Polls a review until it is decided; resolves with it (any final status). */
export async function waitForDecision(config: CliConfig, id: string, onTick?: (r: ReviewSummary) => void): Promise<ReviewSummary> {
  for (;;) {
    const r = await api<ReviewSummary>(config, `/api/reviews/${encodeURIComponent(id)}`);
    if (r.status !== 'pending') return r;
    onTick?.(r);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

export function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\s*(m|min|minutes?|h|hours?)?$/i.exec(text.trim());
  if (!m) throw usage(`invalid duration "${text}"; use minutes (45, 45m) or hours (2h)`);
  const n = Number(m[1]);
  return /^h/i.test(m[2] ?? '') ? n * 60 : n;
}
