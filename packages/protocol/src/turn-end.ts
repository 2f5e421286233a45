/**
 * Work deferred to the end of this turn of the event loop: after every I/O callback that is ready now has run (the
 * check phase), writes first, then work that should not hold them up. Frames to one socket from several callbacks of
 * one turn (answers of eight sessions read together) then leave in one write, where `process.nextTick` ended a cork
 * after each callback.
 */
const writes: (() => void)[] = [];
const after: (() => void)[] = [];
let scheduled = false;

function run(): void {
  scheduled = false;
  const w = writes.splice(0);
  const a = after.splice(0);
  for (const f of w) guarded(f);
  for (const f of a) guarded(f);
}

function guarded(f: () => void): void {
  try {
    f();
  } catch (err) {
    // as if it had thrown in a callback of its own, without keeping the others of this turn from running
    process.nextTick(() => {
      throw err;
    });
  }
}

/** `write`: runs at the end of this turn, before every `afterWrites` of the turn */
export function atTurnEnd(write: () => void): void {
  writes.push(write);
  schedule();
}

/** runs at the end of this turn, once this turn's writes (`atTurnEnd`) are done */
export function afterWrites(work: () => void): void {
  after.push(work);
  schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(run);
}
