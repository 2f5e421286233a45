/**
 * CPU per statement of the tunnel between the agent and the gateway, in one process, with the audit frames sent one
 * per statement or several to an `audit_batch`: a real WebSocket on loopback, the agent's end a tunnel on
 * ridingTransport (as apps/agent/src/link/gateway.ts makes it), the gateway's end a tunnel that decodes each message and
 * hands each audit frame on in the check phase (as apps/gateway/src/agent-link/endpoint.ts does; nothing is stored).
 * CLIENTS chains of statements run at once, as pgbench's clients do: the gateway sends a query (a data frame), the
 * agent answers it (a data frame) and makes its record in the check phase, as apps/agent/src/postgres/records.ts does.
 * Modes alternate, ROUNDS (default 4) of each, STATEMENTS (default 20000) each. Measured by CPU time, not wall time.
 *   node --import tsx bench/audit-frames.ts
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { decodeDataFrame, encodeDataFrame } from '../packages/protocol/src/messages';
import { Tunnel } from '../packages/protocol/src/tunnel';
import { messageBytes, ridingTransport, type WebSocketLike, webSocketTransport, zeroMask } from '../packages/protocol/src/ws-transport';

/** what this bench uses of `ws` (the gateway's and the agent's WebSocket library; the workspace root has none) */
interface Ws extends WebSocketLike {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  once(event: 'open', listener: () => void): void;
}
interface Wss {
  address(): AddressInfo | string | null;
  once(event: 'listening', listener: () => void): void;
  once(event: 'connection', listener: (ws: Ws) => void): void;
  close(cb: () => void): void;
}
const { WebSocket, WebSocketServer } = createRequire(new URL('../apps/gateway/package.json', import.meta.url))('ws') as {
  WebSocket: new (url: string, opts: object) => Ws;
  WebSocketServer: new (opts: object) => Wss;
};

const rounds = Number(process.env.ROUNDS ?? 4);
const statements = Number(process.env.STATEMENTS ?? 20_000);
const clients = Number(process.env.CLIENTS ?? 8);
const query = Buffer.alloc(60, 1);
const answer = Buffer.alloc(80, 2);
// a pgbench -S prepared statement's record, as the agent's AuditOutbox sends it
const record = (sessionId: string, seq: number) =>
  `{"sessionId":"${sessionId}","seq":${seq},"event":{"type":"statement","at":"${new Date().toISOString()}","data":` +
  '{"sql":"SELECT abalance FROM pgbench_accounts WHERE aid = $1;","decision":"allow","statements":[{"kind":"select","tables":' +
  '["pgbench_accounts"]}],"executed":true,"tags":["SELECT 1"],"rows":1,"bytes":11,"durationMs":0.123,"error":null,"masked":{}}}}';

async function measure(batch: boolean): Promise<{ cpu: number; frames: number; messages: number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', r));
  const accepted = new Promise<Ws>((r) => wss.once('connection', r));
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false, generateMask: zeroMask });
  await new Promise<void>((r) => ws.once('open', r));
  const server = await accepted;
  let frames = 0;
  let messages = 0;
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  const gateway = new Tunnel(webSocketTransport(server), false, {
    onMessage: (msg) => {
      messages++;
      if (msg.type === 'audit') setImmediate(() => frames++);
      else if (msg.type === 'audit_batch') setImmediate((n: number) => (frames += n), msg.payload.frames.length);
    },
  });
  const riding = ridingTransport(webSocketTransport(ws), 20, batch ? 5 : 0);
  riding.batchAudit = batch;
  const agent = new Tunnel(riding, true);
  const seq = new Map<number, number>();
  // the agent: answers a query at once, makes its record in the check phase
  ws.on('message', (data) => {
    const { stream } = decodeDataFrame(messageBytes(data));
    agent.sendData(stream, answer);
    setImmediate(() => {
      const n = seq.get(stream) ?? 0;
      seq.set(stream, n + 1);
      agent.sendJson('audit', record(`00000000-0000-4000-8000-${String(stream).padStart(12, '0')}`, n));
    });
  });
  // the gateway: the next query of a chain once its answer came
  let sent = 0;
  server.on('message', (data, isBinary) => {
    const buf = messageBytes(data);
    if (!isBinary) return gateway.handleText(buf.toString('utf8'));
    const { stream } = decodeDataFrame(buf);
    if (++done === statements) finish();
    if (sent < statements) {
      sent++;
      server.send(encodeDataFrame(stream, query), { binary: true });
    }
  });
  const start = process.cpuUsage();
  for (let c = 1; c <= clients && sent < statements; c++, sent++) server.send(encodeDataFrame(c, query), { binary: true });
  await finished;
  // the last records
  while (frames < statements) await new Promise((r) => setTimeout(r, 5));
  const used = process.cpuUsage(start);
  ws.close();
  await new Promise<void>((r) => wss.close(r));
  return { cpu: (used.user + used.system) / statements, frames, messages };
}

const results: Record<string, number[]> = { single: [], batch: [] };
const texts: Record<string, number> = { single: 0, batch: 0 };
await measure(false);
await measure(true);
for (let i = 0; i < rounds; i++) {
  for (const mode of ['single', 'batch'] as const) {
    const r = await measure(mode === 'batch');
    results[mode]!.push(r.cpu);
    texts[mode] = r.messages / statements;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
for (const mode of ['single', 'batch'] as const)
  console.log(
    `${mode}: ${median(results[mode]!).toFixed(1)} µs of CPU a statement (median of ${rounds}: ${results[mode]!.map((x) => x.toFixed(1)).join(' ')}),`,
    `${texts[mode]!.toFixed(3)} text messages a statement`,
  );
