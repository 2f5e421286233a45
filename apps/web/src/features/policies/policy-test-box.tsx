'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Card } from '~/components/ui/card';
import { CONTROL } from '~/components/ui/control';
import { cx } from '~/components/ui/cx';
import { INPUT, PRIMARY } from '~/features/integrations/form-bits';
import { useTRPC } from '~/trpc/react';
import { ActionBadge } from './form-controls';

const VERDICT = {
  allow: { text: 'Allowed', tone: 'border-emerald-200 bg-emerald-50 text-emerald-900' },
  review: { text: 'Held for review', tone: 'border-amber-200 bg-amber-50 text-amber-900' },
  deny: { text: 'Blocked', tone: 'border-red-200 bg-red-50 text-red-900' },
} as const;

/**
 * What the agents would decide for a statement or command under the policy as edited (like `hoop policy test`):
 * per statement or command, the decision, the rule that fired and its message. Nothing runs.
 */
export function PolicyTestBox({ document, label, disabledReason }: { document: unknown; label: string; disabledReason: string | null }) {
  const trpc = useTRPC();
  const connections = useQuery(trpc.connection.list.queryOptions({ pageSize: 200 }));
  const [target, setTarget] = useState('sql');
  const [readOnly, setReadOnly] = useState(false);
  const [input, setInput] = useState('');
  const test = useMutation(trpc.policy.test.mutationOptions());
  const connection = target.startsWith('conn:') ? connections.data?.items.find((c) => c.id === target.slice(5)) : undefined;
  const shell = target === 'shell' || (connection && connection.type !== 'postgres' && connection.type !== 'mysql');

  const run = (e?: FormEvent) => {
    e?.preventDefault();
    if (disabledReason) return;
    test.mutate({ document, input, ...(connection ? { connectionId: connection.id } : { guard: target === 'shell' ? 'shell' : 'sql', readOnly }) });
  };
  const r = test.data;

  return (
    <Card title="Test a statement" testId="policy-test-box">
      <form onSubmit={run} className="space-y-3" aria-label="Test a statement or command">
        <p className="text-[12px] text-slate-500">{label}</p>
        <div className="flex flex-wrap items-center gap-2">
          <select aria-label="Judge as" value={target} onChange={(e) => setTarget(e.target.value)} className={cx(CONTROL, 'block h-8 min-w-0 flex-1 py-0')}>
            <optgroup label="Type">
              <option value="sql">SQL (PostgreSQL)</option>
              <option value="shell">Shell command</option>
            </optgroup>
            {connections.data && connections.data.items.length > 0 && (
              <optgroup label="As on a connection">
                {connections.data.items.map((c) => (
                  <option key={c.id} value={`conn:${c.id}`}>
                    {c.name} ({c.type}
                    {c.readOnly ? ', read-only' : ''})
                  </option>
                ))}
              </optgroup>
            )}
          </select>
          {target === 'sql' && (
            <label className="inline-flex items-center gap-1.5 text-[12px] text-slate-600">
              <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} className="h-3.5 w-3.5 accent-slate-900" />
              read-only
            </label>
          )}
        </div>
        <textarea
          aria-label={shell ? 'Shell command to test' : 'SQL to test'}
          data-testid="policy-test-input"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) run();
          }}
          rows={4}
          spellCheck={false}
          placeholder={shell ? 'rm -rf /var/lib/app' : 'DELETE FROM customers'}
          className={cx(INPUT, 'h-auto py-2 font-mono text-[12px]')}
        />
        <div className="flex items-center gap-2">
          <button type="submit" className={PRIMARY} disabled={test.isPending || Boolean(disabledReason) || !input.trim()}>
            {test.isPending ? 'Testing…' : 'Test'}
          </button>
          <span className="text-[11px] text-slate-400">{disabledReason ?? 'Ctrl+Enter; nothing runs anywhere.'}</span>
        </div>
      </form>
      {test.error && (
        <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-[12.5px] text-red-800">
          {test.error.message}
        </p>
      )}
      {r && !test.error && (
        <div className="mt-4 space-y-2.5" data-testid="policy-test-result" data-action={r.action} data-rule={r.ruleId ?? ''}>
          <div className={cx('rounded-md border px-3 py-2 text-[13px]', VERDICT[r.action].tone)}>
            <span className="font-semibold">{VERDICT[r.action].text}</span>
            {r.ruleId && (
              <>
                {' '}
                by <code className="font-mono text-[12px] font-semibold">{r.ruleId}</code>
              </>
            )}
            <span className="block text-[11.5px] opacity-80">
              judged as {r.guard === 'sql' ? 'SQL' : 'shell'}
              {r.connection ? ` on ${r.connection}` : ''}
              {r.readOnly ? ', read-only' : ''}; {r.items.length} {r.guard === 'sql' ? 'statement' : 'command'}
              {r.items.length === 1 ? '' : 's'}
            </span>
          </div>
          <ol className="space-y-2">
            {r.items.map((it, i) => (
              <li
                key={i}
                className="rounded-md border border-slate-200 px-3 py-2"
                data-testid="policy-test-item"
                data-action={it.action}
                data-rule={it.ruleId ?? ''}
              >
                <div className="flex min-w-0 items-center gap-2">
                  <span className="text-[11px] tabular-nums text-slate-400">{i + 1}</span>
                  <ActionBadge action={it.action} />
                  {it.ruleId && <code className="truncate font-mono text-[11.5px] text-slate-700">{it.ruleId}</code>}
                </div>
                <code className="mt-1 block truncate font-mono text-[12px] text-slate-800" title={it.text}>
                  {it.text}
                </code>
                <span className="block truncate font-mono text-[11px] text-slate-400">{it.what}</span>
                {it.message && <p className="mt-1 text-[12px] text-slate-600">{it.message}</p>}
                {it.hint && <p className="text-[11.5px] text-slate-400">hint: {it.hint}</p>}
              </li>
            ))}
          </ol>
        </div>
      )}
    </Card>
  );
}
