import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseJsonPrefix } from './partial-json';

/**
 * The messages of a recorded Messages API request, as the conversation page shows them: each content block reduced to
 * what a reader needs (text, a tool call and its input, a tool's result), long text clipped, and a mark on what the
 * recorded body (its first 64 KB) cut. Claude Code sends the whole history with every request: `newSince` finds where
 * a request's new messages start by comparing it with the requests before it.
 */

const Clip = {
  /** characters left out of the text (clipped for the page; the full request has them) */
  clipped: z.number().int(),
  /** the recorded body ends inside this block */
  cut: z.boolean(),
};

export const Block = z.discriminatedUnion('type', [
  /** `reminder`: text Claude Code adds for the model (<system-reminder>), not typed by the user */
  z.object({ type: z.literal('text'), text: z.string(), reminder: z.boolean(), ...Clip }),
  z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.string(), ...Clip }),
  z.object({ type: z.literal('tool_result'), toolUseId: z.string(), text: z.string(), isError: z.boolean(), media: z.number().int(), ...Clip }),
  z.object({ type: z.literal('thinking'), text: z.string(), ...Clip }),
  /** an image or a document: named, not shown */
  z.object({ type: z.literal('media'), kind: z.string(), mediaType: z.string().nullable(), ...Clip }),
  /** any other block, as JSON */
  z.object({ type: z.literal('other'), kind: z.string(), text: z.string(), ...Clip }),
]);
export type Block = z.infer<typeof Block>;

export const Message = z.object({ role: z.string(), blocks: z.array(Block), cut: z.boolean() });
export type Message = z.infer<typeof Message>;

export interface ReadRequest {
  /** the recorded body was JSON as far as it goes */
  parsed: boolean;
  messages: Message[];
  /** one key per message the record holds whole (what it says, cache markers aside): equal keys, equal messages */
  keys: string[];
  /** the record ends before the end of the messages: later ones are not in it */
  cut: boolean;
  /** the system prompt's text, when the record holds it */
  system: string | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function clip(text: string, max: number): { text: string; clipped: number } {
  return text.length > max ? { text: text.slice(0, max), clipped: text.length - max } : { text, clipped: 0 };
}

const json = (v: unknown) => JSON.stringify(v, null, 2) ?? '';

/** The text of a tool_result's content (a string, or text and image blocks). */
function resultText(content: unknown): { text: string; media: number } {
  if (typeof content === 'string') return { text: content, media: 0 };
  if (!Array.isArray(content)) return { text: '', media: 0 };
  let media = 0;
  const parts: string[] = [];
  for (const c of content) {
    const b = obj(c);
    if (b?.type === 'text') parts.push(str(b.text));
    else if (b?.type === 'image' || b?.type === 'document') media++;
    else if (b) parts.push(json(b));
  }
  return { text: parts.join('\n'), media };
}

function readBlock(b: Obj, cut: boolean, max: number): Block {
  switch (b.type) {
    case 'text': {
      const text = str(b.text);
      return { type: 'text', reminder: /^\s*<system-reminder>/.test(text), cut, ...clip(text, max) };
    }
    case 'tool_use':
    case 'server_tool_use': {
      const input = clip(b.input === undefined ? '' : json(b.input), max);
      return { type: 'tool_use', id: str(b.id), name: str(b.name), cut, input: input.text, clipped: input.clipped };
    }
    case 'tool_result': {
      const r = resultText(b.content);
      return { type: 'tool_result', toolUseId: str(b.tool_use_id), isError: b.is_error === true, media: r.media, cut, ...clip(r.text, max) };
    }
    case 'thinking':
      return { type: 'thinking', cut, ...clip(str(b.thinking), max) };
    case 'redacted_thinking':
      return { type: 'thinking', cut, text: '(redacted by the API)', clipped: 0 };
    case 'image':
    case 'document':
      return { type: 'media', kind: b.type, mediaType: str(obj(b.source)?.media_type) || null, cut, clipped: 0 };
    default:
      return { type: 'other', kind: str(b.type) || 'unknown', cut, ...clip(json(b), max) };
  }
}

/** What a message says, cache markers aside (Claude Code moves them from request to request). */
function keyOf(m: unknown): string {
  const text = JSON.stringify(m, (k, v) => (k === 'cache_control' ? undefined : v));
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * A request's messages from its recorded body (`body`: the first bytes of its JSON). Text is clipped at `max`
 * characters a block. Anything not JSON gives `parsed: false` and no messages: the page shows the text as it is.
 */
export function readRequest(body: string, max = 8_000): ReadRequest {
  const none: ReadRequest = { parsed: false, messages: [], keys: [], cut: false, system: null };
  const r = parseJsonPrefix(body);
  const root = obj(r?.value);
  if (!r || !root) return r && !r.complete && r.value === undefined ? { ...none, parsed: true, cut: true } : none;
  const list = Array.isArray(root.messages) ? (root.messages as unknown[]) : [];
  const messages: Message[] = [];
  const keys: string[] = [];
  for (const raw of list) {
    const m = obj(raw);
    if (!m) continue;
    const cut = r.open.has(m);
    const content = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content : [];
    const blocks = content.flatMap((c) => {
      const b = obj(c);
      return b ? [readBlock(b, r.open.has(b) || (cut && typeof m.content === 'string'), max)] : [];
    });
    messages.push({ role: str(m.role) || 'unknown', blocks, cut });
    if (!cut) keys.push(keyOf(m));
  }
  // the record ends inside the messages, or before they began
  const cut = !r.complete && (r.open.has(list) || !('messages' in root));
  const system = typeof root.system === 'string' ? root.system : Array.isArray(root.system) ? resultText(root.system).text : null;
  return { parsed: true, messages, keys, cut, system };
}

export interface NewMessages {
  /** the first new message: those before it were in an earlier request */
  from: number;
  /** which earlier request (an index into `earlier`) this one continues; null: it starts a thread of its own */
  continues: number | null;
  /** the request it continues had messages this one does not repeat (the history was rewritten, e.g. compacted) */
  rewritten: boolean;
}

/**
 * Where a request's new messages start: after the longest run of messages it shares, from the start, with one of the
 * `earlier` requests (their keys, oldest first; the latest wins a tie). Claude Code's side requests (a title, a
 * summary) share nothing with the conversation and start threads of their own.
 */
export function newSince(keys: readonly string[], earlier: readonly (readonly string[])[]): NewMessages {
  let best = 0;
  let which: number | null = null;
  for (let i = earlier.length - 1; i >= 0; i--) {
    const e = earlier[i]!;
    let n = 0;
    while (n < keys.length && n < e.length && keys[n] === e[n]) n++;
    if (n > best) {
      best = n;
      which = i;
    }
  }
  return { from: best, continues: which, rewritten: which !== null && earlier[which]!.length > best };
}
