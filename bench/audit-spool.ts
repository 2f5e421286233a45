/**
 * CPU per record of the agent's audit outbox with a spool folder, in one process: SESSIONS sessions each make one
 * pgbench -S record a turn of the event loop (as apps/agent/src/postgres/records.ts makes a turn's records together,
 * in its check phase), on a tunnel as the agent's (a Tunnel on ridingTransport) over a transport that drops what it
 * is given; a data frame goes out each turn (an answer), and the gateway's acknowledgements come every 20 turns.
 * The same without a spool folder gives what the rest costs; `BEFORE=/path/to/audit.ts` measures another AuditOutbox
 * (the code before a change) in turns with this one, ROUNDS (default 5) of each, TURNS (default 4000) each; medians.
 * Measured by CPU time (user + system), not wall time.
 *   node --import tsx bench/audit-spool.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tunnel } from '../packages/protocol/src/tunnel';
import { ridingTransport } from '../packages/protocol/src/ws-transport';
import { AuditOutbox } from '../apps/agent/src/session/audit';

interface Outbox {
  attach(t: Tunnel | null): void;
  emit(sessionId: string, type: string, data: Record<string, unknown>): void;
  ack(sessionId: string, seq: number): void;
}
type Make = (dir: string) => Outbox;

const rounds = Number(process.env.ROUNDS ?? 5);
const turns = Number(process.env.TURNS ?? 4000);
const sessionCounts = (process.env.SESSIONS ?? '1,2,4,8').split(',').map(Number);
const data = () => ({
  bytes: 11,
  decision: 'allow',
  durationMs: 0.123,
  executed: true,
  rows: 1,
  sql: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;',
  statements: [{ kind: 'select', tables: ['pgbench_accounts'] }],
  tags: ['SELECT 1'],
});

async function measure(make: Make, sessions: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hoop-spool-bench-'));
  const outbox = make(dir);
  const transport = ridingTransport({ sendText: () => undefined, sendBinary: () => undefined, close: () => undefined }, 20, 5);
  transport.batchAudit = true;
  const tunnel = new Tunnel(transport, true);
  outbox.attach(tunnel);
  const ids = Array.from({ length: sessions }, (_, i) => `3f1c2a9e-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const answer = Buffer.alloc(80, 2);
  const start = process.cpuUsage();
  for (let t = 0; t < turns; t++) {
    await new Promise<void>((r) =>
      setImmediate(() => {
        for (const id of ids) outbox.emit(id, 'statement', data());
        tunnel.sendData(1, answer);
        if (t % 20 === 19) for (const id of ids) outbox.ack(id, t);
        r();
      }),
    );
  }
  const used = process.cpuUsage(start);
  outbox.attach(null);
  rmSync(dir, { recursive: true, force: true });
  return (used.user + used.system) / (turns * sessions);
}

// the same without a spool: what the rest (the records, the tunnel, the turns) costs
const makers: [string, Make][] = [
  ['no spool', () => new AuditOutbox(null, 60_000)],
  ['this code', (dir) => new AuditOutbox(dir, 60_000)],
];
if (process.env.BEFORE) {
  const { AuditOutbox: Before } = (await import(path.resolve(process.env.BEFORE))) as { AuditOutbox: new (dir: string, resendMs: number) => Outbox };
  makers.splice(1, 0, ['before', (dir) => new Before(dir, 60_000)]);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const sessions of sessionCounts) {
  const results = new Map<string, number[]>(makers.map(([name]) => [name, []]));
  // a warm-up of each, then rounds in turns
  for (const [, make] of makers) await measure(make, sessions);
  for (let r = 0; r < rounds; r++) for (const [name, make] of makers) results.get(name)!.push(await measure(make, sessions));
  const base = median(results.get('no spool')!);
  const line = [...results].map(
    ([name, xs]) => `${name} ${median(xs).toFixed(2)} µs${name === 'no spool' ? '' : ` (spool ${(median(xs) - base).toFixed(2)})`}`,
  );
  console.log(`${sessions} records a turn: ${line.join('; ')}`);
}
