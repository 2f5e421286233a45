/**
 * The model API through hoop, `npm run bench:anthropic`: what hoop adds to Claude Code's requests.
 *
 * A scripted Anthropic-compatible API (the test kit's) answers on loopback; a gateway and an agent run as real
 * processes over a fresh database, with an anthropic connection to it. For each path — the API directly, and
 * gateway → agent → API — it measures:
 * 1. time to the first streamed byte of a Messages answer (ANTHROPIC_RUNS requests, one conversation: the session is
 *    open already, as for every request of a Claude Code conversation after its first), median and p95;
 * 2. the same for the first request of a new conversation (which opens the session: access check, session row, stream
 *    to the agent), ANTHROPIC_NEW_RUNS requests;
 * 3. a long streamed answer (ANTHROPIC_EVENTS text deltas): total time, MB/s, and when its first event arrived, as a
 *    share of the whole (a path that buffered the answer would show its first event at the end);
 * 4. events as they are sent: a paced API (in this process, so one clock) sends ANTHROPIC_PACED text deltas 5 ms
 *    apart, each stamped; how long each took to reach the client, median and max (a path that held events back, one
 *    by one or together, would show delays near or above the 5 ms gap);
 * 5. an answer whose Bash tool call the agent judges (held whole, parsed by the shell guard, then sent): whole answer,
 *    median of ANTHROPIC_TOOL_RUNS;
 * 6. a request carrying a large Bash tool_result (ANTHROPIC_RESULT_MB, with an email address every 100 bytes) that
 *    the agent masks before sending: time to the answer's first byte, and hoop's added time per MB.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startFakeAnthropic, startTestStack } from '@hoop/devstack';

const RUNS = Number(process.env.ANTHROPIC_RUNS ?? 300);
const NEW_RUNS = Number(process.env.ANTHROPIC_NEW_RUNS ?? 50);
const EVENTS = Number(process.env.ANTHROPIC_EVENTS ?? 20_000);
const PACED = Number(process.env.ANTHROPIC_PACED ?? 200);
const TOOL_RUNS = Number(process.env.ANTHROPIC_TOOL_RUNS ?? 50);
const RESULT_MB = Number(process.env.ANTHROPIC_RESULT_MB ?? 4);
const out = (line: string) => process.stdout.write(`${line}\n`);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

interface Timing {
  firstByteMs: number;
  totalMs: number;
  bytes: number;
}

/** POSTs a streamed Messages request and times its answer */
function time(url: string, token: string, conversation: string, body: string, onData?: (c: Buffer) => void): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - start) / 1e6;
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
          'x-claude-code-session-id': conversation,
        },
      },
      (res) => {
        let first: number | null = null;
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          first ??= ms();
          bytes += c.length;
          onData?.(c);
        });
        const errorBody: Buffer[] = [];
        if (res.statusCode !== 200) res.on('data', (c: Buffer) => errorBody.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve({ firstByteMs: first ?? ms(), totalMs: ms(), bytes })
            : reject(new Error(`status ${res.statusCode}: ${Buffer.concat(errorBody).toString('utf8').slice(0, 300)}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f = (n: number) => n.toFixed(2);

async function main(): Promise<void> {
  const api = await startFakeAnthropic();
  const stack = await startTestStack({ auditSigning: false });
  const pacedApi = await startPaced();
  try {
    await stack.addConnection('bench-claude', 'anthropic', { baseUrl: api.url }, `sk-ant-bench-${randomBytes(8).toString('hex')}`);
    await stack.addConnection('bench-paced', 'anthropic', { baseUrl: pacedApi.url }, 'sk-ant-bench-paced');
    await stack.startAgent();
    const paths = { direct: `${api.url}/v1/messages`, hoop: `${stack.gatewayUrl}/anthropic/bench-claude/v1/messages` };
    const short = JSON.stringify({ model: 'claude-bench', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    out(`model API through hoop: ${RUNS} streamed requests per path, loopback, gateway and agent as processes`);
    out('');
    out('| path | first byte, median ms | p95 ms | whole answer, median ms |');
    out('|---|---|---|---|');
    const medians: Record<string, number> = {};
    for (const [name, url] of Object.entries(paths)) {
      const conversation = `bench-${name}`;
      for (let i = 0; i < 20; i++) await time(url, stack.adminToken, conversation, short); // warm-up
      const t: Timing[] = [];
      for (let i = 0; i < RUNS; i++) t.push(await time(url, stack.adminToken, conversation, short));
      const first = t.map((x) => x.firstByteMs);
      medians[name] = pct(first, 50);
      out(
        `| ${name} | ${f(pct(first, 50))} | ${f(pct(first, 95))} | ${f(
          pct(
            t.map((x) => x.totalMs),
            50,
          ),
        )} |`,
      );
    }
    out('');
    out(`added to the first byte: **${f(medians.hoop! - medians.direct!)} ms** (median)`);

    const fresh: number[] = [];
    for (let i = 0; i < NEW_RUNS; i++) fresh.push((await time(paths.hoop, stack.adminToken, `new-${i}-${randomBytes(3).toString('hex')}`, short)).firstByteMs);
    out(`first request of a new conversation (opens its session): first byte median ${f(pct(fresh, 50))} ms, p95 ${f(pct(fresh, 95))} ms`);

    out('');
    out(`a long streamed answer: ${EVENTS} text deltas`);
    out('');
    out('| path | MB | total ms | MB/s | first event at |');
    out('|---|---|---|---|---|');
    const long = JSON.stringify({ model: 'claude-bench', max_tokens: 64_000, stream: true, messages: [{ role: 'user', content: 'a long one' }] });
    const words = Array.from({ length: EVENTS }, (_, i) => `word${i % 1000} `).join('');
    for (const [name, url] of Object.entries(paths)) {
      api.enqueue({ kind: 'text', text: words });
      const t = await time(url, stack.adminToken, `bench-${name}`, long);
      const mb = t.bytes / 1e6;
      const share = ((100 * t.firstByteMs) / t.totalMs).toFixed(1);
      out(`| ${name} | ${f(mb)} | ${f(t.totalMs)} | ${f(mb / (t.totalMs / 1000))} | ${f(t.firstByteMs)} ms (${share}%) |`);
    }
    await paced(pacedApi, `${stack.gatewayUrl}/anthropic/bench-paced/v1/messages`, stack.adminToken);
    await judged(paths, stack.adminToken, api);
    await masked(paths, stack.adminToken, api);
  } finally {
    agent.destroy();
    pacedApi.close();
    await stack.stop();
    await api.stop();
  }
}

const sse = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
type Paths = { direct: string; hoop: string };

/** An API sending PACED stamped deltas 5 ms apart, in this process: when each was written. */
async function startPaced() {
  const sentAt = new Map<number, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const message = { id: 'msg_paced', type: 'message', role: 'assistant', model: 'claude-bench', content: [], usage: { input_tokens: 1, output_tokens: 1 } };
      res.write(sse('message_start', { type: 'message_start', message }));
      res.write(sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
      for (let i = 0; i < PACED; i++) {
        await new Promise((r) => setTimeout(r, 5));
        sentAt.set(i, performance.now());
        res.write(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `<${i}> ` } }));
      }
      res.write(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
      res.write(sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: PACED } }));
      res.end(sse('message_stop', { type: 'message_stop' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, sentAt, close: () => server.close() };
}

/** Each paced event's delay from the API's write to the client's read, per path. */
async function paced(api: Awaited<ReturnType<typeof startPaced>>, hoopUrl: string, token: string): Promise<void> {
  const body = JSON.stringify({ model: 'claude-bench', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'paced' }] });
  out('');
  out(`events as sent: ${PACED} text deltas 5 ms apart, each one's delay from the API's write to the client's read`);
  out('');
  out('| path | median ms | p95 ms | max ms | events arrived alone |');
  out('|---|---|---|---|---|');
  const targets = { direct: `${api.url}/v1/messages`, hoop: hoopUrl };
  for (const [name, target] of Object.entries(targets)) {
    const delays: number[] = [];
    let reads = 0;
    let alone = 0;
    await time(target, token, `paced-${name}`, body, (c) => {
      const now = performance.now();
      const seen = [...c.toString('utf8').matchAll(/<(\d+)>/g)].map((m) => Number(m[1]));
      reads++;
      if (seen.length === 1) alone++;
      for (const i of seen) delays.push(now - api.sentAt.get(i)!);
    });
    if (delays.length !== PACED) throw new Error(`${name}: ${delays.length} of ${PACED} events arrived`);
    out(`| ${name} | ${f(pct(delays, 50))} | ${f(pct(delays, 95))} | ${f(Math.max(...delays))} | ${alone} of ${PACED} (${reads} reads) |`);
  }
}

/** An answer carrying a Bash tool call: whole-answer time per path (through hoop the call is held and judged). */
async function judged(paths: Paths, token: string, api: Awaited<ReturnType<typeof startFakeAnthropic>>): Promise<void> {
  const body = JSON.stringify({ model: 'claude-bench', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'list' }] });
  out('');
  out(`an answer with a Bash tool call (judged by the agent's shell guard on the hoop path), ${TOOL_RUNS} runs`);
  out('');
  out('| path | first byte, median ms | whole answer, median ms | p95 ms |');
  out('|---|---|---|---|');
  for (const [name, url] of Object.entries(paths)) {
    const t: Timing[] = [];
    for (let i = 0; i < TOOL_RUNS + 5; i++) {
      api.enqueue({ kind: 'tool_use', name: 'Bash', input: { command: `ls -la /srv/data${i} | grep -c csv`, description: 'count' }, text: 'Let me look.' });
      const one = await time(url, token, `judged-${name}`, body);
      if (i >= 5) t.push(one);
    }
    const total = t.map((x) => x.totalMs);
    out(
      `| ${name} | ${f(
        pct(
          t.map((x) => x.firstByteMs),
          50,
        ),
      )} | ${f(pct(total, 50))} | ${f(pct(total, 95))} |`,
    );
  }
}

/** A request with a RESULT_MB Bash tool_result, masked on the hoop path: time to the answer's first byte. */
async function masked(paths: Paths, token: string, api: Awaited<ReturnType<typeof startFakeAnthropic>>): Promise<void> {
  const line = 'id,name,email,balance\n';
  const rows: string[] = [];
  for (let n = 0; n < (RESULT_MB * 1e6) / 100; n++)
    rows.push(`${String(n).padStart(8, '0')},customer ${n % 997},user${n}@example.com,${n % 10_000}.00`.padEnd(99, ' '));
  const result = line + rows.join('\n');
  const body = JSON.stringify({
    model: 'claude-bench',
    max_tokens: 64,
    stream: true,
    messages: [
      { role: 'user', content: 'read the dump' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_bench', name: 'Bash', input: { command: 'cat dump.csv' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_bench', content: result }] },
    ],
  });
  const mb = Buffer.byteLength(body) / 1e6;
  out('');
  out(`a request with a ${f(mb)} MB Bash tool_result (an email address per 100 bytes), masked on the hoop path, 5 runs`);
  out('');
  out('| path | first byte, median ms | min ms |');
  out('|---|---|---|');
  const medians: Record<string, number> = {};
  for (const [name, url] of Object.entries(paths)) {
    const t: number[] = [];
    for (let i = 0; i < 6; i++) {
      const one = await time(url, token, `masked-${name}`, body);
      if (i > 0) t.push(one.firstByteMs);
    }
    medians[name] = pct(t, 50);
    out(`| ${name} | ${f(pct(t, 50))} | ${f(Math.min(...t))} |`);
  }
  const sent = api.messages().at(-1)!.body;
  if (sent.includes('user17@example.com')) throw new Error('the tool_result reached the API unmasked');
  out('');
  out(`added by hoop: ${f(medians.hoop! - medians.direct!)} ms, **${f((medians.hoop! - medians.direct!) / mb)} ms per MB** (the API received it masked)`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
