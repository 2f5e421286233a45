'use client';

import { cx } from '~/components/ui/cx';
import { INPUT, SECONDARY, SMALL_DANGER } from '~/features/integrations/form-bits';
import { ActionSelect, NumberInput, PField, Problem, Section, Sub } from '../form-controls';
import { type Action, issueAt, issuesUnder, numberOrText, type Path } from '../policy-draft';
import { settingFor } from './builtin-table';
import { type MatchList, type RuleBase, RuleList } from './custom-rules';
import type { SectionProps } from './section-props';

const BASE: Path = ['http'];

/** What a body condition tests, one per row (a document may hold more on one condition; the row shows the first). */
type Test = 'above' | 'below' | 'equals' | 'present' | 'absent';
const TESTS: { value: Test; label: string }[] = [
  { value: 'above', label: 'is above' },
  { value: 'below', label: 'is below' },
  { value: 'equals', label: 'equals' },
  { value: 'present', label: 'is present' },
  { value: 'absent', label: 'is absent' },
];

interface Condition {
  field: string;
  present?: boolean;
  equals?: unknown;
  above?: unknown;
  below?: unknown;
}

function testOf(c: Condition): Test {
  if (c.present === true) return 'present';
  if (c.present === false) return 'absent';
  if (c.equals !== undefined) return 'equals';
  if (c.below !== undefined && c.above === undefined) return 'below';
  return 'above';
}

function valueText(c: Condition, t: Test): string {
  const v = t === 'equals' ? c.equals : t === 'above' ? c.above : t === 'below' ? c.below : undefined;
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** `equals` takes JSON (a number, true, null, ["a","b"]) or plain text as a string. */
function equalsValue(text: string): unknown {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? text : v;
  } catch {
    return text;
  }
}

function conditionFor(field: string, t: Test, text: string): Condition {
  if (t === 'present' || t === 'absent') return { field, present: t === 'present' };
  if (t === 'equals') return { field, equals: equalsValue(text) };
  return { field, [t]: text.trim() === '' ? '' : numberOrText(text) };
}

const LISTS: MatchList[] = [
  {
    field: 'methods',
    label: 'Methods',
    hint: 'GET also covers HEAD; none or *: any method. A method override header is judged as the method it names.',
    adds: 'a method',
    placeholder: 'POST',
    normalize: (m) => m.toUpperCase(),
  },
  {
    field: 'paths',
    label: 'Paths',
    hint: 'Globs, without regard to case: * within one segment, ** across segments (/admin/**). None: any path.',
    adds: 'a path',
    placeholder: '/v1/refunds/*',
  },
];

/** The JSON body conditions of one rule: all must hold (a body that is not JSON holds none). */
function BodyConditions({
  at,
  n,
  conditions,
  set,
  issues,
}: {
  at: Path;
  n: number;
  conditions: Condition[];
  set: SectionProps['set'];
  issues: SectionProps['issues'];
}) {
  const base = [...at, 'body'];
  const put = (i: number, c: Condition) =>
    set(
      base,
      conditions.map((x, j) => (j === i ? c : x)),
    );
  return (
    <div className="space-y-2 md:col-span-2" data-testid="http-body-conditions">
      <div className="text-[12.5px] font-medium text-slate-700">JSON body</div>
      {conditions.map((c, i) => {
        const t = testOf(c);
        const problem = issueAt(issues, [...base, i]) ?? issuesUnder(issues, [...base, i])[0]?.message;
        const id = `${base.join('-')}-${i}`;
        return (
          <div key={i} data-testid="http-body-condition">
            <div className="grid items-center gap-2 sm:grid-cols-[minmax(0,1fr)_9rem_minmax(0,1fr)_auto]">
              <input
                id={`${id}-field`}
                aria-label={`Rule ${n} condition ${i + 1} field`}
                value={c.field}
                onChange={(e) => put(i, { ...conditionFor(e.target.value, t, valueText(c, t)) })}
                placeholder="amount, customer.email, items.*.price"
                spellCheck={false}
                aria-invalid={Boolean(problem)}
                className={cx(INPUT, 'font-mono')}
              />
              <select
                aria-label={`Rule ${n} condition ${i + 1} test`}
                value={t}
                onChange={(e) => put(i, conditionFor(c.field, e.target.value as Test, valueText(c, t)))}
                className={cx(INPUT, 'h-9 py-0')}
              >
                {TESTS.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
              {t === 'present' || t === 'absent' ? (
                <span />
              ) : (
                <input
                  aria-label={`Rule ${n} condition ${i + 1} value`}
                  value={valueText(c, t)}
                  onChange={(e) => put(i, conditionFor(c.field, t, e.target.value))}
                  placeholder={t === 'equals' ? 'refund, 42, true, ["a","b"]' : '1000'}
                  spellCheck={false}
                  aria-invalid={Boolean(problem)}
                  className={cx(INPUT, 'font-mono')}
                />
              )}
              <button
                type="button"
                className={SMALL_DANGER}
                aria-label={`Remove condition ${i + 1} of rule ${n}`}
                onClick={() => {
                  const rest = conditions.filter((_, j) => j !== i);
                  set(base, rest.length > 0 ? rest : undefined);
                }}
              >
                Remove
              </button>
            </div>
            <Problem message={problem} />
          </div>
        );
      })}
      <button type="button" className={SECONDARY} onClick={() => set(base, [...conditions, { field: '', above: '' }])}>
        Add a body condition
      </button>
    </div>
  );
}

/**
 * Guardrails for http connections: the built-in rule that holds every DELETE for review, the policy's own rules on
 * method, path globs and JSON body fields (checked in order first; the first that matches decides), and the largest
 * body read whole to judge them.
 */
export function HttpSection({ d, set, issues }: SectionProps) {
  const h = (d.http ?? {}) as { builtins?: Record<string, { enabled?: boolean; action?: Action }>; rules?: unknown[]; maxJudgedBody?: unknown };
  const rules = (h.rules ?? []) as RuleBase[];
  const del = h.builtins?.['http-delete'] ?? {};
  const delOn = del.enabled !== false;
  const setDelete = (enabled: boolean, action: Action | undefined) => set([...BASE, 'builtins', 'http-delete'], settingFor(enabled, action, 'review'));
  const under = issuesUnder(issues, [...BASE, 'rules']);
  return (
    <Section
      id="http"
      title="HTTP APIs"
      description={
        'For http connections: each request is judged on its method, its path as the API reads it and fields of its JSON body ' +
        'before anything reaches the API. A read-only connection lets only GET, HEAD and OPTIONS through.'
      }
      issues={issuesUnder(issues, BASE)}
    >
      <Sub title="Built-in rule" />
      <div className="flex flex-wrap items-center gap-3 rounded-md border border-slate-200 px-3 py-2" data-testid="http-builtin" data-on={delOn}>
        <code className={cx('font-mono text-[12px]', delOn ? 'text-slate-900' : 'text-slate-400 line-through')}>http-delete</code>
        <span className="flex-1 text-[12.5px] text-slate-600">DELETE requests, and a method override naming DELETE</span>
        <label className="flex items-center gap-1.5 text-[12.5px] text-slate-600">
          <input type="checkbox" checked={delOn} onChange={(e) => setDelete(e.target.checked, del.action)} aria-label="http-delete on" />
          on
        </label>
        {delOn && <ActionSelect label="http-delete action" value={del.action} defaultAction="review" onChange={(a) => setDelete(true, a)} />}
      </div>
      <RuleList
        title="Rules"
        intro={
          'Checked in order before the built-in rule; the first that matches a request decides for it. ' +
          'A rule matches on methods, paths and body fields together.'
        }
        addLabel="Add HTTP rule"
        empty="No HTTP rules: every request but DELETE is allowed."
        ruleWord="HTTP rule"
        base={[...BASE, 'rules']}
        rules={rules}
        lists={LISTS}
        withHint={false}
        newRule={{ id: `http-rule-${rules.length + 1}`, action: 'deny', match: {} }}
        last={(at, n) => (
          <BodyConditions
            at={at}
            n={n}
            conditions={((rules[n - 1]?.match as { body?: Condition[] } | undefined)?.body ?? []) as Condition[]}
            set={set}
            issues={issues}
          />
        )}
        footer={under.length > 0 && rules.length === 0 && <Problem message={under[0]?.message} />}
        set={set}
        issues={issues}
      />
      <PField
        label="Largest body judged"
        htmlFor="http-max-judged-body"
        problem={issueAt(issues, [...BASE, 'maxJudgedBody'])}
        hint="Where a rule reads the body, a larger one is refused (413). Empty: 1 MiB."
      >
        <NumberInput
          id="http-max-judged-body"
          value={h.maxJudgedBody}
          onChange={(t) => set([...BASE, 'maxJudgedBody'], t.trim() ? numberOrText(t) : undefined)}
          suffix="bytes"
          invalid={Boolean(issueAt(issues, [...BASE, 'maxJudgedBody']))}
        />
      </PField>
    </Section>
  );
}
