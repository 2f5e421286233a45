'use client';

import { CONTROL } from '~/components/ui/control';
import { cx } from '~/components/ui/cx';
import { INPUT, SECONDARY, SMALL } from '~/features/integrations/form-bits';
import { joinWords, splitWords } from './command-words';
import { Grid, SelectField, TextField } from './target-inputs';

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

const GUARDS = [
  { value: 'shell', label: 'shell commands' },
  { value: 'sql', label: 'SQL statements' },
];

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

export function SshTarget({ f, set, disabled, errors = {} }: { f: SshFields; set: (f: SshFields) => void; disabled: boolean; errors?: FieldErrors }) {
  const on = (k: keyof SshFields) => (v: string) => set({ ...f, [k]: v });
  return (
    <div className="space-y-4">
      <Grid>
        <TextField
          id="ssh-host"
          label="Host"
          hint="As the agent reaches it, inside your network."
          error={errors.host}
          value={f.host}
          placeholder="web-1.internal"
          onChange={on('host')}
          disabled={disabled}
        />
        <TextField id="ssh-port" label="Port" error={errors.port} value={f.port} placeholder="22" onChange={on('port')} disabled={disabled} numeric />
      </Grid>
      <TextField
        id="ssh-user"
        label="User"
        hint="The account the agent logs in as."
        error={errors.user}
        value={f.user}
        placeholder="deploy"
        onChange={on('user')}
        disabled={disabled}
        className="max-w-sm font-mono"
      />
      <TextField
        id="ssh-fp"
        label="Host key fingerprint (optional)"
        hint="SHA256:… as ssh-keygen -lf prints it. When set, the agent refuses any other host key; blank accepts any (and records it)."
        error={errors.hostKeyFingerprint}
        value={f.hostKeyFingerprint}
        placeholder="SHA256:…"
        onChange={on('hostKeyFingerprint')}
        disabled={disabled}
      />
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
      <TextField
        id="cmd-shell"
        label="Interactive command"
        hint="What a session with a terminal runs on the agent host (hoop connect, then ssh). Words as a shell splits them."
        error={errors.shell}
        value={f.shell}
        placeholder="bash --noprofile --norc -i"
        onChange={(shell) => set({ ...f, shell })}
        disabled={disabled}
      />
      <TextField
        id="cmd-exec"
        label="Exec command"
        hint={
          <>
            What one command runs (hoop exec, MCP run_command): <code className="font-mono">{'{}'}</code> is replaced by the command text, else the text is
            written to its standard input.
          </>
        }
        error={errors.exec}
        value={f.exec}
        placeholder="bash --noprofile --norc -c {}"
        onChange={(exec) => set({ ...f, exec })}
        disabled={disabled}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          id="cmd-cwd"
          label="Working folder (optional)"
          error={errors.cwd}
          value={f.cwd}
          placeholder="/srv/app"
          onChange={(cwd) => set({ ...f, cwd })}
          disabled={disabled}
        />
        <SelectField
          id="cmd-guard"
          label="Judge commands as"
          hint="SQL for a psql or mysql command line, so the SQL guardrails apply."
          error={errors.guard}
          value={f.guard}
          options={GUARDS}
          onChange={(v) => set({ ...f, guard: v === 'sql' ? 'sql' : 'shell' })}
          disabled={disabled}
        />
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
