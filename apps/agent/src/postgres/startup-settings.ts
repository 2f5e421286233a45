import type { Verdict } from '../session/hooks';
import type { ErrorFields } from './sql-errors';

/**
 * The settings a client asks for in its startup message, carried to the target as Postgres would apply them: each
 * startup parameter other than user, database, options and replication is a setting, and so is each `-c name=value`,
 * `--name=value` or switch in `options` (split as Postgres' pg_split_opts does: whitespace between words, a backslash
 * takes the next character as it is). Names are compared as Postgres does, without regard to case.
 *
 * Each setting is judged as the `SET` statement it amounts to, so the policy decides at startup what it decides in
 * SQL; the settings the agent pins (read-only, an agent session's statement_timeout) may only be asked for with the
 * pinned value; and client encodings whose multibyte characters can hold an ASCII backslash are refused, since the
 * guard would read the statement's text otherwise than the target does. A refusal names the setting and why, and the
 * session does not open: a setting is never dropped silently.
 */
export interface StartupSettingsOptions {
  readOnly: boolean;
  /** the statement_timeout the agent sets for the session, in ms */
  statementTimeoutMs?: number;
  judge(sql: string): Verdict;
}

export type StartupSettings = { params: Record<string, string> } | { error: ErrorFields };

interface Setting {
  name: string;
  value: string;
  /** where the client asked for it: `startup parameter X`, `options` */
  from: string;
}

/** Startup parameters that are not settings: the agent's own (user, database), the options string, replication (refused). */
const NOT_SETTINGS = new Set(['user', 'database', 'options', 'replication']);

/** Postgres' backend switches that stand for a setting (process_postgres_switches); the others are refused. */
const SWITCHES: Record<string, (arg: string) => [string, string][] | string> = {
  B: (a) => [['shared_buffers', a]],
  e: () => [['datestyle', 'euro']],
  F: () => [['fsync', 'off']],
  f: (a) => {
    const name = { s: 'enable_seqscan', i: 'enable_indexscan', o: 'enable_indexonlyscan', b: 'enable_bitmapscan', t: 'enable_tidscan' }[a[0] ?? ''];
    const join = { n: 'enable_nestloop', m: 'enable_mergejoin', h: 'enable_hashjoin' }[a[0] ?? ''];
    return name || join ? [[(name ?? join)!, 'off']] : `-f ${a} is not a plan type (s, i, o, b, t, n, m or h)`;
  },
  h: (a) => [['listen_addresses', a]],
  i: () => [['listen_addresses', '*']],
  k: (a) => [['unix_socket_directories', a]],
  l: () => [['ssl', 'on']],
  N: (a) => [['max_connections', a]],
  O: () => [['allow_system_table_mods', 'on']],
  P: () => [['ignore_system_indexes', 'on']],
  p: (a) => [['port', a]],
  S: (a) => [['work_mem', a]],
  s: () => [['log_statement_stats', 'on']],
  t: (a) => {
    const name = a.startsWith('pa') ? 'log_parser_stats' : a.startsWith('pl') ? 'log_planner_stats' : a.startsWith('e') ? 'log_executor_stats' : null;
    return name ? [[name, 'on']] : `-t ${a} is not pa, pl or ex`;
  },
  W: (a) => [['post_auth_delay', a]],
  n: () => [],
  T: () => [],
};
/** switches that take an argument, as Postgres' getopt string says ("B:bC:c:D:d:EeFf:h:ijk:lN:nOPp:r:S:sTt:v:W:-:") */
const WITH_ARGUMENT = new Set(['B', 'C', 'c', 'D', 'd', 'f', 'h', 'k', 'N', 'p', 'r', 'S', 't', 'v', 'W', '-']);

/** Client encodings Postgres allows only on the client side: a byte of a multibyte character may be `\` (0x5c). */
const CLIENT_ONLY_ENCODINGS = new Set([
  'sjis',
  'mskanji',
  'shiftjis',
  'win932',
  'windows932',
  'shiftjis2004',
  'big5',
  'win950',
  'windows950',
  'gbk',
  'win936',
  'windows936',
  'uhc',
  'win949',
  'windows949',
  'gb18030',
  'johab',
]);

/** Splits an `options` string into words as Postgres' pg_split_opts does. */
export function splitOptions(options: string): string[] {
  const words: string[] = [];
  let i = 0;
  const space = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
  while (i < options.length) {
    while (space(options[i])) i++;
    if (i >= options.length) break;
    let word = '';
    let escaped = false;
    for (; i < options.length; i++) {
      const c = options[i]!;
      if (space(c) && !escaped) break;
      if (!escaped && c === '\\') escaped = true;
      else {
        word += c;
        escaped = false;
      }
    }
    words.push(word);
  }
  return words;
}

/** `name=value` of a `-c` or `--` switch, with dashes in the name read as underscores (Postgres' ParseLongOption). */
function longOption(arg: string, flag: string): [string, string] | string {
  const eq = arg.indexOf('=');
  if (eq < 0) return `${flag}${arg} requires a value`;
  return [arg.slice(0, eq).replaceAll('-', '_'), arg.slice(eq + 1)];
}

/** The settings an `options` string asks for, in order, or what is wrong with it. */
export function optionSettings(options: string): Setting[] | string {
  const words = splitOptions(options);
  const out: Setting[] = [];
  for (let w = 0; w < words.length; w++) {
    const word = words[w]!;
    if (!word.startsWith('-') || word === '-' || word === '--') return `invalid command-line argument in options: "${word}"`;
    // switches may be grouped (-eO) as getopt reads them; one that takes an argument ends the group
    for (let c = 1; c < word.length; c++) {
      const flag = word[c]!;
      let arg = '';
      if (WITH_ARGUMENT.has(flag)) {
        arg = word.slice(c + 1);
        if (arg === '') {
          const next = words[++w];
          if (next === undefined) return `option -${flag} in options requires an argument`;
          arg = next;
        }
        c = word.length;
      }
      if (flag === 'c' || flag === '-') {
        const pair = longOption(arg, flag === 'c' ? '-c ' : '--');
        if (typeof pair === 'string') return pair;
        out.push({ name: pair[0], value: pair[1], from: 'options' });
        continue;
      }
      const sw = SWITCHES[flag];
      if (!sw) return `option -${flag} in options is not a setting hoop passes on; use -c name=value`;
      const pairs = sw(arg);
      if (typeof pairs === 'string') return pairs;
      for (const [name, value] of pairs) out.push({ name, value, from: `options (-${flag})` });
    }
  }
  return out;
}

const TRUE_WORDS = new Set(['on', 'true', 'yes', '1', 't', 'tr', 'tru', 'y', 'ye']);

/** `SET name TO 'value'` for the policy to judge (a dotted name is a placeholder setting of an extension). */
function asSetStatement(name: string, value: string): string {
  const ident = name
    .split('.')
    .map((p) => `"${p.replaceAll('"', '""')}"`)
    .join('.');
  return `SET ${ident} TO '${value.replaceAll("'", "''")}'`;
}

/**
 * The startup parameters the agent logs into the target with (less user and database, which are its own), or the
 * error that refuses the session.
 */
export function startupSettings(params: Record<string, string>, o: StartupSettingsOptions): StartupSettings {
  const settings: Setting[] = [];
  if (params.options !== undefined) {
    const fromOptions = optionSettings(params.options);
    if (typeof fromOptions === 'string') return { error: { severity: 'FATAL', code: '22023', message: `hoop: ${fromOptions}` } };
    settings.push(...fromOptions);
  }
  // Postgres applies the options first, then the other parameters in their order
  for (const [name, value] of Object.entries(params)) {
    if (!NOT_SETTINGS.has(name)) settings.push({ name, value, from: `startup parameter ${name}` });
  }

  const pinned = new Map<string, { value: string; same(v: string): boolean; why: string }>();
  if (o.readOnly) {
    const readOnly = { value: 'on', same: (v: string) => TRUE_WORDS.has(v.trim().toLowerCase()), why: 'this connection is read-only' };
    pinned.set('default_transaction_read_only', readOnly);
    pinned.set('transaction_read_only', readOnly);
  }
  if (o.statementTimeoutMs) {
    const ms = String(Math.floor(o.statementTimeoutMs));
    pinned.set('statement_timeout', {
      value: ms,
      same: (v) => v.trim() === ms || v.trim() === `${ms}ms`,
      why: `hoop bounds this session's statements to ${ms} ms`,
    });
  }

  const refuse = (s: Setting, why: string, hint?: string): StartupSettings => ({
    error: { severity: 'FATAL', code: '42501', message: `hoop: the setting ${s.name}=${s.value} (${s.from}) is refused: ${why}`, ...(hint ? { hint } : {}) },
  });
  const out: Record<string, string> = {};
  for (const s of settings) {
    const key = s.name.toLowerCase();
    if (key.startsWith('_pq_.')) return refuse(s, 'hoop does not pass on protocol extensions');
    const pin = pinned.get(key);
    if (pin && !pin.same(s.value)) return refuse(s, `${pin.why}; hoop sets ${key}=${pin.value}`, `connect without ${s.name}`);
    if (key === 'client_encoding' && CLIENT_ONLY_ENCODINGS.has(s.value.toLowerCase().replace(/[^a-z0-9]/g, '')))
      return refuse(s, 'hoop reads statements in the encodings a Postgres server can use', 'use UTF8');
    const verdict = o.judge(asSetStatement(key, s.value));
    if (verdict.action === 'deny') return refuse(s, verdict.message ?? `denied by policy${verdict.ruleId ? ` (${verdict.ruleId})` : ''}`, verdict.hint);
    if (verdict.action === 'review')
      return refuse(s, `setting it needs approval (${verdict.message ?? verdict.ruleId ?? 'policy'})`, 'connect without it and SET it in the session');
    out[key] = s.value;
  }
  for (const [key, pin] of pinned) if (key !== 'transaction_read_only') out[key] = pin.value;
  return { params: out };
}
