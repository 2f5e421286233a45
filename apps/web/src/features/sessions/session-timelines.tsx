'use client';

import { Card } from '~/components/ui/card';
import { cx } from '~/components/ui/cx';
import { DecisionBadge } from './session-bits';
import { type Entry, EventLine, Gutter, type Session, StatementCard, type StatementEntry } from './timeline-bits';

const isStatement = (e: Entry): e is StatementEntry => e.kind === 'statement';

/**
 * A SQL session statement by statement (an http session request by request), with the review steps and lifecycle
 * events between them.
 */
export function SqlTimeline({ s, noun = 'statement', testId = 'sql-timeline' }: { s: Session; noun?: string; testId?: string }) {
  // a request held for review is recorded when held and when it ends: the second says it all
  const timeline = noun === 'request' ? s.timeline.filter((e) => !(isStatement(e) && e.held && !e.http)) : s.timeline;
  const refused = timeline.filter((e) => isStatement(e) && e.decision === 'deny').length;
  return (
    <Card
      title="Timeline"
      testId={testId}
      action={
        <span className="text-[12px] text-slate-500">
          {s.statements} {noun}
          {s.statements === 1 ? '' : 's'}
          {refused > 0 && (
            <>
              {' '}
              · <span className="font-medium text-red-700">{refused} refused</span>
            </>
          )}
        </span>
      }
    >
      {timeline.length === 0 ? (
        <p className="text-[13px] text-slate-500">Nothing was recorded in this session{s.status === 'open' ? ' yet' : ''}.</p>
      ) : (
        <ol className="space-y-2">
          {timeline.map((e) => (
            <li key={e.seq} className={cx('grid grid-cols-[4.25rem_minmax(0,1fr)] gap-3', !isStatement(e) && 'items-baseline')}>
              <Gutter at={e.at} start={s.startedAt} seq={e.seq} />
              {isStatement(e) ? <StatementCard e={e} /> : <EventLine e={e} />}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

/** Beside the player: each command line with its decision, the files moved and how the session ended. */
export function TerminalCommands({ s }: { s: Session }) {
  const commands = s.timeline.filter(isStatement);
  const files = s.timeline.filter((e) => e.kind === 'file');
  const exits = s.timeline.filter((e) => e.kind === 'exit');
  return (
    <>
      <Card title={`Commands (${commands.length})`} testId="terminal-commands" flush>
        {commands.length === 0 ? (
          <p className="px-4 py-3 text-[13px] text-slate-500">No command was run{s.status === 'open' ? ' yet' : ''}.</p>
        ) : (
          <ol className="divide-y divide-slate-100">
            {commands.map((c) => (
              <li key={c.seq} className="px-4 py-2.5" data-testid="terminal-command" data-decision={c.decision}>
                <div className="flex flex-wrap items-center gap-1.5">
                  <DecisionBadge decision={c.decision} />
                  {c.ruleId && (
                    <span className="rounded bg-red-50 px-1.5 py-px font-mono text-[11px] text-red-800 ring-1 ring-inset ring-red-200">{c.ruleId}</span>
                  )}
                  <span className="ml-auto font-mono text-[11px] text-slate-400" title="Time since the session started">
                    {((c.at.getTime() - s.startedAt.getTime()) / 1000).toFixed(1)} s
                  </span>
                </div>
                <pre
                  className={cx(
                    'mt-1.5 overflow-x-auto font-mono text-[12px] whitespace-pre-wrap break-all',
                    c.decision === 'deny' ? 'text-red-900 line-through decoration-red-300' : 'text-slate-800',
                  )}
                >
                  $ {c.text}
                </pre>
                {c.reason && c.decision !== 'allow' && <p className="mt-1 text-[12px] text-red-800">{c.reason}</p>}
              </li>
            ))}
          </ol>
        )}
      </Card>
      <Card title="Files and exit" testId="terminal-outcome">
        <div className="space-y-1">
          {files.length === 0 && exits.length === 0 && (
            <p className="text-[13px] text-slate-500">No file transfer and no exit status recorded{s.status === 'open' ? ' yet' : ''}.</p>
          )}
          {[...files, ...exits].map((e) => (
            <EventLine key={e.seq} e={e} />
          ))}
        </div>
      </Card>
    </>
  );
}

/** Under the player: everything else that happened, in order (opening, reviews, errors, closing). */
export function TerminalEvents({ s }: { s: Session }) {
  const events = s.timeline.filter((e) => e.kind === 'event' || e.kind === 'review');
  if (events.length === 0) return null;
  return (
    <Card title="Session events" testId="terminal-events">
      <ol className="space-y-1">
        {events.map((e) => (
          <li key={e.seq} className="grid grid-cols-[4.25rem_minmax(0,1fr)] items-baseline gap-3">
            <Gutter at={e.at} start={s.startedAt} seq={e.seq} />
            {!isStatement(e) && <EventLine e={e} />}
          </li>
        ))}
      </ol>
    </Card>
  );
}
