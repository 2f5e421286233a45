/**
 * A Postgres session's audit records, in the session's order. A finished round's record waits for its answer to be
 * complete (read from the target and queued for the client), and is made — its text masked, its frame appended to the
 * spool and sent — just before that answer is written to the client (`beforeWrite`): a client never holds an answer
 * whose record is not on disk, even when the agent is killed between the two (records made after the answer was
 * written, to take them off the answer's way, lost the statements answered in the turn an agent was killed in). A
 * record asked for while some wait goes behind them: the trail keeps the session's order, its close included.
 */
type Make = () => void;

export class SessionRecords {
  /** records that wait for the answers they describe to be written, in order */
  private held: Make[] = [];

  constructor(
    private readonly emit: (type: string, data: Record<string, unknown>) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  /** A record now, or behind this session's records that wait. */
  record(type: string, data: Record<string, unknown>): void {
    if (this.held.length === 0) this.make(() => this.emit(type, data));
    else this.held.push(() => this.emit(type, data));
  }

  /** Records `make` makes (with `record`'s emitter) just before the answers queued for the client now are written. */
  later(make: (emit: (type: string, data: Record<string, unknown>) => void) => void): void {
    this.held.push(() => make(this.emit));
  }

  /** The client's answers queued so far are about to be written: the records that wait for them are made first. */
  beforeWrite(): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const make of held) this.make(make);
  }

  private make(make: Make): void {
    try {
      make();
    } catch (err) {
      this.onError(err as Error);
    }
  }
}
