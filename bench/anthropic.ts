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
 *    share of the whole (a path that buffered the answer would show its first event at the end).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { startFakeAnthropic, startTestStack } from '@hoop/devstack';

const RUNS = Number(process.env.ANTHROPIC_RUNS ?? 300);
const NEW_RUNS = Number(process.env.ANTHROPIC_NEW_RUNS ?? 50);
const EVENTS = Number(process.env.ANTHROPIC_EVENTS ?? 20_000);
const out = (line: string) => process.stdout.write(`${line}\n`);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

interface Timing {
  firstByteMs: number;
  totalMs: number;
  bytes: number;
}

/** POSTs a streamed Messages request and times its answer */
function time(url: string, token: string, conversation: string, body: string): Promise<Timing> {
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
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve({ firstByteMs: first ?? ms(), totalMs: ms(), bytes }) : reject(new Error(`status ${res.statusCode}`)),
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
  try {
    await stack.addConnection('bench-claude', 'anthropic', { baseUrl: api.url }, `sk-ant-bench-${randomBytes(8).toString('hex')}`);
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
  } finally {
    agent.destroy();
    await stack.stop();
    await api.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
