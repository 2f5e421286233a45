import { readFile } from 'node:fs/promises';
import { evaluate, evaluateHttp, evaluateMysql, initGuard, initMysqlGuard, parsePolicy, type Policy, PolicyError } from '@hoop/pipeline';
import { EXIT } from '@hoop/protocol';
import YAML from 'yaml';
import { loadConfig } from '../config';
import type { CliEnv } from '../env';
import { usage } from '../errors';
import { api } from '../gateway';
import { formatTable } from '../format';
import { parseExecRequest } from '../http-exec';

async function readPolicyFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw usage(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return YAML.parse(text) as unknown;
  } catch (err) {
    throw usage(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `hoop policy apply -f FILE`: validate locally, then store; the gateway pushes it to agents at once. */
export async function policyApply(env: CliEnv, file: string): Promise<number> {
  const doc = await readPolicyFile(file);
  try {
    parsePolicy(doc);
  } catch (err) {
    if (err instanceof PolicyError) throw usage(err.message);
    throw err;
  }
  const config = await loadConfig(env);
  const r = await api<{ name: string; version: number; created: boolean; attached: string[] }>(config, '/api/policies', { method: 'PUT', body: doc });
  process.stdout.write(
    `policy "${r.name}" ${r.created ? 'created' : 'updated'} (version ${r.version})${r.attached.length ? `; applies to ${r.attached.join(', ')}` : ''}\n`,
  );
  return EXIT.ok;
}

export async function policyGet(env: CliEnv, name: string, output: 'yaml' | 'json'): Promise<number> {
  const config = await loadConfig(env);
  const p = await api<{ document: unknown }>(config, `/api/policies/${encodeURIComponent(name)}`);
  process.stdout.write(output === 'json' ? `${JSON.stringify(p.document, null, 2)}\n` : YAML.stringify(p.document));
  return EXIT.ok;
}

export async function policyList(env: CliEnv): Promise<number> {
  const config = await loadConfig(env);
  const { policies } = await api<{ policies: { name: string; version: number; connections: string[] }[] }>(config, '/api/policies');
  if (policies.length === 0) process.stdout.write('no policies yet: connections use the default policy (every built-in guardrail on)\n');
  else
    process.stdout.write(
      formatTable(
        ['name', 'version', 'connections'],
        policies.map((p) => [p.name, String(p.version), p.connections.join(',')]),
      ),
    );
  return EXIT.ok;
}

/** What `GET /api/connections/:name/policy` answers. */
interface ConnectionPolicy {
  type?: string;
  readOnly: boolean;
  policy: { name: string; version: number; document: unknown };
}

/**
 * `hoop policy test [FILE] -c CONNECTION "SQL"`: the decision each statement would get, and the rule that fired.
 * With FILE, the policy in the file is tested (before applying it); otherwise the connection's current one. A mysql
 * connection's statements are judged with the MySQL grammar (evaluateMysql), as its agent judges them; with FILE, the
 * connection given with -c picks the grammar.
 */
export async function policyTest(env: CliEnv, opts: { file?: string; connection?: string; sql: string }): Promise<number> {
  let policy: Policy;
  let readOnly = false;
  let label: string;
  const connectionPolicy = async (name: string) => api<ConnectionPolicy>(await loadConfig(env), `/api/connections/${encodeURIComponent(name)}/policy`);
  let type: string | undefined;
  if (opts.file) {
    try {
      policy = parsePolicy(await readPolicyFile(opts.file));
    } catch (err) {
      if (err instanceof PolicyError) throw usage(err.message);
      throw err;
    }
    label = `policy "${policy.name}" from ${opts.file}`;
    if (opts.connection) type = (await connectionPolicy(opts.connection)).type;
  } else {
    if (!opts.connection) throw usage('give the connection with -c NAME, or a policy file to test');
    const r = await connectionPolicy(opts.connection);
    policy = parsePolicy(r.policy.document);
    readOnly = r.readOnly;
    type = r.type;
    label = `connection "${opts.connection}", policy "${r.policy.name}" v${r.policy.version}${readOnly ? ', read-only' : ''}`;
  }
  if (type === 'http') return httpPolicyTest(label, policy, readOnly, opts.sql);
  if (type === 'kubernetes') return (await import('./policy-kube')).kubePolicyTest(label, policy, readOnly, opts.sql);
  const mysql = type === 'mysql';
  if (mysql) {
    label += ' (MySQL/MariaDB SQL)';
    await initMysqlGuard();
  } else await initGuard();
  const d = (mysql ? evaluateMysql : evaluate)(opts.sql, policy, { readOnly });
  process.stdout.write(`${label}\n`);
  const rows = d.statements.map((s, i) => [String(i + 1), s.action.toUpperCase(), s.ruleId ?? '-', s.kind, oneLine(s.text, 60)]);
  if (rows.length) process.stdout.write(formatTable(['#', 'decision', 'rule', 'kind', 'statement'], rows));
  for (const s of d.statements)
    if (s.action !== 'allow')
      process.stdout.write(`\n${s.action === 'deny' ? 'blocked' : 'needs approval'} by "${s.ruleId}": ${s.message}\n  hint: ${s.hint ?? '-'}\n`);
  process.stdout.write(`\nresult: ${d.action}\n`);
  return d.action === 'allow' ? EXIT.ok : EXIT.blocked;
}

/** An http connection's request (as hoop exec takes it: `METHOD /path`, header lines, a blank line, the body) judged. */
function httpPolicyTest(label: string, policy: Policy, readOnly: boolean, text: string): number {
  const req = parseExecRequest(text);
  const d = evaluateHttp({ method: req.method, path: req.path, headers: req.headers }, policy, { readOnly, body: req.body });
  process.stdout.write(`${label} (HTTP)\n`);
  process.stdout.write(
    formatTable(['decision', 'rule', 'method', 'request'], [[d.action.toUpperCase(), d.ruleId ?? '-', d.method, oneLine(`${req.method} ${req.path}`, 60)]]),
  );
  if (d.action !== 'allow') process.stdout.write(`\n${d.action === 'deny' ? 'blocked' : 'needs approval'} by "${d.ruleId}": ${d.reason}\n`);
  process.stdout.write(`\nresult: ${d.action}\n`);
  return d.action === 'allow' ? EXIT.ok : EXIT.blocked;
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
