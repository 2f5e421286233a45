'use client';

import { cx } from '~/components/ui/cx';
import { ActionSelect } from '../form-controls';
import type { Action, Path } from '../policy-draft';
import type { SectionProps } from './section-props';

export type Setting = { enabled?: boolean; action?: Action } | undefined;

/** The setting to store: nothing when the rule is on with its default action. */
export function settingFor(enabled: boolean, action: Action | undefined, fallback: Action): Setting {
  const out: { enabled?: boolean; action?: Action } = {};
  if (!enabled) out.enabled = false;
  if (action && action !== fallback) out.action = action;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Built-in rules, each switched on or off and given an action (nothing stored for one on with its default action). */
export function BuiltinTable({
  rules,
  settings,
  base,
  set,
  label,
}: {
  rules: { id: string; action: Action; description: string }[];
  settings: Record<string, Setting>;
  base: Path;
  set: SectionProps['set'];
  label: string;
}) {
  return (
    <div className="overflow-hidden rounded-md border border-slate-200">
      <table className="w-full text-left text-[13px]" aria-label={label}>
        <thead>
          <tr className="border-b border-slate-200 bg-slate-50/80 text-[11px] font-semibold uppercase tracking-wider text-slate-500">
            <th scope="col" className="px-3 py-2">
              Rule
            </th>
            <th scope="col" className="px-3 py-2">
              Stops
            </th>
            <th scope="col" className="w-px px-3 py-2">
              On
            </th>
            <th scope="col" className="w-px px-3 py-2">
              Action
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rules.map((r) => {
            const s = settings[r.id];
            const on = s?.enabled !== false;
            const action = s?.action;
            return (
              <tr key={r.id} data-testid="builtin-rule" data-rule={r.id} data-on={on} data-action={action ?? r.action} className={cx(!on && 'bg-slate-50/70')}>
                <td className="px-3 py-1.5 align-middle whitespace-nowrap">
                  <code className={cx('font-mono text-[12px]', on ? 'text-slate-900' : 'text-slate-400 line-through')}>{r.id}</code>
                </td>
                <td className={cx('px-3 py-1.5 align-middle text-[12.5px]', on ? 'text-slate-600' : 'text-slate-400')}>{r.description}</td>
                <td className="px-3 py-1.5 align-middle">
                  <button
                    type="button"
                    role="switch"
                    aria-checked={on}
                    aria-label={`${r.id} on`}
                    onClick={() => set([...base, r.id], settingFor(!on, action, r.action))}
                    className={cx(
                      'relative inline-flex h-5 w-9 shrink-0 items-center rounded-full transition-colors disabled:cursor-not-allowed disabled:opacity-50',
                      on ? 'bg-emerald-600' : 'bg-slate-300',
                    )}
                  >
                    <span
                      className={cx('inline-block h-4 w-4 rounded-full bg-white shadow-sm transition-transform', on ? 'translate-x-[18px]' : 'translate-x-0.5')}
                    />
                  </button>
                </td>
                <td className="px-3 py-1.5 align-middle">
                  {on ? (
                    <ActionSelect
                      label={`${r.id} action`}
                      value={action}
                      defaultAction={r.action}
                      onChange={(a) => set([...base, r.id], settingFor(on, a, r.action))}
                    />
                  ) : (
                    <span className="text-[12px] text-slate-400">off</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
