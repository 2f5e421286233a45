import {
  BailErrorStrategy,
  BaseErrorListener,
  CharStreams,
  CommonTokenStream,
  DefaultErrorStrategy,
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

export type ParseResult = { ok: true; statements: ParsedStatement[] } | { ok: false; error: string; position: number };

class Collect extends BaseErrorListener {
  first: { message: string; position: number } | null = null;
  override syntaxError<S extends Token, T>(_r: Recognizer<never>, token: S | null, line: number, column: number, msg: string, _e: RecognitionException | null) {
    void (_r as unknown as T);
    this.first ??= { message: `line ${line}:${column + 1}: ${msg}`, position: token?.start ?? 0 };
  }
}

function run(text: string, sll: boolean): { tree: ProgramContext; tokens: CommonTokenStream; error: Collect['first'] } {
  const lexer = new MySqlLexer(CharStreams.fromString(text));
  const errors = new Collect();
  lexer.removeErrorListeners();
  lexer.addErrorListener(errors);
  const tokens = new CommonTokenStream(lexer);
  const parser = new MySqlParser(tokens);
  parser.removeErrorListeners();
  parser.addErrorListener(errors);
  if (sll) {
    parser.interpreter.predictionMode = PredictionMode.SLL;
    parser.errorHandler = new BailErrorStrategy();
  } else {
    parser.interpreter.predictionMode = PredictionMode.LL;
    parser.errorHandler = new DefaultErrorStrategy();
  }
  const tree = parser.program();
  return { tree, tokens, error: errors.first };
}

/**
 * Parses a rendered text (see render.ts) with dt-sql-parser's MySQL grammar: the fast SLL prediction first, the full LL
 * one when SLL fails (the usual two-stage ANTLR parse: SLL never accepts what LL refuses). Any syntax error fails the
 * whole text.
 */
export function parseMysql(text: string): ParseResult {
  let r: ReturnType<typeof run>;
  try {
    r = run(text, true);
    if (r.error) r = run(text, false);
  } catch {
    r = run(text, false);
  }
  if (r.error) return { ok: false, error: r.error.message, position: r.error.position };
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
 * (a `;` inside a routine body may come first: then the cut is earlier), up to `tries` times.
 */
export function parsePrefix(text: string, tries = 6): ParsedStatement[] | null {
  let end = text.length;
  for (let i = 0; i < tries; i++) {
    const r = parseMysql(text.slice(0, end));
    if (r.ok) return r.statements;
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
