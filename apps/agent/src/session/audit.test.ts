import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Tunnel } from '@hoop/protocol';
import { AuditOutbox } from './audit';

/** what the outbox puts on the wire: the seqs of the audit frames it sent, per session, in order */
function wire() {
  const sent = new Map<string, number[]>();
  const send = (type: string, payload: { sessionId: string; seq: number }) => {
    if (type === 'audit') sent.set(payload.sessionId, [...(sent.get(payload.sessionId) ?? []), payload.seq]);
  };
  const tunnel = { send, sendJson: (type: string, json: string) => send(type, JSON.parse(json)) } as unknown as Tunnel;
  return { sent, tunnel };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const S = '3f1c2a9e-0000-4000-8000-000000000001';

describe('audit outbox', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends unacknowledged frames again when acknowledgements stop, waiting twice as long each time', async () => {
    // no spool folder: only timers and the clock, both the test's own (a loaded machine cannot stretch an interval)
    vi.useFakeTimers();
    const outbox = new AuditOutbox(null, 300);
    const { sent, tunnel } = wire();
    outbox.attach(tunnel);
    for (const type of ['session.open', 'statement', 'statement']) outbox.emit(S, type, {});
    outbox.ack(S, 0);
    expect(sent.get(S)).toEqual([0, 1, 2]);
    // the gateway keeps 1 and 2 without acknowledging them (it waits for a frame it never got, or cannot store yet):
    // sent again after 300 ms, then after 600 ms more
    await vi.advanceTimersByTimeAsync(450);
    expect(sent.get(S)).toEqual([0, 1, 2, 1, 2]);
    await vi.advanceTimersByTimeAsync(300);
    expect(sent.get(S)).toEqual([0, 1, 2, 1, 2]);
    await vi.advanceTimersByTimeAsync(450);
    expect(sent.get(S)).toEqual([0, 1, 2, 1, 2, 1, 2]);
    outbox.ack(S, 2);
    await vi.advanceTimersByTimeAsync(700);
    expect(sent.get(S)).toEqual([0, 1, 2, 1, 2, 1, 2]);
    expect(outbox.pending).toBe(0);
    outbox.attach(null);
  });

  it('sends nothing again while acknowledgements keep coming, and stops once detached', async () => {
    vi.useFakeTimers();
    const outbox = new AuditOutbox(null, 200);
    const { sent, tunnel } = wire();
    outbox.attach(tunnel);
    for (let i = 0; i < 6; i++) {
      outbox.emit(S, 'statement', { i });
      await vi.advanceTimersByTimeAsync(80);
      outbox.ack(S, i - 1);
    }
    expect(sent.get(S)).toEqual([0, 1, 2, 3, 4, 5]);
    outbox.attach(null);
    await vi.advanceTimersByTimeAsync(400);
    expect(sent.get(S)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(outbox.pending).toBe(1);
  });

  it('keeps spooled frames across a restart and removes the file once they are acknowledged', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hoop-spool-'));
    const before = new AuditOutbox(dir);
    for (const type of ['session.open', 'statement']) before.emit(S, type, {});
    await sleep(50);
    const after = new AuditOutbox(dir, 200);
    const { sent, tunnel } = wire();
    after.attach(tunnel);
    expect(sent.get(S)).toEqual([0, 1]);
    after.ack(S, 1);
    await sleep(50);
    expect(await readdir(dir)).toEqual([]);
    after.attach(null);
    before.attach(null);
  });

  it('has a frame in the spool file before it is sent', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hoop-spool-'));
    const outbox = new AuditOutbox(dir);
    const spooled: number[] = [];
    outbox.attach({
      sendJson: () =>
        spooled.push(
          readFileSync(path.join(dir, `${S}.jsonl`), 'utf8')
            .split('\n')
            .filter(Boolean).length,
        ),
    } as unknown as Tunnel);
    outbox.emit(S, 'session.open', {});
    outbox.emit(S, 'statement', { sql: 'select 1' });
    expect(spooled).toEqual([1, 2]);
    outbox.attach(null);
  });

  it('keeps sending, and says so, when the spool folder cannot be written', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hoop-spool-'));
    const errors: string[] = [];
    const outbox = new AuditOutbox(dir, 200, (session, err) => errors.push(`${session}: ${err.message}`));
    await rm(dir, { recursive: true });
    const { sent, tunnel } = wire();
    outbox.attach(tunnel);
    outbox.emit(S, 'session.open', {});
    outbox.emit(S, 'statement', {});
    expect(sent.get(S)).toEqual([0, 1]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/ENOENT/);
    outbox.ack(S, 1);
    outbox.endSession(S);
    expect(outbox.pending).toBe(0);
    outbox.attach(null);
  });
});
