import { evaluate } from '../guard/evaluate';
import type { ShellCommand } from './analyze';
import { sqlInputs, sqlText } from './clients';
import type { ShellCheck } from './rules';
import { codeSource } from './wrappers';

const DOWNLOADERS = new Set(['curl', 'wget', 'fetch', 'aria2c', 'http', 'https', 'httpie', 'lwp-request', 'lwp-download', 'GET']);

const downloader = (from: readonly ShellCommand[]) => from.find((x) => DOWNLOADERS.has(x.name));
const short = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}…` : text);

export const pipeToShell: ShellCheck = (c) => {
  const values = c.argv.map((w) => w.value);
  const src = codeSource(c.name, values);
  if (!src) return null;
  const hint = 'download the script to a file, read it, then run the file (or request approval with --reason)';
  const fromStdin = src.reads === 'stdin' || (src.reads === 'file' && src.word !== undefined && ['/dev/stdin', '-'].includes(values[src.word]!));
  const piped = fromStdin ? downloader(c.stdin.from) : undefined;
  if (piped) return { message: `${piped.name} output piped into ${c.name} runs code from the network without review`, hint };
  const words = src.word !== undefined ? [c.argv[src.word]] : c.name === 'eval' ? c.argv.slice(1) : [];
  for (const w of words) {
    const d = w && downloader(w.from);
    if (d) return { message: `${short(c.text)} runs code downloaded by ${d.name} without review`, hint };
  }
  return null;
};

export const sqlInShell: ShellCheck = (c, { policy }) => {
  for (const input of sqlInputs(c.name, c.argv, c.stdin)) {
    const sql = sqlText(input);
    if (sql.trim() === '') continue;
    const d = evaluate(sql, policy);
    if (d.action === 'allow') continue;
    const how = `${c.name} ${input.source === 'standard input' ? 'with SQL on standard input' : input.source}`;
    if (d.ruleId === 'parse-error') {
      if (input.client === 'mysql') return { message: `${how} runs SQL that hoop's PostgreSQL grammar cannot read, so a reviewer checks it`, hint: 'request approval with --reason', action: 'review' };
      if (!input.literal) return { message: `${how} runs SQL built from shell expansions that hoop cannot read`, hint: 'write the SQL out, or request approval with --reason', action: 'review' };
      return { message: `${how} runs SQL that could not be parsed, so it was not sent`, hint: 'check the syntax; hoop only forwards statements it can read' };
    }
    return {
      message: `${how} runs SQL that guardrails stop (${d.ruleId}): ${d.reason ?? 'the statement is not allowed'}`,
      hint: d.hint ?? 'run the statement through hoop connect, where it is reviewed like any SQL',
      ...(d.action === 'review' ? { action: 'review' as const } : {}),
    };
  }
  return null;
};
