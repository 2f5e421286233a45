'use client';

import Link from 'next/link';
import { Badge } from '~/components/ui/badge';
import { cx } from '~/components/ui/cx';
import { type Guard, prettyJson, type ToolCall, toolSummary } from './conversation-types';

type Tone = 'green' | 'red' | 'amber' | 'blue' | 'neutral';

/** What the guard decided on a tool call, in words: passed, blocked by a rule, or held and how the review ended. */
export function guardLabel(g: Guard): { label: string; tone: Tone; title: string; refused: boolean } {
  const rule = g.rule ? ` by ${g.rule}` : '';
  if (g.verdict === 'deny' || g.outcome === 'blocked')
    return { label: `Blocked${rule}`, tone: 'red', title: 'Refused by a guardrail: Claude Code never received the call, so it never ran', refused: true };
  if (g.verdict === 'review') {
    const held = `Held${g.rule ? ` (${g.rule})` : ''}`;
    if (g.outcome === 'approved')
      return { label: `${held} → approved`, tone: 'blue', title: 'Held until a reviewer approved it, then released', refused: false };
    if (g.outcome === 'rejected' || g.outcome === 'expired')
      return { label: `${held} → ${g.outcome}`, tone: 'red', title: `Held for review, then ${g.outcome}: the call was replaced by a refusal`, refused: true };
    return { label: `${held} for review`, tone: 'amber', title: 'Held until a reviewer decides', refused: false };
  }
  return { label: 'Passed', tone: 'green', title: 'Judged by the guard and passed to Claude Code', refused: false };
}

export function GuardBadge({ g }: { g: Guard }) {
  const l = guardLabel(g);
  return (
    <Badge tone={l.tone} title={l.title}>
      <span data-testid="guard-decision" data-verdict={g.verdict} data-outcome={g.outcome ?? ''}>
        {l.label}
      </span>
    </Badge>
  );
}

function ReviewLink({ g }: { g: Guard }) {
  if (!g.reviewId) return null;
  const r = g.review;
  const who = r?.approvals.map((a) => a.name || a.email).join(', ') || r?.decidedBy?.name || r?.decidedBy?.email;
  return (
    <span className="text-[12px] text-slate-500" data-testid="tool-review">
      {r && r.status !== 'pending' && who ? `${r.status === 'approved' ? 'approved' : r.status} by ${who} · ` : ''}
      <Link href={`/reviews/${g.reviewId}`} className="font-mono underline underline-offset-2 hover:text-slate-900">
        review {g.reviewId.slice(0, 8)}
      </Link>
    </span>
  );
}

const INPUT =
  'mt-1 max-h-64 overflow-auto rounded bg-white px-2 py-1 font-mono text-[12px] whitespace-pre-wrap break-words text-slate-700 ring-1 ring-slate-200';

/** One tool call the model made: the tool, what it asks (a command, a path), its full input, the guard's decision. */
export function ToolCallView({ t }: { t: ToolCall }) {
  const summary = toolSummary(t.name, t.input);
  const pretty = prettyJson(t.input);
  const refused = t.guard ? guardLabel(t.guard).refused : false;
  return (
    <div
      className={cx('rounded-md border px-2.5 py-2', refused ? 'border-red-200 bg-red-50/50' : 'border-slate-200 bg-slate-50/60')}
      data-testid="tool-call"
      data-tool={t.name}
      data-outcome={t.guard?.outcome ?? ''}
    >
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <span className="rounded bg-slate-800 px-1.5 py-px font-mono text-[11px] font-medium text-white">{t.name}</span>
        {t.guard ? (
          <GuardBadge g={t.guard} />
        ) : (
          <span className="text-[11px] text-slate-400" title="No guardrail judges this tool: Claude Code received the call as the model wrote it">
            not judged
          </span>
        )}
        {t.guard && <ReviewLink g={t.guard} />}
        <span className="ml-auto font-mono text-[11px] text-slate-400">{t.id}</span>
      </div>
      <pre
        className={cx(
          'mt-1.5 overflow-x-auto font-mono text-[12.5px] whitespace-pre-wrap break-all',
          refused ? 'text-red-900 line-through decoration-red-300' : 'text-slate-900',
        )}
        data-testid="tool-call-summary"
      >
        {summary}
      </pre>
      {t.guard?.reason && <p className="mt-1 text-[12px] text-red-800">{t.guard.reason}</p>}
      {pretty !== summary && pretty.trim() !== '{}' && (
        <details className="mt-1">
          <summary className="cursor-pointer text-[11px] text-slate-500 select-none hover:text-slate-800">Input</summary>
          <pre className={INPUT}>{pretty}</pre>
        </details>
      )}
    </div>
  );
}
