/**
 * CPU per record of the gateway's side of the trail, in one process, without Postgres: the agent's `audit_batch`
 * texts decoded as the agent link does (`decodeEnvelope`), each frame handed to the writer as `receiveAudit` does
 * (an acknowledgement per frame), and the writer's batches planned, chained by hash and turned into the INSERT's JSON
 * — a stub pool answers the head look-up and the INSERT at once, so what is measured is the gateway's JavaScript, not
 * Postgres. SESSIONS sessions (8), FRAMES records a batch text (8: a few statements of a session ride together), a
 * writer INSERT every 20 ms as under load; RECORDS (100,000) a run, ROUNDS (5), medians.
 *   node --import tsx bench/audit-writer.ts
 */
import { createLogger } from '@hoop/log';
import type pg from 'pg';
import { decodeEnvelope, encodeEnvelopeJson } from '../packages/protocol/src/messages';
import { AuditWriter } from '../apps/gateway/src/audit/writer';

const SESSIONS = Number(process.env.SESSIONS ?? 8);
const FRAMES = Number(process.env.FRAMES ?? 8);
const RECORDS = Number(process.env.RECORDS ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ids = Array.from({ length: SESSIONS }, (_, i) => `3f1c2a9e-0000-4000-8000-${String(i).padStart(12, '0')}`);

/** answers the writer's queries: every session's head (as the writer last stored it) and every INSERT stored */
function stubPool(heads: Map<string, { last_seq: number; last_hash: string }>): pg.Pool {
  return {
    query: async (q: string | { text: string; values: unknown[] }, values?: unknown[]) => {
      const text = typeof q === 'string' ? q : q.text;
      const v = typeof q === 'string' ? values! : q.values;
      if (text.includes('FROM sessions WHERE id = ANY'))
        return { rows: (v[0] as string[]).map((id) => ({ id, ...(heads.get(id) ?? { last_seq: -1, last_hash: '0'.repeat(64) }) })) };
      return { rows: (v[1] as string[]).map((id) => ({ id })) };
    },
  } as unknown as pg.Pool;
}

/** the agent's record of a pgbench -S statement, as its frame's JSON */
const frameJson = (sessionId: string, seq: number) =>
  `{"sessionId":"${sessionId}","seq":${seq},"event":{"type":"statement","at":"${new Date().toISOString()}","data":{"bytes":11,"decision":"allow","durationMs":0.${100 + (seq % 800)},"error":null,"executed":true,"masked":{},"rows":1,"sql":"SELECT abalance FROM pgbench_accounts WHERE aid = $1;","statements":[{"kind":"select","tables":["pgbench_accounts"]}],"tags":["SELECT 1"]}}}`;

async function run(): Promise<number> {
  const writer = new AuditWriter(stubPool(new Map()), createLogger('bench', 'error'));
  const seqs = new Map(ids.map((id) => [id, 0]));
  let acked = 0;
  // the batch texts, made before the clock starts (the agent makes them)
  const texts: string[] = [];
  for (let n = 0; n < RECORDS; n += FRAMES) {
    const id = ids[(n / FRAMES) % SESSIONS]!;
    const frames: string[] = [];
    for (let k = 0; k < FRAMES; k++) {
      const seq = seqs.get(id)!;
      seqs.set(id, seq + 1);
      frames.push(frameJson(id, seq));
    }
    texts.push(encodeEnvelopeJson('audit_batch', `{"frames":[${frames.join(',')}]}`));
  }
  const start = process.cpuUsage();
  let last = performance.now();
  for (const text of texts) {
    const msg = decodeEnvelope(text);
    if (msg?.type !== 'audit_batch') throw new Error('not an audit batch');
    for (const f of msg.payload.frames) writer.enqueue({ sessionId: f.sessionId, seq: f.seq, event: f.event, link: writer, ack: () => acked++ });
    // a batch INSERT every 20 ms of records at 3,000 a second: about every 60 records
    if (performance.now() - last > 2) {
      await writer.drain();
      last = performance.now();
    }
  }
  await writer.drain();
  const used = process.cpuUsage(start);
  if (acked === 0) throw new Error('nothing acknowledged');
  return (used.user + used.system) / RECORDS;
}

await run();
const figures: number[] = [];
for (let r = 0; r < ROUNDS; r++) figures.push(await run());
figures.sort((a, b) => a - b);
console.log(
  `gateway, per record (decode, ingest, plan, hash, INSERT JSON): ${figures[Math.floor(ROUNDS / 2)]!.toFixed(2)} µs of CPU (runs ${figures.map((f) => f.toFixed(2)).join(', ')})`,
);
