/**
 * Masking what the model reads: a Messages API request (`POST /v1/messages`, `/v1/messages/count_tokens`) as Claude
 * Code sends it, its PII replaced with the detectors and styles of query results (the session's masker), as the
 * claude policy's `mask` section says:
 *
 * - a `tool_result` is masked when the `tool_use` of its id (in the request's assistant messages before it) is a tool
 *   `mask.toolResults` names (`Bash`, `mcp__*`; case is ignored), or a Read whose `file_path` is one of
 *   `mask.dataFiles` (or a Grep of them: grep-results.ts; a Grep of a whole tree has the lines it found in data files
 *   masked). It is masked too when no `tool_use` has its id, when its tool is not among the request's
 *   `tools`, when a Read names no path, and while the policy does not validate: what cannot be told apart is masked
 *   (fail closed). Its content — a string or blocks — is searched whole: text that is a JSON document (an MCP result)
 *   is read as JSON (by key names, escapes decoded), nested blocks are searched too; images and base64 sources are
 *   left as they are.
 * - with `mask.userText`, the text of the conversation: user messages (strings, text blocks, text documents, and
 *   Claude Code's `<system-reminder>` framing, which carries CLAUDE.md and file excerpts, with them), the text of
 *   assistant turns (a client can send any; the model's own text repeated back), and the system prompt.
 * - adjacent text blocks are searched joined as well: a value split over two blocks is masked in one merged block.
 *
 * Not masked: `tool_use` inputs and thinking blocks (signed by the API: changed, the request is refused), tool
 * definitions, images, PDFs and other base64 data, text encoded by the tool itself (base64, hex, compressed), a value
 * split across two messages or a text and a tool result, and fields of a text block besides its text (citations).
 * Masking keeps data from reaching the model by accident: a user who writes requests by hand can present data as the
 * read of a source file.
 *
 * The same text always masks the same way (the masker is deterministic, `hash` tokens keyed by the agent), so a
 * conversation's repeated prefix stays byte-identical and prompt caching keeps working.
 */
import type { ClaudeSettings, MaskCounts, Masker } from '@hoop/pipeline';
import { fileMatches, toolMatches } from './globs';
import { dataFileLines, grepsDataFiles } from './grep-results';
import type { MaskCache } from './mask-cache';

export type ClaudeMask = ClaudeSettings['mask'];

/** How a request is masked: the policy's `claude.mask`, null when the policy is invalid (everything maskable is masked). */
export interface RequestMaskPolicy {
  mask: ClaudeMask | null;
  masker: Masker;
}

/** What was masked in one request, for its `model.request` event: counts, never values. */
export interface MaskReport {
  /** values masked, by type */
  values: MaskCounts;
  /** by tool: results searched (`checked`), results the policy passes as they are (`passed`), values masked */
  toolResults: Record<string, { checked: number; passed: number; values: MaskCounts }>;
  /** values masked in the conversation's own text (user, assistant, system) */
  text: MaskCounts;
  /** adjacent text blocks merged because a value ran across them */
  mergedBlocks: number;
}

/** A request hoop will not pass on, with an answer worded as the API words its errors. */
export class RequestRefusal extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** nesting of content past this is not read (a real request nests a few levels) */
const MAX_DEPTH = 64;
/** keys of a content block that say what it is, not what it holds */
const STRUCTURAL = new Set(['type', 'id', 'tool_use_id', 'media_type', 'cache_control', 'signature', 'is_error']);
/** a tool result's tool when no tool_use of the request names its id */
export const NO_TOOL_USE = '(no tool_use with its id)';
/** tools the report names one by one; results of any more are counted together (a request names its tools) */
const REPORTED_TOOLS = 50;
export const OTHER_TOOLS = '(other tools)';

type Obj = Record<string, unknown>;
type TextKind = 'text' | 'tool';
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTextBlock = (v: unknown): v is Obj & { text: string } => isObj(v) && v.type === 'text' && typeof v.text === 'string';

function add(into: MaskCounts, from: MaskCounts): void {
  for (const [t, n] of Object.entries(from) as [keyof MaskCounts, number][]) into[t] = (into[t] ?? 0) + n;
}

interface Tool {
  name: string;
  input: unknown;
}

/** One request's masking: the tools its assistant turns called, and what was masked so far. */
class RequestMasker {
  readonly report: MaskReport = { values: {}, toolResults: {}, text: {}, mergedBlocks: 0 };
  private readonly calls = new Map<string, Tool[]>();

  constructor(
    private readonly p: RequestMaskPolicy,
    private readonly cache: MaskCache,
    /** the tools the request defines (lower case); null when it defines none */
    private readonly defined: Set<string> | null,
  ) {}

  private get userText(): boolean {
    return this.p.mask?.userText ?? true;
  }

  /** A run of adjacent texts: each masked, and the run joined when a value ran across them (null: nothing changed). */
  private texts(texts: string[], kind: TextKind, counts: MaskCounts): { texts: string[] } | { merged: string } | null {
    const r = this.cache.run(this.p.masker, kind, texts);
    add(counts, r.counts);
    add(this.report.values, r.counts);
    if ('merged' in r) this.report.mergedBlocks += texts.length;
    return 'merged' in r ? r : r.texts.every((t, i) => t === texts[i]) ? null : r;
  }

  /** A content array: runs of text blocks as above, other blocks each by its type. Same array when nothing changed. */
  private content(arr: unknown[], kind: 'user' | 'assistant' | TextKind, counts: MaskCounts, depth: number): unknown[] {
    if (depth > MAX_DEPTH) throw new RequestRefusal(400, 'invalid_request_error', `hoop: the request's content nests deeper than ${MAX_DEPTH} levels`);
    const maskText = kind === 'tool' || kind === 'text' || this.userText;
    const out: unknown[] = [];
    let changed = false;
    for (let i = 0; i < arr.length; ) {
      const block = arr[i];
      if (isTextBlock(block) && maskText) {
        let j = i + 1;
        while (j < arr.length && isTextBlock(arr[j])) j++;
        const run = arr.slice(i, j) as (Obj & { text: string })[];
        const r = this.texts(
          run.map((b) => b.text),
          kind === 'tool' ? 'tool' : 'text',
          counts,
        );
        if (r === null) out.push(...run);
        else if ('texts' in r) out.push(...run.map((b, k) => (b.text === r.texts[k] ? b : { ...b, text: r.texts[k] })));
        else {
          // one block in place of the run: the first's fields, the last's cache breakpoint (the prefix ends where it did)
          const last = run.at(-1)!;
          const { cache_control: _c, ...first } = run[0]!;
          out.push({ ...first, text: r.merged, ...(last.cache_control !== undefined ? { cache_control: last.cache_control } : {}) });
        }
        changed ||= r !== null;
        i = j;
        continue;
      }
      const m = this.block(block, kind, counts, depth + 1);
      changed ||= m !== block;
      out.push(m);
      i++;
    }
    return changed ? out : arr;
  }

  /** One block of a content array (text blocks come as runs, see content). */
  private block(b: unknown, kind: 'user' | 'assistant' | TextKind, counts: MaskCounts, depth: number): unknown {
    if (kind === 'tool' || kind === 'text') return this.tree(b, kind, counts, depth);
    if (kind === 'assistant') {
      if (isObj(b) && b.type === 'tool_use' && typeof b.id === 'string') {
        this.calls.set(b.id, [...(this.calls.get(b.id) ?? []), { name: String(b.name), input: b.input }]);
      }
      // tool calls, thinking (signed) and server tool blocks are the model's own, as the API gave them
      return b;
    }
    if (isObj(b) && b.type === 'tool_result') return this.toolResult(b, depth);
    return this.userText ? this.tree(b, 'text', counts, depth) : b;
  }

  /** Any value inside maskable content: every string but a block's structural fields; images and base64 data left. */
  private tree(v: unknown, kind: TextKind, counts: MaskCounts, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new RequestRefusal(400, 'invalid_request_error', `hoop: the request's content nests deeper than ${MAX_DEPTH} levels`);
    if (typeof v === 'string') {
      const r = this.texts([v], kind, counts);
      return r === null ? v : 'merged' in r ? r.merged : r.texts[0];
    }
    if (Array.isArray(v)) return this.content(v, kind, counts, depth + 1);
    if (!isObj(v)) return v;
    if (v.type === 'image' || v.type === 'base64' || v.type === 'url' || v.type === 'file') return v;
    let out: Obj | null = null;
    for (const [k, value] of Object.entries(v)) {
      if (STRUCTURAL.has(k)) continue;
      const m = this.tree(value, kind, counts, depth + 1);
      if (m === value) continue;
      out ??= { ...v };
      out[k] = m;
    }
    return out ?? v;
  }

  /** Whether a tool result is masked, and the tool it is counted under. */
  private decide(id: unknown): { masked: boolean; grep: boolean; tool: string } {
    const tools = typeof id === 'string' ? this.calls.get(id) : undefined;
    if (!tools?.length) return { masked: true, grep: false, tool: NO_TOOL_USE };
    const mask = this.p.mask;
    // an id used by several calls: masked if any of them would be
    const masked = tools.some(
      (t) =>
        mask === null ||
        (this.defined !== null && !this.defined.has(t.name.toLowerCase())) ||
        toolMatches(mask.toolResults, t.name) ||
        (t.name.toLowerCase() === 'read' && readsDataFile(mask.dataFiles, t.input)) ||
        (t.name.toLowerCase() === 'grep' && grepsDataFiles(mask.dataFiles, t.input)),
    );
    const grep = !masked && tools.every((t) => t.name.toLowerCase() === 'grep');
    return { masked, grep, tool: tools[0]!.name.slice(0, 128) };
  }

  /** A search of a whole tree, passed: the lines it found in data files masked (grep-results.ts). */
  private grepLines(b: Obj, entry: { checked: number; values: MaskCounts }): Obj {
    const globs = this.p.mask?.dataFiles ?? [];
    let changed = false;
    const mask = (text: string): string => {
      let out = '';
      let pos = 0;
      for (const [start, end] of dataFileLines(globs, text)) {
        const r = this.texts([text.slice(start, end)], 'text', entry.values);
        if (r === null) continue;
        changed = true;
        out += text.slice(pos, start) + ('merged' in r ? r.merged : r.texts[0]);
        pos = end;
      }
      return pos === 0 ? text : out + text.slice(pos);
    };
    let content: unknown = b.content;
    if (typeof content === 'string') content = mask(content);
    else if (Array.isArray(content)) content = content.map((c) => (isTextBlock(c) ? { ...c, text: mask(c.text) } : c));
    if (!changed) return b;
    entry.checked++;
    return { ...b, content };
  }

  private toolResult(b: Obj, depth: number): unknown {
    const { masked, grep, tool: named } = this.decide(b.tool_use_id);
    const results = this.report.toolResults;
    const tool = named in results || Object.keys(results).length < REPORTED_TOOLS ? named : OTHER_TOOLS;
    const entry = (results[tool] ??= { checked: 0, passed: 0, values: {} });
    if (!masked) {
      const lines = grep ? this.grepLines(b, entry) : b;
      if (lines === b) entry.passed++;
      return lines;
    }
    entry.checked++;
    // the whole block: its content, and any field besides that a client may add
    return this.tree(b, 'tool', entry.values, depth);
  }

  /** The whole request; the same object when nothing changed. */
  request(req: Obj): Obj {
    let out: Obj | null = null;
    if (this.userText && req.system !== undefined) {
      const system = this.tree(req.system, 'text', this.report.text, 0);
      if (system !== req.system) out = { ...req, system };
    }
    if (!Array.isArray(req.messages)) return out ?? req;
    let messages: unknown[] | null = null;
    for (let i = 0; i < req.messages.length; i++) {
      const m = req.messages[i];
      const masked = this.message(m);
      if (masked !== m) messages ??= req.messages.slice();
      if (messages) messages[i] = masked;
    }
    return messages ? { ...(out ?? req), messages } : (out ?? req);
  }

  private message(m: unknown): unknown {
    if (!isObj(m)) return m;
    const kind = m.role === 'assistant' ? 'assistant' : 'user';
    let content: unknown;
    if (typeof m.content === 'string') content = this.userText ? this.tree(m.content, 'text', this.report.text, 1) : m.content;
    else if (Array.isArray(m.content)) content = this.content(m.content, kind, this.report.text, 1);
    else content = m.content;
    return content === m.content ? m : { ...m, content };
  }
}

function readsDataFile(globs: readonly string[], input: unknown): boolean {
  const path = isObj(input) ? input.file_path : undefined;
  // a Read that names no path cannot be told apart from one of a data file
  return typeof path !== 'string' || fileMatches(globs, path);
}

/**
 * A parsed Messages request masked as the policy says (see the file's comment). `value` is the very same object when
 * nothing was masked. Throws RequestRefusal for content nested past what is read.
 */
export function maskMessagesRequest(request: unknown, p: RequestMaskPolicy, cache: MaskCache): { value: unknown; report: MaskReport } {
  const defined = isObj(request) && Array.isArray(request.tools) ? new Set(request.tools.map((t) => String(isObj(t) ? t.name : '').toLowerCase())) : null;
  const m = new RequestMasker(p, cache, defined);
  const value = isObj(request) ? m.request(request) : request;
  return { value, report: m.report };
}
