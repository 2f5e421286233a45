'use client';

import { ListInput } from '~/components/ui/list-input';
import { Switch } from '~/components/ui/switch';
import { INPUT, SECONDARY } from '~/features/integrations/form-bits';
import { ActionSelect, ListField, NumberInput, PField, Section, Sub } from '../form-controls';
import { type Action, issueAt, issuesUnder, numberOrText, type Path } from '../policy-draft';
import { orBlank, type SectionProps } from './section-props';

const BASE = ['claude'];
const at = (...p: Path): Path => [...BASE, ...p];

interface ToolRuleDraft {
  tools: string[];
  action: Action;
  message?: string;
}

/**
 * Claude Code's model API traffic through an anthropic connection: what is masked before the model reads it, which
 * tool calls are judged before Claude Code runs them, and the limits on models and tokens. A policy that sets nothing
 * here gets the defaults the catalog gives, shown as they apply.
 */
export function ClaudeSection({ d, set, issues, catalog }: SectionProps) {
  const defaults = catalog.claude;
  const c = (d.claude ?? {}) as Partial<NonNullable<typeof d.claude>>;
  const mask = { ...defaults.mask, ...(c.mask ?? {}) };
  const guard = { ...defaults.guard, tools: [] as ToolRuleDraft[], ...(c.guard ?? {}) } as { shellTools: string[]; tools: ToolRuleDraft[] };
  const setGuard = (patch: Partial<typeof guard>) => set(at('guard'), { ...guard, ...patch });
  const setMask = (patch: Partial<typeof mask>) => set(at('mask'), { ...mask, ...patch });
  const setRule = (i: number, patch: Partial<ToolRuleDraft>) => setGuard({ tools: guard.tools.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const budget = c.dailyTokensPerUser as unknown;
  return (
    <Section
      id="claude"
      title="Claude Code"
      description={
        'For anthropic connections: Claude Code’s requests to the model are masked before they leave, the tool calls the model ' +
        'asks for are judged before Claude Code runs them, and each user’s models and tokens are limited.'
      }
      issues={issuesUnder(issues, BASE)}
    >
      <Sub title="What the model reads" />
      <div className="divide-y divide-slate-100 rounded-md border border-slate-200 px-3">
        <Switch
          label="Mask the user’s own text"
          description="Personal data typed into the conversation is masked before it reaches the model."
          checked={mask.userText}
          onChange={(v) => setMask({ userText: v })}
        />
        <Switch
          label="Mask the model’s answers"
          description="The model’s own text is masked before Claude Code shows it."
          checked={mask.modelOutput}
          onChange={(v) => setMask({ modelOutput: v })}
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <ListField
          label="Tools whose results are masked"
          add="Add a tool"
          id="claude-tool-results"
          problem={issueAt(issues, at('mask', 'toolResults'))}
          hint="Tool names or globs: Bash, mcp__*."
          values={mask.toolResults}
          onChange={(v) => setMask({ toolResults: v })}
          placeholder="Bash"
          mono
        />
        <ListField
          label="Data files masked when read"
          add="Add a file glob"
          id="claude-data-files"
          problem={issueAt(issues, at('mask', 'dataFiles'))}
          hint="Path globs; source code is read unmasked, since Claude Code edits it."
          values={mask.dataFiles}
          onChange={(v) => setMask({ dataFiles: v })}
          placeholder="*.csv"
          mono
        />
      </div>

      <Sub title="Tool calls the model asks for">Judged before Claude Code receives them; a refused call never reaches the laptop.</Sub>
      <ListField
        label="Shell tools"
        add="Add a shell tool"
        id="claude-shell-tools"
        problem={issueAt(issues, at('guard', 'shellTools'))}
        hint="Their command is judged by the shell guardrails."
        values={guard.shellTools}
        onChange={(v) => setGuard({ shellTools: v })}
        placeholder="Bash"
        mono
      />
      <div className="space-y-2" data-testid="claude-tool-rules">
        {guard.tools.map((r, i) => (
          <div
            key={i}
            className="grid items-start gap-2 rounded-md border border-slate-200 p-2.5 sm:grid-cols-[1fr_auto_1fr_auto]"
            data-testid="claude-tool-rule"
          >
            <div>
              <ListInput
                id={`claude-rule-${i}-tools`}
                label={`Tools of rule ${i + 1}`}
                values={r.tools}
                onChange={(v) => setRule(i, { tools: v })}
                placeholder="WebFetch"
                mono
                invalid={Boolean(issueAt(issues, at('guard', 'tools', i, 'tools')))}
              />
              {issueAt(issues, at('guard', 'tools', i, 'tools')) && (
                <p className="mt-1 text-[12px] text-red-700" role="alert">
                  {issueAt(issues, at('guard', 'tools', i, 'tools'))}
                </p>
              )}
            </div>
            <ActionSelect label={`Action of rule ${i + 1}`} value={r.action} onChange={(a) => setRule(i, { action: a ?? 'deny' })} />
            <input
              aria-label={`Message of rule ${i + 1}`}
              value={r.message ?? ''}
              placeholder="Why (shown to Claude Code)"
              onChange={(e) => setRule(i, { message: orBlank(e.target.value) })}
              className={INPUT}
            />
            <button type="button" className={SECONDARY} onClick={() => setGuard({ tools: guard.tools.filter((_, j) => j !== i) })}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" className={SECONDARY} onClick={() => setGuard({ tools: [...guard.tools, { tools: [], action: 'deny' }] })}>
          Add a tool rule
        </button>
        <p className="text-[12px] text-slate-500">Checked in order before the shell guardrails; the first rule naming a tool decides its calls.</p>
      </div>

      <Sub title="Limits" />
      <div className="grid gap-4 sm:grid-cols-2">
        <ListField
          label="Models allowed"
          add="Add a model"
          id="claude-models"
          problem={issueAt(issues, at('models'))}
          hint="Globs (claude-sonnet-*); none: any model. Another model is refused with an API error before it reaches the API."
          values={c.models ?? []}
          onChange={(v) => set(at('models'), v)}
          placeholder="claude-sonnet-*"
          mono
        />
        <PField
          label="Daily tokens per user"
          htmlFor="claude-daily-tokens"
          problem={issueAt(issues, at('dailyTokensPerUser'))}
          hint={
            'Input (uncached and cache writes) and output per UTC day through this connection; reads from the prompt cache ' +
            'are not counted. Empty: no budget. The request that crosses it completes; the next is refused until midnight UTC.'
          }
        >
          <NumberInput
            id="claude-daily-tokens"
            value={budget}
            onChange={(t) => set(at('dailyTokensPerUser'), t.trim() ? numberOrText(t) : undefined)}
            suffix="tokens"
            className="[&_input]:w-40"
            invalid={Boolean(issueAt(issues, at('dailyTokensPerUser')))}
          />
        </PField>
      </div>
    </Section>
  );
}
