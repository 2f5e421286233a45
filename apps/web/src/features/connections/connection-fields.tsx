'use client';

import type { ReactNode } from 'react';
import { CONTROL } from '~/components/ui/control';
import { cx } from '~/components/ui/cx';
import { Field, INPUT, SECONDARY, SMALL } from '~/features/integrations/form-bits';
import { joinWords, splitWords } from './command-words';

/** The target settings of each connection type, as the agent reads them (see connection-config.ts in @hoop/protocol). */

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

export interface PostgresFields {
  host: string;
  port: string;
  database: string;
  user: string;
  sslmode: string;
  /** the CA (PEM) for verify-ca / verify-full */
  sslrootcert: string;
}
export interface SshFields {
  host: string;
  port: string;
  user: string;
  hostKeyFingerprint: string;
}
export interface CommandFields {
  shell: string;
  exec: string;
  cwd: string;
  env: { name: string; value: string }[];
  guard: 'shell' | 'sql';
}
/** Problems by field name (host, port, …), from checking the form before it is sent. */
export type FieldErrors = Record<string, string | undefined>;
export interface TargetFields {
  postgres: PostgresFields;
  ssh: SshFields;
  command: CommandFields;
}

const text = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback);
const words = (v: unknown): string => (Array.isArray(v) ? joinWords(v.filter((w): w is string => typeof w === 'string')) : typeof v === 'string' ? v : '');

/** The form's fields from a stored config (a new connection starts from the defaults). */
export function fieldsFrom(type: string, config: Record<string, unknown>): TargetFields {
  const env =
    config.env && typeof config.env === 'object'
      ? Object.entries(config.env as Record<string, unknown>).map(([name, value]) => ({ name, value: text(value) }))
      : [];
  return {
    postgres: {
      host: type === 'postgres' ? text(config.host) : '',
      port: type === 'postgres' ? text(config.port, '5432') : '5432',
      database: text(config.database),
      user: type === 'postgres' ? text(config.user) : '',
      sslmode: text(config.sslmode, 'prefer'),
      sslrootcert: type === 'postgres' ? text(config.sslrootcert) : '',
    },
    ssh: {
      host: type === 'ssh' ? text(config.host) : '',
      port: type === 'ssh' ? text(config.port, '22') : '22',
      user: type === 'ssh' ? text(config.user) : '',
      hostKeyFingerprint: text(config.hostKeyFingerprint),
    },
    command: {
      shell: type === 'command' ? words(config.shell ?? config.command) : 'bash --noprofile --norc -i',
      exec: type === 'command' ? words(config.exec) : 'bash --noprofile --norc -c {}',
      cwd: text(config.cwd),
      env,
      guard: config.guard === 'sql' ? 'sql' : 'shell',
    },
  };
}

/** What the API takes as `config` for the type. */
export function configOf(type: 'postgres' | 'ssh' | 'command', f: TargetFields): Record<string, unknown> {
  if (type === 'postgres')
    return {
      host: f.postgres.host,
      port: f.postgres.port.trim() || undefined,
      database: f.postgres.database,
      user: f.postgres.user,
      sslmode: f.postgres.sslmode,
      sslrootcert: f.postgres.sslmode.startsWith('verify') ? f.postgres.sslrootcert : '',
    };
  if (type === 'ssh') return { host: f.ssh.host, port: f.ssh.port.trim() || undefined, user: f.ssh.user, hostKeyFingerprint: f.ssh.hostKeyFingerprint };
  const env: Record<string, string> = {};
  for (const row of f.command.env) if (row.name.trim()) env[row.name.trim()] = row.value;
  return { shell: splitWords(f.command.shell), exec: splitWords(f.command.exec), cwd: f.command.cwd, env, guard: f.command.guard };
}

export function Grid({ children }: { children: ReactNode }) {
  return <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_7rem]">{children}</div>;
}

export function SshTarget({ f, set, disabled, errors = {} }: { f: SshFields; set: (f: SshFields) => void; disabled: boolean; errors?: FieldErrors }) {
  return (
    <div className="space-y-4">
      <Grid>
        <Field label="Host" htmlFor="ssh-host" error={errors.host} hint="As the agent reaches it, inside your network.">
          <input
            id="ssh-host"
            aria-invalid={Boolean(errors.host)}
            value={f.host}
            onChange={(e) => set({ ...f, host: e.target.value })}
            placeholder="web-1.internal"
            disabled={disabled}
            autoComplete="off"
            spellCheck={false}
            className={cx(INPUT, 'font-mono')}
          />
        </Field>
        <Field label="Port" htmlFor="ssh-port" error={errors.port}>
          <input
            id="ssh-port"
            aria-invalid={Boolean(errors.port)}
            inputMode="numeric"
            value={f.port}
            onChange={(e) => set({ ...f, port: e.target.value })}
            placeholder="22"
            disabled={disabled}
            className={cx(INPUT, 'font-mono')}
          />
        </Field>
      </Grid>
      <Field label="User" htmlFor="ssh-user" error={errors.user} hint="The account the agent logs in as.">
        <input
          id="ssh-user"
          aria-invalid={Boolean(errors.user)}
          value={f.user}
          onChange={(e) => set({ ...f, user: e.target.value })}
          placeholder="deploy"
          disabled={disabled}
          autoComplete="off"
          spellCheck={false}
          className={cx(INPUT, 'max-w-sm font-mono')}
        />
      </Field>
      <Field
        label="Host key fingerprint (optional)"
        htmlFor="ssh-fp"
        error={errors.hostKeyFingerprint}
        hint="SHA256:… as ssh-keygen -lf prints it. When set, the agent refuses any other host key; blank accepts any (and records it)."
      >
        <input
          id="ssh-fp"
          aria-invalid={Boolean(errors.hostKeyFingerprint)}
          value={f.hostKeyFingerprint}
          onChange={(e) => set({ ...f, hostKeyFingerprint: e.target.value })}
          placeholder="SHA256:…"
          disabled={disabled}
          autoComplete="off"
          spellCheck={false}
          className={cx(INPUT, 'font-mono')}
        />
      </Field>
    </div>
  );
}

export function CommandTarget({
  f,
  set,
  disabled,
  errors = {},
}: {
  f: CommandFields;
  set: (f: CommandFields) => void;
  disabled: boolean;
  errors?: FieldErrors;
}) {
  const setEnv = (i: number, row: { name: string; value: string }) => set({ ...f, env: f.env.map((r, j) => (j === i ? row : r)) });
  return (
    <div className="space-y-4">
      <Field
        label="Interactive command"
        htmlFor="cmd-shell"
        error={errors.shell}
        hint="What a session with a terminal runs on the agent host (hoop connect, then ssh). Words as a shell splits them."
      >
        <input
          id="cmd-shell"
          aria-invalid={Boolean(errors.shell)}
          value={f.shell}
          onChange={(e) => set({ ...f, shell: e.target.value })}
          placeholder="bash --noprofile --norc -i"
          disabled={disabled}
          autoComplete="off"
          spellCheck={false}
          className={cx(INPUT, 'font-mono')}
        />
      </Field>
      <Field
        label="Exec command"
        htmlFor="cmd-exec"
        error={errors.exec}
        hint={
          <>
            What one command runs (hoop exec, MCP run_command): <code className="font-mono">{'{}'}</code> is replaced by the command text, else the text is
            written to its standard input.
          </>
        }
      >
        <input
          id="cmd-exec"
          aria-invalid={Boolean(errors.exec)}
          value={f.exec}
          onChange={(e) => set({ ...f, exec: e.target.value })}
          placeholder="bash --noprofile --norc -c {}"
          disabled={disabled}
          autoComplete="off"
          spellCheck={false}
          className={cx(INPUT, 'font-mono')}
        />
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Working folder (optional)" htmlFor="cmd-cwd" error={errors.cwd}>
          <input
            id="cmd-cwd"
            aria-invalid={Boolean(errors.cwd)}
            value={f.cwd}
            onChange={(e) => set({ ...f, cwd: e.target.value })}
            placeholder="/srv/app"
            disabled={disabled}
            autoComplete="off"
            spellCheck={false}
            className={cx(INPUT, 'font-mono')}
          />
        </Field>
        <Field label="Judge commands as" htmlFor="cmd-guard" error={errors.guard} hint="SQL for a psql or mysql command line, so the SQL guardrails apply.">
          <select
            id="cmd-guard"
            aria-invalid={Boolean(errors.guard)}
            value={f.guard}
            onChange={(e) => set({ ...f, guard: e.target.value === 'sql' ? 'sql' : 'shell' })}
            disabled={disabled}
            className={INPUT}
          >
            <option value="shell">shell commands</option>
            <option value="sql">SQL statements</option>
          </select>
        </Field>
      </div>
      <fieldset>
        <legend className="text-[12px] font-medium text-slate-700">Environment</legend>
        <p className="mt-0.5 text-[12px] text-slate-500">
          Extra variables for the command. A value may be a reference the agent resolves on its host, <code className="font-mono">env:NAME</code> or{' '}
          <code className="font-mono">file:/path</code>: put credentials there, not here.
        </p>
        <div className="mt-2 space-y-2">
          {f.env.map((row, i) => (
            <div key={i} className="flex items-center gap-2" data-testid="env-row">
              <input
                aria-label={`Variable ${i + 1} name`}
                value={row.name}
                onChange={(e) => setEnv(i, { ...row, name: e.target.value })}
                placeholder="AWS_PROFILE"
                disabled={disabled}
                spellCheck={false}
                className={cx(CONTROL, 'block h-9 w-56 shrink-0 font-mono')}
              />
              <span className="text-slate-400">=</span>
              <input
                aria-label={`Variable ${i + 1} value`}
                value={row.value}
                onChange={(e) => setEnv(i, { ...row, value: e.target.value })}
                placeholder="prod, or env:PG_PASSWORD"
                disabled={disabled}
                spellCheck={false}
                className={cx(INPUT, 'font-mono')}
              />
              <button
                type="button"
                className={SMALL}
                disabled={disabled}
                onClick={() => set({ ...f, env: f.env.filter((_, j) => j !== i) })}
                aria-label={`Remove variable ${row.name || i + 1}`}
              >
                Remove
              </button>
            </div>
          ))}
          <button type="button" className={SECONDARY} disabled={disabled} onClick={() => set({ ...f, env: [...f.env, { name: '', value: '' }] })}>
            Add variable
          </button>
          {errors.env && (
            <p className="text-[12px] text-red-700" role="alert">
              {errors.env}
            </p>
          )}
        </div>
      </fieldset>
    </div>
  );
}
