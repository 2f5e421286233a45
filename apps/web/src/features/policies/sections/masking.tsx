'use client';

import { CONTROL } from '~/components/ui/control';
import { cx } from '~/components/ui/cx';
import { ListInput } from '~/components/ui/list-input';
import { Switch } from '~/components/ui/switch';
import { INPUT } from '~/features/integrations/form-bits';
import { PField, Section, Sub } from '../form-controls';
import { issueAt, issuesUnder } from '../policy-draft';
import type { SectionProps } from './section-props';

const STYLE_HINT: Record<string, string> = { redact: '[EMAIL]', partial: '****4242', hash: '[EMAIL:3f9a1c2b]', null: 'NULL' };

/** Masking: on by default; the style per PII type, types not to detect, and columns the owner declares safe. */
export function MaskingSection({ d, set, issues, catalog }: SectionProps) {
  const m = d.masking ?? { enabled: true, defaultStyle: 'redact', styles: {}, allowColumns: [], disabledTypes: [] };
  const disabled = new Set<string>(m.disabledTypes ?? []);
  const styles = (m.styles ?? {}) as Record<string, string | undefined>;
  return (
    <Section
      id="masking"
      title="Masking"
      description={
        'Result rows and terminal output are masked value by value on the agent, before they leave your network; ' +
        'the audit trail only ever holds masked data.'
      }
      issues={issuesUnder(issues, ['masking'])}
    >
      <div className="rounded-md border border-slate-200 px-3">
        <Switch
          label="Mask personal data"
          description="Turn off only for connections that hold no personal or secret data."
          checked={m.enabled !== false}
          onChange={(v) => set(['masking', 'enabled'], v)}
        />
      </div>
      <PField
        label="Default style"
        htmlFor="mask-default-style"
        problem={issueAt(issues, ['masking', 'defaultStyle'])}
        hint="How a detected value is replaced, unless its type says otherwise below."
      >
        <select
          id="mask-default-style"
          value={m.defaultStyle ?? 'redact'}
          onChange={(e) => set(['masking', 'defaultStyle'], e.target.value)}
          className={cx(INPUT, 'max-w-xs')}
        >
          {catalog.maskStyles.map((s) => (
            <option key={s} value={s}>
              {s} — {STYLE_HINT[s] ?? s}
            </option>
          ))}
        </select>
      </PField>
      <div>
        <Sub title="By type">Untick a type to stop detecting it; give a type its own style.</Sub>
        <div className="mt-2 grid gap-x-6 gap-y-1 sm:grid-cols-2" role="group" aria-label="PII types">
          {catalog.piiTypes.map((t) => {
            const on = !disabled.has(t);
            return (
              <div
                key={t}
                className="flex items-center justify-between gap-3 border-b border-slate-100 py-1.5"
                data-testid="pii-type"
                data-type={t}
                data-on={on}
              >
                <label className="inline-flex items-center gap-2 text-[13px] text-slate-800">
                  <input
                    type="checkbox"
                    checked={on}
                    onChange={(e) => set(['masking', 'disabledTypes'], e.target.checked ? [...disabled].filter((x) => x !== t) : [...disabled, t])}
                    className="h-4 w-4 rounded border-slate-300 accent-slate-900"
                  />
                  <code className="font-mono text-[12px]">{t}</code>
                </label>
                <select
                  aria-label={`${t} style`}
                  value={styles[t] ?? ''}
                  disabled={!on}
                  onChange={(e) => set(['masking', 'styles', t], e.target.value || undefined)}
                  className={cx(CONTROL, 'block h-7 w-40 py-0 pl-2 text-[12px]')}
                >
                  <option value="">default ({m.defaultStyle ?? 'redact'})</option>
                  {catalog.maskStyles.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </div>
            );
          })}
        </div>
      </div>
      <PField
        label="Columns declared safe"
        htmlFor="mask-allow"
        problem={issueAt(issues, ['masking', 'allowColumns'])}
        hint="Never masked: column names or globs (order_id, *_status). Only for data the owner knows holds nothing personal."
      >
        <ListInput
          id="mask-allow"
          label="Add a column"
          values={m.allowColumns ?? []}
          onChange={(v) => set(['masking', 'allowColumns'], v)}
          placeholder="order_id"
          mono
        />
      </PField>
    </Section>
  );
}
