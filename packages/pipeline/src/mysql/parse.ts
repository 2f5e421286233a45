import {
  BailErrorStrategy,
  BaseErrorListener,
  CharStreams,
  CommonTokenStream,
  DefaultErrorStrategy,
  ParseCancellationException,
  type ParserRuleContext,
  PredictionMode,
  type RecognitionException,
  type Recognizer,
  type Token,
} from 'antlr4ng';
import { MySqlLexer } from 'dt-sql-parser/dist/lib/mysql/MySqlLexer.js';
import { type ProgramContext, MySqlParser, type SqlStatementContext } from 'dt-sql-parser/dist/lib/mysql/MySqlParser.js';

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

/** The DFA states the parser and the lexer hold now. */
export function dfaStates(): number {
  const { lexer, parser } = simulators();
  let n = 0;
  for (const dfa of parser.decisionToDFA) n += dfa.states.length;
  for (const dfa of lexer.decisionToDFA) n += dfa.states.length;
  return n;
}

function boundCaches(): void {
  if (++parses % CHECK_EVERY !== 0 || dfaStates() <= MAX_DFA_STATES) return;
  const { lexer, parser } = simulators();
  parser.clearDFA();
  lexer.clearDFA();
}

function simulators() {
  const lexer = new MySqlLexer(CharStreams.fromString(''));
  return { lexer: lexer.interpreter, parser: new MySqlParser(new CommonTokenStream(lexer)).interpreter };
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

function run(text: string, sll: boolean): Run {
  const errors = new FirstError();
  const lexer = new MySqlLexer(CharStreams.fromString(text));
  lexer.removeErrorListeners();
  lexer.addErrorListener(errors);
  const parser = new MySqlParser(new CommonTokenStream(lexer));
  parser.removeErrorListeners();
  parser.addErrorListener(errors);
  if (sll) {
    parser.interpreter.predictionMode = PredictionMode.SLL;
    parser.errorHandler = new BailErrorStrategy();
  } else {
    parser.interpreter.predictionMode = PredictionMode.LL;
    parser.errorHandler = new DefaultErrorStrategy();
  }
  try {
    return { tree: parser.program(), error: null };
  } catch (e) {
    if (e instanceof Stop || e instanceof ParseCancellationException) return { tree: null, error: errors.first };
    // thousands of nested parentheses: refused, as what cannot be read is (no position: nothing before it is kept either)
    if (e instanceof RangeError) return { tree: null, error: { message: 'it nests too deeply to be read', position: -1 } };
    throw e;
  }
}

/**
 * Parses a rendered text (see render.ts) with dt-sql-parser's MySQL grammar: the fast SLL prediction first, the full LL
 * one only when SLL fails (the usual two-stage ANTLR parse: SLL never accepts what LL refuses, and LL costs 100 times
 * more on this grammar). The first syntax error fails the whole text and ends the parse.
 */
export function parseMysql(text: string): ParseResult {
  boundCaches();
  let r = run(text, true);
  if (r.error || !r.tree) r = run(text, false);
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
  const lexer = new MySqlLexer(CharStreams.fromString(text.slice(0, position)));
  lexer.removeErrorListeners();
  let last = -1;
  for (let t = lexer.nextToken(); t.type !== MySqlLexer.EOF; t = lexer.nextToken()) if (t.type === MySqlLexer.SEMI) last = t.start;
  return last;
}
