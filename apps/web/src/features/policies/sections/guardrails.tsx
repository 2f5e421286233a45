'use client';

import { ActionBadge, Section, Sub } from '../form-controls';
import { issuesUnder } from '../policy-draft';
import { BuiltinTable, type Setting } from './builtin-table';
import { CustomShellRules, CustomSqlRules } from './custom-rules';
import type { SectionProps } from './section-props';

/** Built-in SQL and shell rules (on by default, each with its default action) and the policy's own rules. */
export function GuardrailsSection(props: SectionProps) {
  const { d, set, issues, catalog } = props;
  const g = d.guardrails ?? { builtins: {}, rules: [], shell: { builtins: {}, rules: [] } };
  const changed = Object.keys(g.builtins ?? {}).length + Object.keys(g.shell?.builtins ?? {}).length;
  return (
    <Section
      id="guardrails"
      title="Guardrails"
      description={
        'Every statement and command is parsed before it runs. Built-in rules are on by default; ' +
        'switch one off or change its action, and add your own, which are checked first.'
      }
      issues={issuesUnder(issues, ['guardrails'])}
    >
      <Sub
        title="Built-in SQL rules"
        aside={<span className="whitespace-nowrap text-[12px] text-slate-500">{changed === 0 ? 'all on, default actions' : `${changed} changed`}</span>}
      >
        Judged on the parsed statement (CTEs, multi-statement strings and the extended protocol included). <ActionBadge action="deny" /> refuses it,{' '}
        <ActionBadge action="review" /> holds it for approval, <ActionBadge action="allow" /> lets it through.
      </Sub>
      <BuiltinTable
        label="Built-in SQL rules"
        rules={catalog.sql}
        settings={(g.builtins ?? {}) as Record<string, Setting>}
        base={['guardrails', 'builtins']}
        set={set}
      />
      <CustomSqlRules {...props} />
      <Sub title="Built-in shell rules">For SSH and command connections: every command a line would run, through pipes, sudo, xargs and bash -c.</Sub>
      <BuiltinTable
        label="Built-in shell rules"
        rules={catalog.shell}
        settings={(g.shell?.builtins ?? {}) as Record<string, Setting>}
        base={['guardrails', 'shell', 'builtins']}
        set={set}
      />
      <CustomShellRules {...props} />
    </Section>
  );
}
