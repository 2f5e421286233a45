import { createRequire } from 'node:module';
import path from 'node:path';
import {
  BailErrorStrategy,
  BaseErrorListener,
  CharStreams,
  CommonTokenStream,
  DefaultErrorStrategy,
  ParseCancellationException,
  Parser,
  type ParserRuleContext,
  PredictionMode,
  type RecognitionException,
  type Recognizer,
  type Token,
} from 'antlr4ng';
import type { MySqlLexer } from 'dt-sql-parser/dist/lib/mysql/MySqlLexer.js';
import type { MySqlParser, ProgramContext, SqlStatementContext } from 'dt-sql-parser/dist/lib/mysql/MySqlParser.js';
import { literalRowCuts, shiftTokens, withoutCuts } from './literal-rows';

/**
 * The MySQL grammar (dt-sql-parser's generated lexer and parser) is loaded when it is first needed: loading it costs
 * about 70 MB and half a second, which a process that never judges MySQL (an agent serving Postgres and SSH) does not
 * pay. `loadMysqlParser` loads it; a caller that cannot wait (a test, a one-off judgement) gets it loaded on the spot
 * with `require`, where that yields the same antlr4ng as the grammar's own imports (see `grammarNow`).
 */
interface Grammar {
  MySqlLexer: typeof MySqlLexer;
  MySqlParser: typeof MySqlParser;
}
let grammar: Grammar | null = null;
let loading: Promise<Grammar> | null = null;

/**
 * A grammar whose parser is built on the antlr4ng this module holds (one copy of the runtime, or nothing works), made
 * ready: the first parser reads the grammar's serialized ATN (a few hundred milliseconds), which does not belong to
 * the time of the first statement judged.
 */
function checked(lexer: { MySqlLexer: typeof MySqlLexer }, parser: { MySqlParser: typeof MySqlParser }, prime = true): Grammar {
  if (!(parser.MySqlParser.prototype instanceof Parser)) throw new Error('the MySQL grammar was loaded with another copy of antlr4ng');
  const g = { MySqlLexer: lexer.MySqlLexer, MySqlParser: parser.MySqlParser };
  if (prime) for (const text of PRIMERS) run(g, text, null);
  return g;
}

const PRIMERS = [
  // no statement: the lexer's and the parser's ATN are read
  '',
  // a statement's first parse fills the prediction cache for its shapes (the first SELECT alone takes most of a second
  // of CPU): the shapes clients send first and most, read at load, one per turn of the event loop, so that a first
  // session's statements are not refused for the time the cache takes to fill (see evaluateMysql's retries)
  'select @@version_comment limit 1',
  "select a, b.c, count(*) as n from t join u b on b.id = t.id where t.x = 'y' and t.z like 'a%' or t.w in (1, 2) group by a order by n desc limit 5",
  'select * from t where id = ? and name is not null order by id',
  "insert into t (a, b) values (1, 'x'), (2, null)",
  "update t set a = a + 1, b = 'x' where id = 3",
  'delete from t where id = 4',
  'set names utf8mb4; set autocommit = 1; show tables; use d; begin; commit; rollback',
  "select column_name, data_type from information_schema.columns where table_schema = database() and table_name = 't'",
];
/** One turn of the event loop: loading takes steps of a few hundred milliseconds, with what waits run between them. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Loads the MySQL grammar (once); resolves when parseMysql can run. */
export function loadMysqlParser(): Promise<void> {
  loading ??= (async () => {
    const lexer = await import('dt-sql-parser/dist/lib/mysql/MySqlLexer.js');
    await turn();
    const parser = await import('dt-sql-parser/dist/lib/mysql/MySqlParser.js');
    await turn();
    const g = checked(lexer, parser, false);
    for (const text of PRIMERS) {
      run(g, text, null);
      await turn();
    }
    grammar ??= g;
    return g;
  })().catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading.then(() => undefined);
}

/** Whether the grammar is loaded, loading it now if it can be (see grammarNow). */
export const mysqlParserReady = () => grammarNow() !== null;

/** The grammar, loaded now if it is not yet: null when it cannot be loaded synchronously here. */
function grammarNow(): Grammar | null {
  if (grammar) return grammar;
  try {
    // resolved from this source's folder (bundles keep `import.meta.dirname` pointing there)
    const require = createRequire(path.join(import.meta.dirname, 'parse.ts'));
    grammar = checked(require('dt-sql-parser/dist/lib/mysql/MySqlLexer.js'), require('dt-sql-parser/dist/lib/mysql/MySqlParser.js'));
  } catch {
    return null;
  }
  return grammar;
}

export type { ParserRuleContext };

export interface ParsedStatement {
  text: string;
  node: SqlStatementContext;
}

/** `position` is where the first syntax error is, -1 when the text could not be read that far */
export type ParseResult = { ok: true; statements: ParsedStatement[] } | { ok: false; error: string; position: number };

/**
 * ANTLR keeps what it learns about the grammar (its DFA) across parsers, per decision: it makes the next statement of the
 * same shape fast, and it grows with every new shape. It is counted every CHECK_EVERY parses and dropped past
 * MAX_DFA_STATES (it grows back from the next statements; a verdict never depends on it).
 */
const CHECK_EVERY = 256;
export const MAX_DFA_STATES = 40_000;
let parses = 0;

/** The DFA states the parser and the lexer hold now (0 before the grammar is loaded). */
export function dfaStates(): number {
  if (!grammar) return 0;
  // the generated classes keep their DFA in a static field that every parser and lexer shares
  type Shared = { decisionsToDFA: { states: { length: number } }[] };
  let n = 0;
  for (const dfa of (grammar.MySqlParser as unknown as Shared).decisionsToDFA) n += dfa.states.length;
  for (const dfa of (grammar.MySqlLexer as unknown as Shared).decisionsToDFA) n += dfa.states.length;
  return n;
}

function boundCaches(): void {
  if (++parses % CHECK_EVERY === 0 && dfaStates() > MAX_DFA_STATES) clearMysqlDfa();
}

/**
 * Drops what ANTLR has learnt of the grammar (its DFA: the next statements of each shape are slower while it grows
 * back; no verdict depends on it). A process that bounds its memory calls it when its heap grows past its bound.
 */
export function clearMysqlDfa(): void {
  const sims = simulators();
  if (!sims) return;
  sims.parser.clearDFA();
  sims.lexer.clearDFA();
}

function simulators() {
  if (!grammar) return null;
  const lexer = new grammar.MySqlLexer(CharStreams.fromString(''));
  return { lexer: lexer.interpreter, parser: new grammar.MySqlParser(new CommonTokenStream(lexer)).interpreter };
}

/**
 * The time a text may take to be read: most statements take well under a millisecond, but ANTLR's prediction is not
 * linear in every case (nested CASE or BEGIN blocks, a syntax error at the end of a long statement: minutes for a few
 * kilobytes), and the guard runs on the agent's event loop. A parse that runs past its budget stops, and the text is
 * refused (fail closed) with a message that says so. Long texts get time in proportion to their length (a list of
 * 10,000 ids, a script), up to BUDGET_MAX_MS; the clock is read inside the parse, so it stops within milliseconds of
 * its budget (see TimedTokens and timeClosures).
 */
export const BUDGET_BASE_MS = 1000;
export const BUDGET_PER_KB_MS = 10;
export const BUDGET_MAX_MS = 3000;

/**
 * What a budget is counted in: the process's CPU time (a parse is CPU-bound, and the agent does little else while it
 * runs), so a loaded machine does not refuse what a quiet one reads: there the event loop waits longer, in proportion.
 * (A wall-clock limit refused ordinary first statements, whose first parse fills the prediction cache, while the test
 * suite, a web build and browsers shared the 2 cores.)
 */
let cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Sets the clock budgets are counted in (milliseconds of CPU time, read at most every 5 ms of a parse). The default is
 * the process's CPU time; the agent's MySQL guard (a process of its own) gives its parsing thread's own.
 */
export function setMysqlParseClock(clock: () => number): void {
  cpuMs = clock;
}

/** The budget of a text `length` characters long, in milliseconds. */
export function parseBudgetMs(length: number): number {
  return Math.min(BUDGET_MAX_MS, Math.round(BUDGET_BASE_MS + (BUDGET_PER_KB_MS * length) / 1024));
}

interface Deadline {
  /** CPU time (cpuMs) past which the parse stops */
  at: number;
  /** when to read the CPU time next (performance.now): reading it is a system call, the wall clock is not */
  next: number;
  ms: number;
  exceeded: boolean;
}

/** the CPU time can only be past the budget once the wall clock is (the parse runs on this thread) */
const deadlineIn = (ms: number): Deadline => ({ at: cpuMs() + ms, next: performance.now() + ms, ms, exceeded: false });
const past = (d: Deadline) => {
  const now = performance.now();
  if (now < d.next) return false;
  d.next = now + 5;
  return cpuMs() > d.at;
};
let shared: Deadline | null = null;

/**
 * Runs `f` with every parse in it under one deadline `ms` from now (a text's readings and the statements PREPARE
 * prepares share the budget of the text); `exceeded` tells whether a parse ran past it (and was failed). Without it,
 * each parse has the budget of its own text.
 */
export function withParseBudget<T>(ms: number, f: () => T): { value: T; exceeded: boolean } {
  if (shared) {
    const outer = shared;
    return { value: f(), exceeded: outer.exceeded };
  }
  const mine = deadlineIn(ms);
  shared = mine;
  try {
    return { value: f(), exceeded: mine.exceeded };
  } finally {
    shared = null;
  }
}

/** Thrown inside a parse when its deadline has passed. */
class OverBudget extends Error {}

/**
 * Tokens as the parser and its prediction read them (every look-ahead goes through LT): the clock is read every
 * 1,024 reads, often enough that the longest gap measured between two reads stays far below a millisecond.
 */
class TimedTokens extends CommonTokenStream {
  private reads = 0;
  constructor(
    source: ConstructorParameters<typeof CommonTokenStream>[0],
    private readonly until: Deadline | null,
  ) {
    super(source);
  }
  override LT(k: number): Token | null {
    if ((++this.reads & 1023) === 0 && this.until && past(this.until)) throw new OverBudget();
    return super.LT(k);
  }
}

/**
 * ANTLR's prediction can work for long between two reads of a token: on nested CASE, NOT or BEGIN it computes closures
 * over deep contexts (seconds per token). The simulator's closure step reads the clock too, every 1,024 steps.
 */
function timeClosures(parser: MySqlParser, until: Deadline): void {
  type Step = (this: unknown, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown, g: unknown) => void;
  const sim = parser.interpreter as unknown as { closureCheckingStopState: Step };
  const step = sim.closureCheckingStopState;
  let steps = 0;
  // its seven arguments by name: no array per call on the parser's hottest path
  sim.closureCheckingStopState = function (this: unknown, a, b, c, d, e, f, g) {
    if ((++steps & 1023) === 0 && past(until)) throw new OverBudget();
    step.call(this, a, b, c, d, e, f, g);
  };
}

/** Thrown by the listener at the first syntax error: only the first is reported, and recovering after it costs more than the parse. */
class Stop extends Error {}

class FirstError extends BaseErrorListener {
  first: { message: string; position: number } | null = null;
  override syntaxError<S extends Token, T>(_r: Recognizer<never>, token: S | null, line: number, column: number, msg: string, _e: RecognitionException | null) {
    void (_r as unknown as T);
    this.first = { message: `line ${line}:${column + 1}: ${msg}`, position: token?.start ?? 0 };
    throw new Stop();
  }
}

type Run = { tree: ProgramContext; error: null } | { tree: null; error: { message: string; position: number } | null };

/**
 * The usual two-stage ANTLR parse: the fast SLL prediction first, the full LL one only when SLL fails (SLL never accepts
 * what LL refuses, and LL costs 100 times more on this grammar), over the same tokens.
 */
function run(g: Grammar, text: string, until: Deadline | null): Run {
  const errors = new FirstError();
  // the inner rows of a long INSERT … VALUES of literals are not read (literal-rows.ts)
  const cuts = literalRowCuts(text);
  const lexer = new g.MySqlLexer(CharStreams.fromString(cuts.length ? withoutCuts(text, cuts) : text));
  lexer.removeErrorListeners();
  lexer.addErrorListener(errors);
  const tokens = new TimedTokens(lexer, until);
  if (cuts.length) shiftTokens(tokens, text, cuts);
  const parser = new g.MySqlParser(tokens);
  if (until) timeClosures(parser, until);
  parser.removeErrorListeners();
  parser.addErrorListener(errors);
  parser.interpreter.predictionMode = PredictionMode.SLL;
  parser.errorHandler = new BailErrorStrategy();
  try {
    return { tree: parser.program(), error: null };
  } catch (e) {
    if (!(e instanceof Stop || e instanceof ParseCancellationException)) return failed(e);
  }
  errors.first = null;
  tokens.seek(0);
  parser.reset();
  parser.interpreter.predictionMode = PredictionMode.LL;
  parser.errorHandler = new DefaultErrorStrategy();
  try {
    return { tree: parser.program(), error: null };
  } catch (e) {
    if (e instanceof Stop || e instanceof ParseCancellationException) return { tree: null, error: errors.first };
    return failed(e);
  }
}

function failed(e: unknown): Run {
  if (e instanceof OverBudget) throw e;
  // thousands of nested parentheses: refused, as what cannot be read is (no position: nothing before it is kept either)
  if (e instanceof RangeError) return { tree: null, error: { message: 'it nests too deeply to be read', position: -1 } };
  throw e;
}

/**
 * Parses a rendered text (see render.ts) with dt-sql-parser's MySQL grammar (see `run`). The first syntax error fails
 * the whole text and ends the parse; so does running past the time budget (see `parseBudgetMs`), and a grammar that
 * cannot be loaded.
 */
export function parseMysql(text: string): ParseResult {
  const g = grammarNow();
  if (!g) return { ok: false, error: 'the MySQL parser could not be loaded', position: -1 };
  const deadline = shared ?? deadlineIn(parseBudgetMs(text.length));
  if (deadline.exceeded) return overBudget(deadline);
  boundCaches();
  let r: Run;
  try {
    r = run(g, text, deadline);
  } catch (e) {
    if (!(e instanceof OverBudget)) throw e;
    deadline.exceeded = true;
    return overBudget(deadline);
  }
  if (!r.tree) {
    const error = r.error ?? { message: 'the parser stopped without a reason', position: 0 };
    return { ok: false, error: error.message, position: error.position };
  }
  const statements: ParsedStatement[] = [];
  for (const single of r.tree.singleStatement()) {
    const node = single.sqlStatement();
    if (!node) continue;
    statements.push({ text: textOf(text, node), node });
  }
  return { ok: true, statements };
}

function overBudget(d: Deadline): ParseResult {
  return { ok: false, error: `reading it took more than the ${d.ms} ms the guard gives a text of this length`, position: -1 };
}

/** The source text of a node. */
export function textOf(text: string, node: ParserRuleContext): string {
  const start = node.start?.start ?? 0;
  const stop = node.stop?.stop ?? text.length - 1;
  return text.slice(start, stop + 1);
}

/**
 * The statements MySQL would run from a text that does not parse as a whole: it parses and runs one statement after
 * another, so those before the first that fails run. Cuts the text at the last `;` before the error and parses again
 * (a `;` inside a routine body may come first: then the cut is earlier), up to `tries` times. `inQuote`: the text was
 * cut where a string or quoted identifier opens and never closes, so the statement it ends in fails in MySQL's lexer
 * and never runs: the text is cut at its last `;` first, unparsed (what parses there would not run).
 */
export function parsePrefix(text: string, inQuote = false, tries = 6): ParsedStatement[] | null {
  let end = text.length;
  let i = 0;
  if (inQuote) {
    end = lastSemicolonBefore(text, end);
    if (end <= 0) return [];
    i++;
  }
  for (; i < tries; i++) {
    const r = parseMysql(text.slice(0, end));
    if (r.ok) return r.statements;
    if (r.position < 0) return null;
    const cut = lastSemicolonBefore(text, Math.min(r.position, end));
    if (cut <= 0) return [];
    end = cut;
  }
  return null;
}

function lastSemicolonBefore(text: string, position: number): number {
  const g = grammarNow();
  if (!g) return -1;
  const lexer = new g.MySqlLexer(CharStreams.fromString(text.slice(0, position)));
  lexer.removeErrorListeners();
  let last = -1;
  for (let t = lexer.nextToken(); t.type !== g.MySqlLexer.EOF; t = lexer.nextToken()) if (t.type === g.MySqlLexer.SEMI) last = t.start;
  return last;
}
