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

const MARK: Record<Check['status'], { icon: typeof CheckIcon; tone: string; word: string }> = {
  pass: { icon: CheckIcon, tone: 'text-emerald-600', word: 'passed' },
  fail: { icon: XIcon, tone: 'text-red-600', word: 'failed' },
  warn: { icon: AlertIcon, tone: 'text-amber-600', word: 'warning' },
  info: { icon: InfoDot, tone: 'text-slate-400', word: 'not checked' },
};

function InfoDot(p: SVGProps<SVGSVGElement>) {
  return (
    <svg viewBox="0 0 24 24" width={16} height={16} fill="none" stroke="currentColor" strokeWidth={1.75} aria-hidden {...p}>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M12 11v5M12 8h.01" strokeLinecap="round" />
    </svg>
  );
}

/** What the Test button checked, one line per check, and what it did not (no session is opened). */
export function TestReport({ result }: { result: TestResult }) {
  return (
    <div data-testid="connection-test-result" data-ready={result.ready} className="space-y-3">
      <p className={cx('text-[13px] font-medium', result.ready ? 'text-emerald-800' : 'text-red-800')}>
        {result.ready ? `Ready: ${result.connection} can be asked for a session.` : `Not ready: fix what failed below before anyone can use ${result.connection}.`}
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
              </div>
            </li>
          );
        })}
      </ul>
      <div className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-[12px] text-slate-600 [overflow-wrap:anywhere]" data-testid="connection-not-checked">
        <p>{result.notChecked}</p>
        <div className="mt-1.5"><Command text={result.tryCommand} /></div>
      </div>
    </div>
  );
}

/** The Test button and its report, for one saved connection. */
export function useConnectionTest() {
  const trpc = useTRPC();
  return useMutation(trpc.connection.test.mutationOptions());
}
