/**
 * The agent's MySQL sessions by the target thread their client was greeted with, per connection: the mysql client's
 * Ctrl-C sends `KILL QUERY <thread id>` on a second connection, which the target cannot act on while the statement
 * waits for reviewers in the agent; the session holding it is found here and stops waiting. Kept as long as the
 * agent (the plug-in makes one).
 */
export class MysqlThreads {
  private readonly byKey = new Map<string, { interrupt(): boolean }>();

  /** registers a session; returns its removal */
  add(connectionId: string, threadId: number, session: { interrupt(): boolean }): () => void {
    const key = `${connectionId}:${threadId}`;
    this.byKey.set(key, session);
    return () => {
      if (this.byKey.get(key) === session) this.byKey.delete(key);
    };
  }

  /** `KILL [QUERY|CONNECTION] <thread>` on connection `connectionId` was let through: a held statement of that thread stops waiting */
  killed(connectionId: string, threadId: number): boolean {
    return this.byKey.get(`${connectionId}:${threadId}`)?.interrupt() ?? false;
  }
}

/** The thread a KILL statement names (`KILL 12`, `KILL QUERY 12`, `KILL CONNECTION 12`), or null. */
export function killedThread(sql: string): number | null {
  const m = /^\s*KILL\s+(?:(?:HARD|SOFT)\s+)?(?:QUERY\s+|CONNECTION\s+)?(\d{1,10})\s*;?\s*$/i.exec(sql);
  return m ? Number(m[1]) : null;
}
