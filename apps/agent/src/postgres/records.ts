/**
 * A Postgres session's audit records, in the session's order. A finished round's records are made once the answer they
 * describe has been written: masking the statement's text, the frame, its spool append and its send then run while the
 * answer travels to the client and the client sends its next statement, not before the answer leaves. They wait for
 * the session to write that answer (`written`), then for the check phase of that turn of the event loop
 * (`setImmediate`), after the turn's writes went out (the tunnel sends what a turn queued in one write as the turn
 * ends); every session's records of a turn are made there together, so their frames leave in one write too. A record
 * the session makes while some of its records wait goes behind them: the trail keeps the session's order, the
 * session's close included.
 */
type Make = () => void;

const queue: Make[] = [];
let scheduled = false;

function runQueued(): void {
  scheduled = false;
  // what a record queues while this runs is run here too, in order
  for (let i = 0; i < queue.length; i++) queue[i]!();
  queue.length = 0;
}

function enqueue(make: Make): void {
  queue.push(make);
  if (!scheduled) {
    scheduled = true;
    setImmediate(runQueued);
  }
}

export class SessionRecords {
  /** this session's records not made yet: waiting for the session's next write, or queued */
  private waiting = 0;
  /** records that wait for the answers they describe to be written (`written`) */
  private held: Make[] = [];

  constructor(
    private readonly emit: (type: string, data: Record<string, unknown>) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  /** A record now, or behind this session's records that wait. */
  record(type: string, data: Record<string, unknown>): void {
    if (this.waiting === 0) this.emit(type, data);
    else this.wait(() => this.emit(type, data), this.held.length > 0);
  }

  /** Records `make` makes (with `record`'s emitter) once the answers queued for the client now have been written. */
  later(make: (emit: (type: string, data: Record<string, unknown>) => void) => void): void {
    this.wait(() => make(this.emit), true);
  }

  /** The client's answers queued so far were written: the records that waited for them are made in this turn's check phase. */
  written(): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const make of held) enqueue(make);
  }

  private wait(make: Make, hold: boolean): void {
    this.waiting++;
    const run = () => {
      this.waiting--;
      try {
        make();
      } catch (err) {
        this.onError(err as Error);
      }
    };
    if (hold) this.held.push(run);
    else enqueue(run);
  }
}
