import type { FieldDescription } from '@hoop/pgwire';
import type { PreparedOps } from './sql-prepared';

/**
 * The prepared statements of a session as the target has them, so that what a Bind or an `EXECUTE name` runs is
 * judged by the text the target will run. Protocol Parse and SQL PREPARE share one namespace in Postgres (a Bind can
 * run a statement made by PREPARE, EXECUTE one made by Parse), and so they do here.
 *
 * A change is made when its message is sent and stays pending until the target answers it: confirmed by its
 * ParseComplete, CloseComplete or CommandComplete, undone when its round fails first. Within one round that is exact:
 * a message after a failed one is skipped by the target too. A later round sent before the answers arrive cannot
 * know whether an earlier round's change happened; where that decides which text a name holds (`settled`, `free`),
 * the session waits for the answers before going on. A name held here in any state cannot be created again (42P05,
 * as Postgres says): the target can never accept a text under a name this map gives another text. The map may hold a
 * statement the target does not have (a Bind of it fails there); never a different one under the same name.
 */
export interface PreparedStatement {
  readonly name: string;
  /** what it runs: the text of its Parse, or the query of its PREPARE */
  readonly sql: string;
  /** the whole PREPARE statement, for a statement made by SQL (its parameter types are there) */
  readonly definition: string | null;
  /** parameter types of its Parse (0: left to the server) */
  readonly paramTypes: readonly number[];
  /** what the text does to prepared statements itself (PREPARE, EXECUTE, DEALLOCATE); null: nothing */
  readonly ops: PreparedOps | null;
  /** its result columns, once a Describe of it was answered; [] for a statement without rows */
  fields: FieldDescription[] | null;
  /** the round whose Parse or PREPARE made it, until the target has answered that */
  creatingIn: object | null;
  /** the statement its creation replaced (the unnamed one, or one its round was removing), which the target keeps if the creation is skipped */
  replaced: PreparedStatement | null;
  /** the round whose Close or DEALLOCATE removes it, until the target has answered that */
  removing: object | null;
  /** the target no longer has it */
  gone: boolean;
}

/** A change the target has not answered yet. */
export interface PendingChange {
  settled: boolean;
  confirm(): void;
  fail(): void;
}

function pending(confirm: () => void, fail: () => void): PendingChange {
  const c: PendingChange = {
    settled: false,
    confirm: () => {
      if (c.settled) return;
      c.settled = true;
      confirm();
    },
    fail: () => {
      if (c.settled) return;
      c.settled = true;
      fail();
    },
  };
  return c;
}

export class PreparedStatements {
  private readonly byName = new Map<string, PreparedStatement>();

  get(name: string): PreparedStatement | undefined {
    return this.byName.get(name);
  }

  /**
   * Whether a statement named `name` can be created in `round`: Postgres would refuse it (`taken`: one of that name
   * exists), or accept it (`free`), or which of the two depends on answers to an earlier round not in yet (`unknown`).
   * The unnamed statement is always replaced.
   */
  free(name: string, round: object | null): 'free' | 'taken' | 'unknown' {
    const e = name === '' ? undefined : this.byName.get(name);
    if (!e || (round !== null && e.removing === round)) return 'free';
    if (e.removing || (e.creatingIn && e.creatingIn !== round)) return 'unknown';
    return 'taken';
  }

  /**
   * Whether what the target holds under `name` is known as of `round`: not when an earlier round replaced a statement
   * there and has not been answered (if it failed, the target keeps the one it replaced).
   */
  settled(name: string, round: object | null): boolean {
    const e = this.byName.get(name);
    return !e || !e.creatingIn || e.creatingIn === round || e.replaced === null || e.replaced.gone;
  }

  create(name: string, sql: string, round: object, o: { definition?: string | null; paramTypes?: readonly number[]; ops: PreparedOps | null }): PendingChange {
    const prev = this.byName.get(name);
    const replaced = prev && !prev.gone ? prev : null;
    const entry: PreparedStatement = {
      name,
      sql,
      definition: o.definition ?? null,
      paramTypes: o.paramTypes ?? [],
      ops: o.ops,
      fields: null,
      creatingIn: round,
      replaced,
      removing: null,
      gone: false,
    };
    this.byName.set(name, entry);
    return pending(
      () => {
        entry.creatingIn = null;
        entry.replaced = null;
        // an unnamed statement replaces the one before it
        if (replaced && name === '') replaced.gone = true;
      },
      () => {
        entry.gone = true;
        entry.creatingIn = null;
        if (this.byName.get(name) !== entry) return;
        // a named statement replaced one its round was removing: back to it unless the removal went through. A failed
        // unnamed Parse leaves no unnamed statement (or its round failed earlier and left the old one: forgetting it
        // only means a Bind of it is refused here)
        if (replaced && name !== '' && !replaced.gone) this.byName.set(name, replaced);
        else this.byName.delete(name);
      },
    );
  }

  /** Close of a statement, DEALLOCATE name; `null`: DEALLOCATE ALL, DISCARD ALL. Nothing to remove: null. */
  remove(name: string | null, round: object): PendingChange | null {
    const entries = name === null ? [...this.byName.values()] : [this.byName.get(name)].filter((e): e is PreparedStatement => e !== undefined);
    if (entries.length === 0) return null;
    for (const e of entries) e.removing = round;
    return pending(
      () => {
        for (const e of entries) {
          e.gone = true;
          if (this.byName.get(e.name) === e) this.byName.delete(e.name);
        }
      },
      () => {
        for (const e of entries) if (e.removing === round) e.removing = null;
      },
    );
  }

  /** The target dropped the statement without a change of ours to answer (the stand-in of a refused unnamed Parse). */
  forget(name: string): void {
    const e = this.byName.get(name);
    if (e) e.gone = true;
    this.byName.delete(name);
  }
}
