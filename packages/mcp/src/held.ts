import type { WaitingNotice } from '@hoop/protocol';

/** The statement is held for review and the wait for this call is over; the review goes on. */
export class StillPending extends Error {
  constructor(readonly notice: WaitingNotice) {
    super('still waiting for approval');
  }
}

/**
 * What a held statement or command was, so `wait_for_review` can re-attach to it by id. Process-wide (the gateway's
 * `/mcp` makes a server per request), bounded, and keyed by caller so one agent never re-attaches to another's hold.
 */
export interface Held {
  kind: 'sql' | 'command';
  connection: string;
  sql: string;
  reason?: string;
  limit: number;
}
export const heldStatements = new Map<string, Held>();
export function rememberHeld(id: string, entry: Held) {
  heldStatements.set(id, entry);
  if (heldStatements.size > 1000) heldStatements.delete(heldStatements.keys().next().value!);
}

/** Between looks: soon at first (most statements are answered at once, a held one is seen quickly), then every 3 s. */
const DELAYS_MS = [300, 500, 1000, 2000, 3000];

/**
 * Watches for the review a session's statement waits on, where the protocol cannot tell its client (MySQL: the client
 * simply waits for the answer): `look` asks for the pending review held in the session until one shows, then `found`
 * is called once with it. Returns stop().
 */
export function watchHeld(look: () => Promise<WaitingNotice | null>, found: (w: WaitingNotice) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let n = 0;
  const next = () => {
    if (!stopped) timer = setTimeout(once, DELAYS_MS[Math.min(n++, DELAYS_MS.length - 1)]);
  };
  const once = async () => {
    timer = null;
    // a look that fails is tried again: the statement's own answer is what counts
    const w = await look().catch(() => null);
    if (stopped) return;
    if (w) {
      stopped = true;
      return found(w);
    }
    next();
  };
  next();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
