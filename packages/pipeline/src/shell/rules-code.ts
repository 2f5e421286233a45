import { evaluate } from '../guard/evaluate';
import type { ShellCommand } from './analyze';
import { sqlInputs, sqlText } from './clients';
import { readOptions } from './options';
import type { ShellCheck } from './shell-check';
import { codeSource, interpreterName } from './wrappers';

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
      if (input.client === 'mysql')
        return {
          message: `${how} runs SQL that hoop's PostgreSQL grammar cannot read, so a reviewer checks it`,
          hint: 'request approval with --reason',
          action: 'review',
        };
      if (!input.literal)
        return {
          message: `${how} runs SQL built from shell expansions that hoop cannot read`,
          hint: 'write the SQL out, or request approval with --reason',
          action: 'review',
        };
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

const LANGUAGES: Record<string, string> = { python: 'Python', perl: 'Perl', ruby: 'Ruby', node: 'JavaScript', php: 'PHP' };
const CODE_HINT = 'write it as shell commands hoop can read (jq for JSON, rm for files), or request approval with --reason';

const AWKS = new Set(['awk', 'gawk', 'mawk', 'nawk']);
const AWK = { short: 'fFvWeilE', long: ['file', 'field-separator', 'assign', 'source', 'include', 'load', 'exec'] };
/** awk calls out to the system: `system(…)`, `print | "cmd"`, `"cmd" | getline`, `|&` */
const AWK_RUNS = /\bsystem\s*\(|(^|[^|])\|(?!\|)\s*[\w"&$(]/;

/** the awk program text given on the command line, or null when it comes from a file */
function awkPrograms(c: ShellCommand): { text: string; literal: boolean }[] {
  const v = c.argv.map((w) => w.value);
  const o = readOptions(v, 1, AWK);
  const source = o.all.filter((x) => x.name === 'e' || x.name === 'source');
  if (source.length) return source.map((x) => ({ text: x.value, literal: c.argv[x.index]!.literal }));
  if (o.seen.has('f') || o.seen.has('file') || o.seen.has('E') || o.seen.has('exec')) return [];
  const w = c.argv[o.operand];
  return w ? [{ text: w.value, literal: w.literal }] : [];
}

/**
 * Code for an interpreter written in the line (`python3 -c`, `perl -e`, a here-document fed to `node`), and awk
 * programs that run commands: hoop reads shell, not these languages, so a reviewer does.
 */
export const interpreterCode: ShellCheck = (c) => {
  if (c.dynamic) return null;
  if (AWKS.has(c.name)) {
    const v = c.argv.map((w) => w.value);
    const o = readOptions(v, 1, AWK);
    if (o.seen.has('l') || o.seen.has('load')) return { message: `${c.name} loads an extension library, which can do anything`, hint: CODE_HINT };
    const runs = awkPrograms(c).find((p) => !p.literal || AWK_RUNS.test(p.text));
    if (!runs) return null;
    return {
      message: runs.literal
        ? `${c.name} runs commands from its program (system() or a pipe), which hoop does not read`
        : `${c.name} runs a program only known when the line runs`,
      hint: CODE_HINT,
    };
  }
  const interp = interpreterName(c.name);
  const language = interp && LANGUAGES[interp];
  if (!language) return null;
  const src = codeSource(
    c.name,
    c.argv.map((w) => w.value),
  );
  if (!src) return null;
  if (src.reads === 'string') return { message: `${c.name} runs ${language} code given on its command line, which hoop does not read`, hint: CODE_HINT };
  if (src.reads === 'stdin' && c.stdin.text !== null)
    return { message: `${c.name} runs ${language} code written in the line (on its standard input), which hoop does not read`, hint: CODE_HINT };
  const writer = c.stdin.from.at(-1);
  if (src.reads === 'stdin' && writer)
    return { message: `${c.name} runs the ${language} code ${writer.name || 'another command'} writes to it, which hoop does not read`, hint: CODE_HINT };
  const file = src.reads === 'file' && src.word !== undefined ? c.argv[src.word] : undefined;
  if (file?.substs.some((s) => s.proc)) return { message: `${c.name} runs the ${language} code ${file.raw} writes, which hoop does not read`, hint: CODE_HINT };
  return null;
};
