import { eventHash } from '@hoop/core/audit/audit-hash';
import { type Frame, frameData } from './held';

export interface Chain {
  lastSeq: number;
  lastHash: string;
}
export interface Row {
  frame: Frame;
  prev: string;
  hash: string;
}

/** What one batch does with one session's frames. */
export interface Plan {
  /** the head the rows were chained from, and the head after them */
  from: Chain;
  to: Chain;
  rows: Row[];
  /** frames that are copies of a row of this batch (the agent sent one twice) */
  copies: Frame[];
  /** frames at or below the stored head: acknowledged only if they are the stored event */
  stored: Frame[];
  /** frames that skip ahead of the chain: held for the ones before them */
  ahead: Frame[];
  /** a frame whose content differs from the event stored (or stored in this batch) at its seq */
  conflicts: { frame: Frame; storedHash: string | null }[];
  all: Frame[];
}

/** Chains a session's frames onto its head in seq order: the next seq is stored, one further ahead waits. */
export function planSession(id: string, head: Chain, frames: Frame[]): Plan {
  const sorted = [...frames].sort((a, b) => a.seq - b.seq);
  const plan: Plan = { from: head, to: { ...head }, rows: [], copies: [], stored: [], ahead: [], conflicts: [], all: frames };
  const chained = new Map<number, Row>();
  for (const f of sorted) {
    if (f.seq <= head.lastSeq) {
      plan.stored.push(f);
      continue;
    }
    const row = chained.get(f.seq);
    if (row) {
      if (eventHash(row.prev, id, f.seq, f.event, frameData(f)) === row.hash) plan.copies.push(f);
      else plan.conflicts.push({ frame: f, storedHash: row.hash });
      continue;
    }
    if (f.seq !== plan.to.lastSeq + 1) {
      plan.ahead.push(f);
      continue;
    }
    const hash = eventHash(plan.to.lastHash, id, f.seq, f.event, frameData(f));
    const next: Row = { frame: f, prev: plan.to.lastHash, hash };
    plan.rows.push(next);
    chained.set(f.seq, next);
    plan.to = { lastSeq: f.seq, lastHash: hash };
  }
  return plan;
}
