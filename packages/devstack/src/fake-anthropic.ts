import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the scripted model API received it, byte for byte. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the scripted API answers next. */
export type ScriptedAnswer =
  | {
      kind: 'text';
      text: string;
      usage?: { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number };
      /** a streamed answer stops after its first text piece until this settles */
      hold?: Promise<unknown>;
      /** a streamed answer breaks off after its first text piece: the connection is dropped */
      cut?: boolean;
    }
  | { kind: 'tool_use'; name: string; input: Record<string, unknown>; text?: string }
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> };

export interface FakeAnthropic {
  url: string;
  /** every request, in the order they arrived */
  readonly received: ReceivedRequest[];
  /** the Messages requests only (not /v1/models, count_tokens, or a HEAD) */
  messages(): ReceivedRequest[];
  /** answers given next to Messages requests, in order; with none queued: a text answer, "hello from the scripted model" */
  enqueue(...answers: ScriptedAnswer[]): void;
  stop(): Promise<void>;
}

const sse = (res: ServerResponse, type: string, data: unknown) => res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);

/**
 * An Anthropic-compatible model API for tests: it records exactly what it received and answers Messages requests from
 * a script, streamed as the API streams (message_start, content blocks with their deltas, message_delta with usage,
 * message_stop) or as one JSON message, as the request asks.
 */
export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const received: ReceivedRequest[] = [];
  const queue: ScriptedAnswer[] = [];
  let seq = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      answer(r, res).catch(() => res.destroy());
    });
  });

  const answer = async (r: ReceivedRequest, res: ServerResponse) => {
    const path = r.url.split('?')[0];
    if (r.method === 'HEAD') return void res.writeHead(200).end();
    const modelInfo = (id: string) => ({ type: 'model', id, display_name: 'Scripted', created_at: '2026-01-01T00:00:00Z' });
    const json = (body: unknown) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/v1/models') return json({ data: [modelInfo('claude-scripted-1')], has_more: false });
    if (path?.startsWith('/v1/models/')) return json(modelInfo(decodeURIComponent(path.slice('/v1/models/'.length))));
    if (path === '/v1/messages/count_tokens')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: Math.ceil(r.body.length / 4) }));
    if (path !== '/v1/messages')
      return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"type":"error","error":{"type":"not_found_error"}}');
    let request: { model?: string; stream?: boolean } = {};
    try {
      request = JSON.parse(r.body) as typeof request;
    } catch {}
    const a: ScriptedAnswer = queue.shift() ?? { kind: 'text', text: 'hello from the scripted model' };
    if (a.kind === 'error') {
      return void res
        .writeHead(a.status, { 'content-type': 'application/json', ...a.headers })
        .end(JSON.stringify({ type: 'error', error: { type: a.type, message: a.message } }));
    }
    const id = `msg_scripted_${++seq}`;
    const model = request.model ?? 'claude-scripted-1';
    const usage = a.kind === 'text' && a.usage ? a.usage : {};
    const inputTokens = usage.input_tokens ?? 42;
    const outputTokens = usage.output_tokens ?? 7;
    const blocks: Record<string, unknown>[] =
      a.kind === 'text'
        ? [{ type: 'text', text: a.text }]
        : [...(a.text ? [{ type: 'text', text: a.text }] : []), { type: 'tool_use', id: `toolu_scripted_${seq}`, name: a.name, input: a.input }];
    const stop = a.kind === 'tool_use' ? 'tool_use' : 'end_turn';
    if (!request.stream) {
      return void res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${seq}` }).end(
        JSON.stringify({
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: blocks,
          stop_reason: stop,
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: outputTokens, cache_read_input_tokens: usage.cache_read_input_tokens ?? 0 },
        }),
      );
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${seq}` });
    sse(res, 'message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: 1, cache_read_input_tokens: usage.cache_read_input_tokens ?? 0 },
      },
    });
    for (const [index, b] of blocks.entries()) {
      if (b.type === 'text') {
        sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        const words = String(b.text).split(/(?<= )/);
        for (const [i, w] of words.entries()) {
          sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: w } });
          if (i === 0 && a.kind === 'text' && a.hold) await a.hold;
          // an event-stream comment whose write, once handed to the system, drops the connection
          if (i === 0 && a.kind === 'text' && a.cut) return void res.write(': cut\n\n', () => res.socket?.destroy());
        }
      } else {
        sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
        const json = JSON.stringify(b.input);
        const half = Math.ceil(json.length / 2);
        for (const piece of [json.slice(0, half), json.slice(half)])
          sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    }
    sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: outputTokens } });
    sse(res, 'message_stop', { type: 'message_stop' });
    res.end();
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    messages: () => received.filter((r) => r.method === 'POST' && r.url.split('?')[0] === '/v1/messages'),
    enqueue: (...answers) => void queue.push(...answers),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
