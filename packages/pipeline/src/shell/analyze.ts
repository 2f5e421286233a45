import { initGuard } from '../guard/analyze';
import { psqlShellEscapes, sqlInputs } from './clients';
import { loadShellParser, parseShell } from './parser';
import type { Assign, Command, Stmt, Word } from './syntax';
import { type ResolvedWord, resolveHeredoc, resolveWord, resolveWords, Source } from './words';
import { codeSource, type Inner, innerCommands } from './wrappers';

/** A word of a command line, with the commands whose output it holds (`$(…)`, `<(…)`). */
export interface ArgWord extends ResolvedWord {
  from: ShellCommand[];
}

export interface ShellRedirect {
  op: string;
  fd: string | null;
  target: ResolvedWord;
}

/**
 * What feeds a command's standard input: the commands before it in a pipeline, a here-document, `< <(…)`. `text` is
 * set when the input is written in the line (here-document, here-string, a literal `echo`), with each expansion
 * replaced by `x` unless `literal`.
 */
export interface Stdin {
  from: ShellCommand[];
  text: string | null;
  literal: boolean;
}

/** One program the line would start, wherever it sits: in a pipeline, a subshell, `$(…)`, under sudo, in `bash -c`. */
export interface ShellCommand {
  /** the command as written */
  text: string;
  /** the program without its directory (`rm` for `/bin/rm` or `\rm`); '' for a line that only assigns or redirects */
  name: string;
  /** arguments with quoting resolved; expansions as written (`$HOME`, `$(…)`) */
  args: string[];
  /** the program's name is only known when the line runs (`$CMD`, `$(…)`) */
  dynamic: boolean;
  /** what it runs under, outermost first: `['sudo', 'bash -c']` */
  via: string[];
  argv: ArgWord[];
  /** `NAME=value` before the command, or given to export/declare/local */
  assigns: { name: string; value: string }[];
  /** where its output goes: its own redirections and those of the groups around it */
  redirects: ShellRedirect[];
  stdin: Stdin;
  /** the function whose body it is in */
  fn: string | null;
  /** runs alongside others: a pipeline stage or in the background */
  concurrent: boolean;
  /** set when it runs code hoop cannot see: `eval "$x"`, `bash -c "$(…)"` */
  opaque: string | null;
  /**
   * the program whose arguments (or code it reads) hold this command: sudo for `sudo rm`, xargs for `xargs rm`, find
   * for `find -exec rm`, bash for the commands of `bash -c '…'`; null for the commands of the line itself
   */
  runBy: ShellCommand | null;
}

export type ShellAnalysis =
  | { ok: true; commands: ShellCommand[] }
  | { ok: false; error: string; reason: 'parse' | 'too-long' | 'too-deep'; incomplete: boolean };

export interface ShellOptions {
  /** longest command judged, in UTF-8 bytes; longer ones are refused without parsing */
  maxBytes?: number;
  /** how deep `bash -c`, `eval`, `ssh host '…'` may nest */
  maxDepth?: number;
}

export const SHELL_LIMITS = { maxBytes: 64 * 1024, maxDepth: 4, maxCommands: 5000, maxWrappers: 32 } as const;

/** Loads the shell and SQL grammars; `analyzeShell` and `evaluateShell` may be called after it resolves. */
export function initShellGuard(): Promise<void> {
  return Promise.all([loadShellParser(), initGuard()]).then(() => undefined);
}

class Unreadable extends Error {
  constructor(
    message: string,
    readonly reason: 'parse' | 'too-deep',
  ) {
    super(message);
  }
}

interface Ctx {
  src: Source;
  via: string[];
  fn: string | null;
  concurrent: boolean;
  stdin: Stdin;
  redirects: ShellRedirect[];
  depth: number;
  runBy: ShellCommand | null;
}

const NO_STDIN: Stdin = { from: [], text: null, literal: true };
const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** Parses a command line and lists every command it would run, each with what surrounds it. */
export function analyzeShell(command: string, opts: ShellOptions = {}): ShellAnalysis {
  const maxBytes = opts.maxBytes ?? SHELL_LIMITS.maxBytes;
  if (command.length > maxBytes || Buffer.byteLength(command) > maxBytes) {
    return { ok: false, error: `the command is ${Buffer.byteLength(command)} bytes, over the ${maxBytes}-byte limit`, reason: 'too-long', incomplete: false };
  }
  if (command.includes('\0')) return { ok: false, error: 'the command contains a NUL character', reason: 'parse', incomplete: false };
  const parsed = parseShell(command);
  if (!parsed.ok) return { ok: false, error: parsed.error.message, reason: 'parse', incomplete: parsed.error.incomplete };
  const walker = new Walker(opts.maxDepth ?? SHELL_LIMITS.maxDepth);
  try {
    walker.list(parsed.stmts, { src: new Source(command), via: [], fn: null, concurrent: false, stdin: NO_STDIN, redirects: [], depth: 0, runBy: null });
  } catch (err) {
    if (err instanceof Unreadable) return { ok: false, error: err.message, reason: err.reason, incomplete: false };
    if (err instanceof RangeError) return { ok: false, error: 'the command is nested too deeply to read', reason: 'too-deep', incomplete: false };
    throw err;
  }
  return { ok: true, commands: walker.out };
}

class Walker {
  readonly out: ShellCommand[] = [];
  constructor(private readonly maxDepth: number) {}

  list(stmts: Stmt[], ctx: Ctx): ShellCommand[] {
    const start = this.out.length;
    for (const s of stmts) this.stmt(s, ctx);
    return this.out.slice(start);
  }

  private stmt(s: Stmt, outer: Ctx): void {
    let ctx = s.background ? { ...outer, concurrent: true } : outer;
    if (s.redirs.length) ctx = this.redirections(s, ctx);
    const c = s.cmd;
    if (!c) {
      if (s.redirs.length) this.push(this.record('', [], ctx, [], this.text(s, ctx)));
      return;
    }
    if (c.type === 'call') return this.call(c, s, ctx);
    if (c.type === 'binary') {
      if (c.op === '|' || c.op === '|&') return this.pipeline(s, ctx);
      this.stmt(c.x, ctx);
      return this.stmt(c.y, ctx);
    }
    if (c.type === 'function') return this.stmt(c.body, { ...ctx, fn: c.name, concurrent: false });
    if (c.type === 'decl') {
      const v = c.variant;
      const name: ArgWord = {
        raw: v,
        value: v,
        literal: true,
        glob: false,
        path: v,
        sample: v,
        emptied: [],
        substs: [],
        start: s.start,
        end: s.start + v.length,
        from: [],
      };
      const words = this.words(c.words, ctx);
      const assigns = c.assigns.map((a) => this.assign(a, ctx));
      const record = this.record(
        v,
        [name, ...words],
        ctx,
        assigns.map((a) => ({ name: a.name, value: a.value ?? '' })),
        this.text(s, ctx),
      );
      record.args.push(...assigns.map((a) => (a.value === null ? a.name : `${a.name}=${a.value}`)));
      return this.push(record);
    }
    for (const w of c.words) this.substs(resolveWord(w, ctx.src), ctx);
    const inner = c.kind === 'coproc' ? { ...ctx, concurrent: true } : ctx;
    for (const l of c.lists) this.list(l, inner);
  }

  /** a pipeline's stages, each reading what the stages before it wrote */
  private pipeline(s: Stmt, ctx: Ctx): void {
    const stages: Stmt[] = [];
    const flatten = (x: Stmt): void => {
      if (x.cmd?.type === 'binary' && (x.cmd.op === '|' || x.cmd.op === '|&') && x.redirs.length === 0 && !x.background) {
        flatten(x.cmd.x);
        flatten(x.cmd.y);
      } else stages.push(x);
    };
    // the pipeline's own statement carries `&` for the whole pipeline, already in ctx
    if (s.cmd?.type === 'binary') {
      flatten(s.cmd.x);
      flatten(s.cmd.y);
    }
    let stdin = ctx.stdin;
    let upstream = ctx.stdin.from;
    for (const stage of stages) {
      const start = this.out.length;
      this.stmt(stage, { ...ctx, concurrent: true, stdin });
      const made = this.out.slice(start);
      upstream = [...upstream, ...made];
      stdin = { from: upstream, ...echoed(made) };
    }
  }

  private redirections(s: Stmt, ctx: Ctx): Ctx {
    let stdin = ctx.stdin;
    const writes: ShellRedirect[] = [];
    for (const r of s.redirs) {
      if ((r.op === '<<' || r.op === '<<-') && r.hdoc) {
        const body = resolveHeredoc(r.hdoc, ctx.src);
        stdin = { from: this.substs(body, ctx), text: body.literal ? body.value : body.sample, literal: body.literal };
        continue;
      }
      if (!r.word) continue;
      const target = resolveWord(r.word, ctx.src);
      const from = this.substs(target, { ...ctx, stdin: NO_STDIN });
      if (r.op === '<<<') stdin = { from, text: `${target.literal ? target.value : target.sample}\n`, literal: target.literal };
      else if (r.op === '<') stdin = { from, text: null, literal: true };
      else if (r.op === '<&' || (r.op === '>&' && /^(\d+|-)$/.test(target.value)) || r.op === '<<' || r.op === '<<-') continue;
      else writes.push({ op: r.op, fd: r.fd, target });
    }
    return { ...ctx, stdin, redirects: writes.length ? [...ctx.redirects, ...writes] : ctx.redirects };
  }

  private call(c: Extract<Command, { type: 'call' }>, s: Stmt, ctx: Ctx): void {
    const assigns = c.assigns.map((a) => this.assign(a, ctx)).map((a) => ({ name: a.name, value: a.value ?? '' }));
    const argv = this.words(c.args, ctx);
    if (argv.length === 0) return this.push(this.record('', [], ctx, assigns, this.text(s, ctx)));
    this.run(argv, ctx, assigns, this.text(s, ctx));
  }

  /** one program with its arguments, then whatever it runs in turn */
  private run(argv: ArgWord[], ctx: Ctx, assigns: ShellCommand['assigns'], text: string): void {
    if (ctx.via.length > SHELL_LIMITS.maxWrappers) throw new Unreadable(`more than ${SHELL_LIMITS.maxWrappers} commands wrap one another`, 'too-deep');
    const first = argv[0]!;
    const record = this.record(first.literal ? basename(first.value) : first.value, argv, ctx, assigns, text);
    this.push(record);
    if (record.dynamic) return;
    const values = argv.map((a) => a.value);
    for (const inner of innerCommands(record.name, values)) {
      if (inner.kind === 'script') this.script(record, inner, argv, ctx);
      else {
        const sub = argv.slice(inner.from, inner.to);
        this.run(sub, { ...ctx, via: [...ctx.via, inner.label], runBy: record }, [], ctx.src.slice(sub[0]!.start, sub.at(-1)!.end));
      }
    }
    const code = codeSource(record.name, values);
    if (code?.shell && code.reads === 'stdin') {
      const writer = ctx.stdin.from.at(-1);
      if (ctx.stdin.text !== null) {
        if (ctx.stdin.literal) this.nested(ctx.stdin.text, `${record.name} (standard input)`, { ...ctx, stdin: NO_STDIN, runBy: record });
        else record.opaque = `${record.name} reads commands from a here-document with expansions, known only when the line runs`;
      } else if (writer) record.opaque = `${record.name} runs the commands ${writer.name || 'another command'} writes to it, known only when the line runs`;
    }
    if (code?.shell && code.reads === 'file' && code.word !== undefined && argv[code.word]?.substs.some((s) => s.proc)) {
      record.opaque ??= `${record.name} runs the commands ${argv[code.word]!.raw} writes, known only when the line runs`;
    }
    for (const input of sqlInputs(record.name, argv, ctx.stdin)) {
      for (const shellLine of psqlShellEscapes(input)) this.nested(shellLine, `${record.name} \\!`, { ...ctx, stdin: NO_STDIN, runBy: record });
    }
  }

  private script(record: ShellCommand, inner: Extract<Inner, { kind: 'script' }>, argv: ArgWord[], ctx: Ctx): void {
    const words = inner.words.map((i) => argv[i]!);
    if (!words.every((w) => w.literal)) {
      record.opaque ??= `${inner.label} runs ${words.map((w) => w.raw).join(' ')}, which is only known when the line runs`;
      return;
    }
    this.nested(inner.text ?? words.map((w) => w.value).join(' '), inner.label, { ...ctx, via: [...ctx.via, inner.label], runBy: record });
  }

  /** shell code inside a string: parsed and walked like the line itself */
  private nested(code: string, label: string, ctx: Ctx): void {
    if (ctx.depth + 1 > this.maxDepth)
      throw new Unreadable(`commands nest more than ${this.maxDepth} levels deep (${[...ctx.via, label].join(' → ')})`, 'too-deep');
    const parsed = parseShell(code);
    if (!parsed.ok) throw new Unreadable(`the code given to ${label} could not be parsed (${parsed.error.message})`, 'parse');
    this.list(parsed.stmts, { ...ctx, src: new Source(code), depth: ctx.depth + 1 });
  }

  private words(ws: Word[], ctx: Ctx): ArgWord[] {
    return resolveWords(ws, ctx.src).map((r) => ({ ...r, from: this.substs(r, ctx) }));
  }

  private assign(a: Assign, ctx: Ctx): { name: string; value: string | null } {
    for (const w of a.nested) this.substs(resolveWord(w, ctx.src), ctx);
    if (!a.value) return { name: a.name, value: null };
    const v = resolveWord(a.value, ctx.src);
    this.substs(v, ctx);
    return { name: a.name, value: v.value };
  }

  /** walks the command substitutions of a word; returns the commands they start */
  private substs(w: ResolvedWord, ctx: Ctx): ShellCommand[] {
    if (w.substs.length === 0) return [];
    const start = this.out.length;
    for (const s of w.substs) this.list(s.stmts, { ...ctx, redirects: [], stdin: s.proc ? NO_STDIN : ctx.stdin });
    return this.out.slice(start);
  }

  private record(name: string, argv: ArgWord[], ctx: Ctx, assigns: ShellCommand['assigns'], text: string): ShellCommand {
    return {
      text,
      name,
      args: argv.slice(1).map((a) => a.value),
      dynamic: argv.length > 0 && !argv[0]!.literal,
      via: ctx.via,
      argv,
      assigns,
      redirects: ctx.redirects,
      stdin: ctx.stdin,
      fn: ctx.fn,
      concurrent: ctx.concurrent,
      opaque: null,
      runBy: ctx.runBy,
    };
  }

  private push(c: ShellCommand): void {
    if (this.out.length >= SHELL_LIMITS.maxCommands) throw new Unreadable(`the line runs more than ${SHELL_LIMITS.maxCommands} commands`, 'too-deep');
    this.out.push(c);
  }

  private text(s: Stmt, ctx: Ctx): string {
    let end = s.start;
    const c = s.cmd;
    if (c?.type === 'call') for (const w of [...c.args, ...c.assigns.flatMap((a) => (a.value ? [a.value] : []))]) end = Math.max(end, w.end);
    if (c?.type === 'decl') for (const w of [...c.words, ...c.assigns.flatMap((a) => (a.value ? [a.value] : []))]) end = Math.max(end, w.end);
    for (const r of s.redirs) if (r.word) end = Math.max(end, r.word.end);
    return ctx.src.slice(s.start, end).trim();
  }
}

/** `echo 'select 1' | psql`: what a literal echo writes */
function echoed(made: ShellCommand[]): { text: string | null; literal: boolean } {
  const c = made.length === 1 ? made[0]! : null;
  if (!c || c.redirects.length || (c.name !== 'echo' && c.name !== 'printf')) return { text: null, literal: true };
  const args = c.argv.slice(1);
  if (c.name === 'echo') while (args[0] && /^-[neE]+$/.test(args[0].value)) args.shift();
  if (c.name === 'printf' && args.length !== 1) return { text: null, literal: true };
  return { text: `${args.map((a) => (a.literal ? a.value : a.sample)).join(' ')}\n`, literal: args.every((a) => a.literal) };
}
