import type { SseEvent } from './sse';

/**
 * What one answer of the Anthropic Messages API says, read from its streamed events (message_start, content blocks,
 * message_delta) or from its JSON when it was not streamed: the model, the token usage, why it stopped, and the tool
 * calls it makes (tool_use blocks, their input assembled from the input_json_delta pieces). It reads; it never
 * changes what is relayed.
 */

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export interface ToolUse {
  id: string;
  name: string;
  /** the tool's input as the model wrote it (JSON text) */
  input: string;
}

export interface MessageSummary {
  id: string | null;
  model: string | null;
  stopReason: string | null;
  usage: TokenUsage;
  toolUses: ToolUse[];
  /** the text blocks of the answer, joined */
  text: string;
  /** the API's error, when the stream carried one (`event: error`) or the answer was an error */
  error: { type: string; message: string } | null;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

function readJson(text: string): Record<string, unknown> | null {
  try {
    return obj(JSON.parse(text));
  } catch {
    return null;
  }
}

export function emptyUsage(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
}

/** Usage fields present in `u` replace those in `into` (message_delta carries cumulative counts). */
function takeUsage(into: TokenUsage, u: unknown): void {
  const x = obj(u);
  if (!x) return;
  if (x.input_tokens !== undefined && x.input_tokens !== null) into.inputTokens = num(x.input_tokens);
  if (x.output_tokens !== undefined && x.output_tokens !== null) into.outputTokens = num(x.output_tokens);
  if (x.cache_creation_input_tokens !== undefined && x.cache_creation_input_tokens !== null) into.cacheCreationInputTokens = num(x.cache_creation_input_tokens);
  if (x.cache_read_input_tokens !== undefined && x.cache_read_input_tokens !== null) into.cacheReadInputTokens = num(x.cache_read_input_tokens);
}

/** The summary of a streamed answer, event by event; `summary()` at any time. */
export class MessageTally {
  private readonly s: MessageSummary = { id: null, model: null, stopReason: null, usage: emptyUsage(), toolUses: [], text: '', error: null };
  private readonly blocks = new Map<number, { kind: 'text' } | { kind: 'tool'; use: ToolUse }>();

  constructor(private readonly maxText = 64 * 1024) {}

  event(e: SseEvent): void {
    const d = readJson(e.data);
    if (!d) return;
    switch (d.type) {
      case 'message_start': {
        const m = obj(d.message);
        if (!m) return;
        if (typeof m.id === 'string') this.s.id = m.id;
        if (typeof m.model === 'string') this.s.model = m.model;
        takeUsage(this.s.usage, m.usage);
        return;
      }
      case 'content_block_start': {
        const b = obj(d.content_block);
        const index = num(d.index);
        if (b?.type === 'tool_use' || b?.type === 'server_tool_use') {
          const start = obj(b.input);
          const use: ToolUse = {
            id: typeof b.id === 'string' ? b.id : '',
            name: typeof b.name === 'string' ? b.name : '',
            input: start && Object.keys(start).length > 0 ? JSON.stringify(start) : '',
          };
          this.s.toolUses.push(use);
          this.blocks.set(index, { kind: 'tool', use });
        } else if (b?.type === 'text') {
          this.blocks.set(index, { kind: 'text' });
          if (typeof b.text === 'string') this.addText(b.text);
        }
        return;
      }
      case 'content_block_delta': {
        const block = this.blocks.get(num(d.index));
        const delta = obj(d.delta);
        if (!block || !delta) return;
        if (block.kind === 'tool' && delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
          if (block.use.input.length < this.maxText) block.use.input += delta.partial_json;
        } else if (block.kind === 'text' && delta.type === 'text_delta' && typeof delta.text === 'string') this.addText(delta.text);
        return;
      }
      case 'message_delta': {
        const delta = obj(d.delta);
        if (delta && typeof delta.stop_reason === 'string') this.s.stopReason = delta.stop_reason;
        takeUsage(this.s.usage, d.usage);
        return;
      }
      case 'error': {
        const err = obj(d.error);
        this.s.error = { type: typeof err?.type === 'string' ? err.type : 'error', message: typeof err?.message === 'string' ? err.message : '' };
        return;
      }
      default:
    }
  }

  summary(): MessageSummary {
    return { ...this.s, usage: { ...this.s.usage }, toolUses: this.s.toolUses.map((t) => ({ ...t, input: t.input || '{}' })) };
  }

  private addText(t: string): void {
    if (this.s.text.length < this.maxText) this.s.text += t.slice(0, this.maxText - this.s.text.length);
  }
}

/** The summary of an answer that was not streamed: the Message (or error) JSON. */
export function summarizeMessage(json: string): MessageSummary {
  const tally = new MessageTally();
  const m = readJson(json);
  if (!m) return tally.summary();
  if (m.type === 'error') {
    tally.event({ event: 'error', data: json });
    return tally.summary();
  }
  tally.event({ event: 'message_start', data: JSON.stringify({ type: 'message_start', message: { id: m.id, model: m.model, usage: m.usage } }) });
  const content = Array.isArray(m.content) ? m.content : [];
  content.forEach((block, index) => {
    const b = obj(block);
    if (!b) return;
    tally.event({ event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index, content_block: b }) });
  });
  tally.event({ event: 'message_delta', data: JSON.stringify({ type: 'message_delta', delta: { stop_reason: m.stop_reason }, usage: {} }) });
  return tally.summary();
}

/** The model a Messages request names, read from its JSON (null when it names none or is not JSON). */
export function requestedModel(json: string): { model: string | null; stream: boolean } {
  const m = readJson(json);
  return { model: typeof m?.model === 'string' ? m.model : null, stream: m?.stream === true };
}
