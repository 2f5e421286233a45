'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { Card } from '~/components/ui/card';
import { cx } from '~/components/ui/cx';
import { ErrorNote } from '~/components/ui/empty-state';
import { ListInput } from '~/components/ui/list-input';
import { Switch } from '~/components/ui/switch';
import { Field, fieldError, INPUT, KeyNote, PRIMARY, SECONDARY } from '~/features/integrations/form-bits';
import { ConnectionInput } from '@hoop/core/connection/connection-input';
import { useTRPC } from '~/trpc/react';
import { CommandTarget, configOf, fieldsFrom, SshTarget, type TargetFields } from './connection-fields';
import { PostgresTarget } from './postgres-target';
import { typeLabel } from './connection-types';
import { mysqlConfigOf, mysqlFieldsFrom, MysqlTarget } from './mysql-target';
import { AnthropicTarget, anthropicConfigOf, anthropicFieldsFrom } from './anthropic-target';
import { HttpTarget, httpConfigOf, httpFieldsFrom } from './http-target';
import { KubernetesTarget, kubernetesConfigOf, kubernetesFieldsFrom } from './kubernetes-target';
import { SecretFields, secretInput, type SecretState, secretStateFrom } from './secret-fields';

export type ConnectionDetail = inferOutput<ReturnType<typeof useTRPC>['connection']['get']>;
type EditableType = 'postgres' | 'mysql' | 'ssh' | 'command' | 'anthropic' | 'http' | 'kubernetes';

const TYPES: { value: EditableType; label: string; hint: string }[] = [
  { value: 'postgres', label: 'PostgreSQL', hint: 'psql, DBeaver, ORMs, hoop exec' },
  { value: 'mysql', label: 'MySQL / MariaDB', hint: 'mysql, mariadb, DBeaver, ORMs' },
  { value: 'ssh', label: 'SSH', hint: 'a server the agent logs into' },
  { value: 'command', label: 'Command', hint: 'a shell or CLI on the agent host' },
  { value: 'anthropic', label: 'Claude (model API)', hint: 'Claude Code through hoop' },
  { value: 'http', label: 'HTTP API', hint: 'curl, SDKs, scripts, with a key the agent holds' },
  { value: 'kubernetes', label: 'Kubernetes', hint: 'kubectl as each person, a token the agent holds' },
];

const editable = (t: string): t is EditableType => TYPES.some((x) => x.value === t);

/**
 * Adds or changes a connection: its target (per type), where the agent finds the credential, and who serves and
 * governs it. A stored secret is sent once and never comes back: the field shows "Set" with Replace.
 */
export function ConnectionForm({
  initial,
  keyState,
  onSaved,
  onCancel,
}: {
  initial: ConnectionDetail | null;
  keyState: ConnectionDetail['key'];
  onSaved: (c: ConnectionDetail, created: boolean) => void;
  onCancel: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const agents = useQuery(trpc.agent.list.queryOptions({ pageSize: 200 }));
  const policies = useQuery(trpc.policy.list.queryOptions({}));
  const [type, setType] = useState<EditableType>(initial && editable(initial.type) ? initial.type : 'postgres');
  const [name, setName] = useState(initial?.name ?? '');
  const [tags, setTags] = useState<string[]>(initial?.tags ?? []);
  const [readOnly, setReadOnly] = useState(initial?.readOnly ?? false);
  const [agentId, setAgentId] = useState(initial?.agent?.id ?? '');
  const [policyId, setPolicyId] = useState(initial?.policy?.id ?? '');
  const [target, setTarget] = useState<TargetFields>(() => fieldsFrom(initial?.type ?? 'postgres', initial?.config ?? {}));
  const [mysql, setMysql] = useState(() => mysqlFieldsFrom(initial?.type ?? 'postgres', initial?.config ?? {}));
  const [anthropic, setAnthropic] = useState(() => anthropicFieldsFrom(initial?.type ?? 'postgres', initial?.config ?? {}));
  const [httpApi, setHttpApi] = useState(() => httpFieldsFrom(initial?.type ?? 'postgres', initial?.config ?? {}));
  const [kube, setKube] = useState(() => kubernetesFieldsFrom(initial?.type ?? 'postgres', initial?.config ?? {}));
  const [secret, setSecret] = useState<SecretState>(() => secretStateFrom(initial?.secret ?? null));
  // the same rules as the API (and the agent), checked before sending so each problem shows at its field
  const [issues, setIssues] = useState<Record<string, string>>({});

  const done = (c: ConnectionDetail) => {
    void qc.invalidateQueries({ queryKey: trpc.connection.list.queryKey() });
    void qc.invalidateQueries({ queryKey: trpc.agent.list.queryKey() });
    qc.setQueryData(trpc.connection.get.queryKey({ id: c.id }), c);
    onSaved(c, !initial);
  };
  const create = useMutation(trpc.connection.create.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.connection.update.mutationOptions({ onSuccess: done }));
  const save = initial ? update : create;
  const busy = save.isPending;
  const err = (field: string) => issue(field) ?? fieldError(save.error, field);
  const fieldProblems = Object.values(save.error?.data?.fieldErrors ?? {}).some(Boolean);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = {
      type,
      name,
      tags,
      readOnly,
      agentId: agentId || null,
      policyId: policyId || null,
      config:
        type === 'mysql'
          ? mysqlConfigOf(mysql)
          : type === 'anthropic'
            ? anthropicConfigOf(anthropic)
            : type === 'http'
              ? httpConfigOf(httpApi)
              : type === 'kubernetes'
                ? kubernetesConfigOf(kube)
                : configOf(type, target),
      secret: secretInput(secret),
    } as Parameters<typeof create.mutate>[0];
    const checked = ConnectionInput.safeParse(body);
    if (!checked.success) {
      const found: Record<string, string> = {};
      for (const i of checked.error.issues) found[i.path.slice(0, 2).join('.')] ??= i.message;
      setIssues(found);
      save.reset();
      return;
    }
    setIssues({});
    if (initial) update.mutate({ ...body, id: initial.id });
    else create.mutate(body);
  };
  const issue = (prefix: string) => issues[prefix] ?? Object.entries(issues).find(([k]) => k.startsWith(`${prefix}.`))?.[1];
  const configErrors = Object.fromEntries(
    Object.entries(issues)
      .filter(([k]) => k.startsWith('config.'))
      .map(([k, v]) => [k.slice(7), v]),
  );
  const hasIssues = Object.keys(issues).length > 0;

  return (
    <form onSubmit={submit} noValidate aria-label={initial ? `Edit ${initial.name}` : 'New connection'} className="space-y-5" data-testid="connection-form">
      <Card title="Connection">
        <div className="space-y-4 py-1">
          {!initial ? (
            <div role="radiogroup" aria-label="Type" className="grid gap-2 sm:grid-cols-2 lg:grid-cols-4">
              {TYPES.map((t) => (
                <button
                  key={t.value}
                  type="button"
                  role="radio"
                  aria-checked={type === t.value}
                  disabled={busy}
                  onClick={() => setType(t.value)}
                  className={cx(
                    'rounded-md border px-3 py-2.5 text-left shadow-sm',
                    type === t.value ? 'border-slate-900 bg-slate-900 text-white' : 'border-slate-300 bg-white text-slate-700 hover:bg-slate-50',
                  )}
                >
                  <span className="block text-[13px] font-medium">{t.label}</span>
                  <span className={cx('block text-[11px]', type === t.value ? 'text-slate-300' : 'text-slate-500')}>{t.hint}</span>
                </button>
              ))}
            </div>
          ) : (
            <p className="text-[13px] text-slate-600">
              A <span className="font-medium text-slate-900">{typeLabel(initial.type)}</span> connection; the type stays what it was created as.
            </p>
          )}
          <Field
            label="Name"
            htmlFor="conn-name"
            hint={
              <>
                What people type: <code className="font-mono">hoop connect {name.trim() || 'pg-prod'}</code>. Lowercase letters, digits, dots and dashes.
              </>
            }
            error={err('name')}
          >
            <input
              id="conn-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="pg-prod"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={Boolean(err('name'))}
              disabled={busy}
              className={cx(INPUT, 'max-w-sm font-mono')}
            />
          </Field>
        </div>
      </Card>

      <Card title="Target">
        <div className="py-1">
          {type === 'postgres' && (
            <PostgresTarget f={target.postgres} set={(postgres) => setTarget({ ...target, postgres })} disabled={busy} errors={configErrors} />
          )}
          {type === 'mysql' && <MysqlTarget f={mysql} set={setMysql} disabled={busy} errors={configErrors} />}
          {type === 'anthropic' && <AnthropicTarget f={anthropic} set={setAnthropic} disabled={busy} errors={configErrors} />}
          {type === 'http' && <HttpTarget f={httpApi} set={setHttpApi} disabled={busy} errors={configErrors} />}
          {type === 'kubernetes' && <KubernetesTarget f={kube} set={setKube} disabled={busy} errors={configErrors} />}
          {type === 'ssh' && <SshTarget f={target.ssh} set={(ssh) => setTarget({ ...target, ssh })} disabled={busy} errors={configErrors} />}
          {type === 'command' && (
            <CommandTarget f={target.command} set={(command) => setTarget({ ...target, command })} disabled={busy} errors={configErrors} />
          )}
          {(issues.config || (!hasIssues && fieldError(save.error, 'config'))) && (
            <Problems
              testId="config-errors"
              messages={
                issues.config ? [issues.config] : ((save.error?.data?.fieldErrors as Record<string, string[] | undefined> | null | undefined)?.config ?? [])
              }
            />
          )}
        </div>
      </Card>

      <Card title="Credential">
        <div className="space-y-3 py-1">
          {secret.source === 'stored' && <KeyNote state={keyState} />}
          <SecretFields type={type} s={secret} set={setSecret} storedSet={Boolean(initial?.secret.storedSet)} disabled={busy} error={err('secret')} />
        </div>
      </Card>

      <Card title="Serving and policy">
        <div className="space-y-4 py-1">
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Agent" htmlFor="conn-agent" hint="The agent that reaches this target and holds its credential." error={err('agentId')}>
              <select id="conn-agent" value={agentId} onChange={(e) => setAgentId(e.target.value)} disabled={busy} className={INPUT}>
                <option value="">No agent (nobody can open a session)</option>
                {agents.data?.items.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} · {a.status === 'online' ? 'online' : a.status === 'offline' ? 'offline' : 'never connected'}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Policy" htmlFor="conn-policy" hint="Guardrails, masking, access and review for this connection." error={err('policyId')}>
              <select id="conn-policy" value={policyId} onChange={(e) => setPolicyId(e.target.value)} disabled={busy} className={INPUT}>
                <option value="">Built-in guardrails and masking</option>
                {policies.data?.items.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} · v{p.version}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <Field label="Tags" htmlFor="conn-tags" hint="Policies can attach by tag; people can search by tag. Enter or comma adds one." error={err('tags')}>
            <ListInput
              id="conn-tags"
              label="Add a tag"
              values={tags}
              onChange={setTags}
              placeholder="prod, eu, team:billing"
              disabled={busy}
              normalize={(v) => v.toLowerCase()}
              invalid={Boolean(err('tags'))}
            />
          </Field>
          <div className="rounded-md border border-slate-200 px-3">
            <Switch
              label="Read-only"
              description={
                'Only reads get through, and the target session itself is opened read-only (Postgres, MySQL), ' +
                'so a write the classifier cannot see is refused by the database too.'
              }
              checked={readOnly}
              disabled={busy}
              onChange={setReadOnly}
            />
          </div>
        </div>
      </Card>

      {hasIssues && <ErrorNote title={initial ? 'Not saved' : 'Connection not added'} message="Fix the fields marked above, then try again." />}
      {save.error && !fieldProblems && <ErrorNote title={initial ? 'Not saved' : 'Connection not added'} message={save.error.message} />}
      {save.error && fieldProblems && <ErrorNote title="Check these fields" message={save.error.message} />}
      <div className="flex items-center gap-2">
        <button type="submit" className={PRIMARY} disabled={busy}>
          {busy ? 'Saving…' : initial ? 'Save changes' : 'Add connection'}
        </button>
        <button type="button" className={SECONDARY} disabled={busy} onClick={onCancel}>
          Cancel
        </button>
        <span className="ml-2 text-[12px] text-slate-500">The serving agent gets the change at once.</span>
      </div>
    </form>
  );
}

function Problems({ messages, testId }: { messages: string[]; testId: string }): ReactNode {
  return (
    <ul role="alert" data-testid={testId} className="mt-4 space-y-1 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-[12px] text-red-800">
      {messages.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}
