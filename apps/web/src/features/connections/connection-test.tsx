'use client';

import { useMutation } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import type { SVGProps } from 'react';
import { Command } from '~/components/ui/copy-button';
import { cx } from '~/components/ui/cx';
import { AlertIcon, CheckIcon, XIcon } from '~/components/ui/icons';
import { useTRPC } from '~/trpc/react';

type TestResult = inferOutput<ReturnType<typeof useTRPC>['connection']['test']>;
type Check = TestResult['checks'][number];
type Step = TestResult['target']['steps'][number];

const MARK: Record<Check['status'], { icon: typeof CheckIcon; tone: string; word: string }> = {
  pass: { icon: CheckIcon, tone: 'text-emerald-600', word: 'passed' },
  fail: { icon: XIcon, tone: 'text-red-600', word: 'failed' },
  warn: { icon: AlertIcon, tone: 'text-amber-600', word: 'warning' },
  info: { icon: InfoDot, tone: 'text-slate-400', word: 'not checked' },
};

const STEP_MARK: Record<Step['status'], { icon: typeof CheckIcon; tone: string; word: string }> = {
  pass: MARK.pass,
  fail: MARK.fail,
  warn: MARK.warn,
  skip: { icon: InfoDot, tone: 'text-slate-400', word: 'skipped' },
};

function InfoDot(p: SVGProps<SVGSVGElement>) {
  return (
    <svg viewBox="0 0 24 24" width={16} height={16} fill="none" stroke="currentColor" strokeWidth={1.75} aria-hidden {...p}>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M12 11v5M12 8h.01" strokeLinecap="round" />
    </svg>
  );
}

/** What the agent did to reach the target, step by step, with how long each took. */
function TargetSteps({ target }: { target: TestResult['target'] }) {
  return (
    <div
      className="mt-1.5 rounded-md border border-slate-200 px-2.5 py-2"
      data-testid="connection-target"
      data-state={target.state}
      data-code={target.code ?? ''}
    >
      <ol className="space-y-1">
        {target.steps.map((s, i) => {
          const m = STEP_MARK[s.status];
          const Icon = m.icon;
          return (
            <li
              key={`${s.id}-${i}`}
              className="flex items-start gap-2 text-[12px]"
              data-testid="connection-target-step"
              data-step={s.id}
              data-status={s.status}
            >
              <Icon width={13} height={13} className={cx('mt-0.5 shrink-0', m.tone)} />
              <div className="min-w-0 flex-1 [overflow-wrap:anywhere]">
                <span className="font-medium text-slate-800">{s.label}</span>
                <span className="sr-only"> ({m.word})</span>
                <span className="text-slate-600"> — {s.detail}</span>
              </div>
              {s.ms !== undefined && <span className="shrink-0 tabular-nums text-slate-400">{s.ms} ms</span>}
            </li>
          );
        })}
      </ol>
      <p className="mt-1.5 text-[11px] text-slate-500">
        {[
          target.serverVersion,
          target.latencyMs !== null ? `${target.latencyMs} ms on the agent` : null,
          `${target.ms} ms in all`,
          target.gateway ? `through gateway ${target.gateway}` : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
    </div>
  );
}

/** What the Test button checked, one line per check (the target one with the agent's steps), and what it did not. */
export function TestReport({ result }: { result: TestResult }) {
  return (
    <div data-testid="connection-test-result" data-ready={result.ready} className="space-y-3">
      <p className={cx('text-[13px] font-medium', result.ready ? 'text-emerald-800' : 'text-red-800')}>
        {result.ready
          ? `Ready: the agent reached the target of ${result.connection}; it can be asked for a session.`
          : `Not ready: fix what failed below before anyone can use ${result.connection}.`}
      </p>
      <ul className="space-y-2">
        {result.checks.map((c) => {
          const m = MARK[c.status];
          const Icon = m.icon;
          return (
            <li key={c.id} className="flex items-start gap-2.5 text-[13px]" data-testid="connection-check" data-check={c.id} data-status={c.status}>
              <Icon width={15} height={15} className={cx('mt-0.5 shrink-0', m.tone)} />
              <div className="min-w-0 [overflow-wrap:anywhere]">
                <span className="font-medium text-slate-900">{c.label}</span>
                <span className="sr-only"> ({m.word})</span>
                <span className="text-slate-600"> — {c.detail}</span>
                {c.id === 'target' && result.target.steps.length > 0 && <TargetSteps target={result.target} />}
              </div>
            </li>
          );
        })}
      </ul>
      <div
        className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-[12px] text-slate-600 [overflow-wrap:anywhere]"
        data-testid="connection-not-checked"
      >
        <p>{result.notChecked}</p>
        <div className="mt-1.5">
          <Command text={result.tryCommand} />
        </div>
      </div>
    </div>
  );
}

/** The Test button and its report, for one saved connection (the agent's test of the target takes up to ~15 s). */
export function useConnectionTest() {
  const trpc = useTRPC();
  return useMutation(trpc.connection.test.mutationOptions());
}
