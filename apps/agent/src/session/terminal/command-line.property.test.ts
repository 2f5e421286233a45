/**
 * Property tests of CommandLineTracker against what a hostile or broken session sends: random keystrokes (control
 * characters, escape sequences cut short or with endless parameters, any Unicode), random server output (terminal
 * control sequences, the alternate screen, cursor jumps far off screen, scroll regions), resizes to nonsense sizes and
 * resets at any point. Nothing may throw, and every line must come back within its wait bound.
 * Two oracles: keystrokes of a line editor's usual keys give the line a line editor (readline) would have, and a line
 * the shell echoes as typed reads the same from the screen, however the terminal wraps it.
 * HOOP_FUZZ_RUNS=N runs N cases per property (a longer local search); HOOP_FUZZ_SEED replays a reported seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandLineTracker } from './command-line';

/** CPU time of this process in ms: a bound on it holds on a loaded machine, where wall time does not. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// the emulator is slower than a parser: fewer cases by default
const RUNS = Number(process.env.HOOP_FUZZ_RUNS) || 60;
const fuzz: fc.Parameters<unknown> = {
  numRuns: RUNS,
  interruptAfterTimeLimit: process.env.HOOP_FUZZ_RUNS ? undefined : 8000,
  seed: process.env.HOOP_FUZZ_SEED ? Number(process.env.HOOP_FUZZ_SEED) : undefined,
};
/** No call with a few hundred characters may take this long (a generous bound: it takes well under a millisecond). */
const CALL_MS = 1000;
/** lineAtEnter(quiet, max, uncertain) waits at most about `uncertain`; this much more is left for a loaded machine */
const WAIT = { quiet: 1, max: 10, uncertain: 40 };
const ENTER_MS = WAIT.uncertain + 2000;

function timed<T>(f: () => T): T {
  const t0 = cpuMs();
  const out = f();
  expect(cpuMs() - t0).toBeLessThan(CALL_MS);
  return out;
}

async function enter(t: CommandLineTracker): Promise<{ typed: string | null; screen: string | null; fullScreen: boolean }> {
  const t0 = performance.now();
  const r = await t.lineAtEnter(WAIT.quiet, WAIT.max, WAIT.uncertain);
  expect(performance.now() - t0).toBeLessThan(ENTER_MS);
  expect(r.typed === null || typeof r.typed === 'string').toBe(true);
  expect(r.screen === null || typeof r.screen === 'string').toBe(true);
  expect(typeof r.fullScreen).toBe('boolean');
  if (r.screen !== null) expect(r.screen).toBe(r.screen.trim());
  return r;
}

// ── hostile sessions ───────────────────────────────────────────────────────────────────────────────────────────────

const anyText = (max: number) => fc.string({ unit: 'binary', maxLength: max });
/**
 * Parameters of control sequences. Counts stay below 1000: the emulator scrolls, inserts and deletes lines one at a
 * time, so `CSI 2147483647 S` keeps it busy for hours (see the skipped case at the end).
 */
const digits = fc.stringMatching(/^[0-9]{0,3}$/);
const keys = fc.oneof(
  anyText(8),
  fc.constantFrom(
    '\x7f',
    '\x08',
    '\x15',
    '\x17',
    '\x03',
    '\x01',
    '\x05',
    '\x0b',
    '\t',
    '\x12',
    '\x10',
    '\x0e',
    '\x1b',
    '\x1b[',
    '\x1bO',
    '\x1b\x1b',
    '\r',
    '\n',
  ),
  fc.tuple(digits, fc.constantFrom('~', 'A', 'B', 'C', 'D', 'H', 'F', 'Z', ';', '[', '')).map(([d, f]) => `\x1b[${d}${f}`),
  fc.constantFrom('\x1b[200~', '\x1b[201~', '\x1b[1;5D', '\x1bOD', '\x1bb', '\x1b[3;2~'),
);
const output = fc.oneof(
  anyText(40),
  fc
    .tuple(digits, digits, fc.constantFrom('H', 'A', 'B', 'C', 'D', 'J', 'K', 'r', 'S', 'T', 'L', 'M', 'P', '@', 'X', 'm'))
    .map(([a, b, f]) => `\x1b[${a};${b}${f}`),
  fc.constantFrom(
    '\x1b[?1049h',
    '\x1b[?1049l',
    '\x1b[?47h',
    '\x1b[?47l',
    '\x1bc',
    '\x1b[2J\x1b[H',
    '\r\n$ ',
    '\x1b]0;title\x07',
    '\x1b]8;;http://x\x1b\\',
    '\x1bP+q\x1b\\',
    '\x1b[?2004h',
    '\t\t\t',
    '\x1b[99999;99999H',
  ),
  fc.integer({ min: 1, max: 400 }).map((n) => 'x'.repeat(n)),
);
const size = fc.oneof(fc.integer({ min: -5, max: 300 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e12, 0.5));

type Op = { input: string } | { output: string } | { resize: [number, number] } | { reset: true };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: keys.map((input) => ({ input })) },
  { weight: 4, arbitrary: output.map((o) => ({ output: o })) },
  { weight: 1, arbitrary: fc.tuple(size, size).map((resize) => ({ resize })) },
  { weight: 1, arbitrary: fc.constant({ reset: true as const }) },
);

function play(t: CommandLineTracker, ops: Op[]): void {
  for (const o of ops) {
    if ('input' in o) timed(() => t.input(o.input));
    else if ('output' in o) timed(() => t.output(o.output));
    else if ('resize' in o) timed(() => t.resize(...o.resize));
    else timed(() => t.reset());
  }
}

/** lets the emulator parse what it was given (it works in timer turns), so its callbacks run before the next case */
const parsed = () => new Promise((r) => setTimeout(r, 10));

describe('CommandLineTracker on hostile sessions', () => {
  it('never throws, whatever is typed, printed or resized', async () => {
    await fc.assert(
      fc.asyncProperty(size, size, fc.array(op, { maxLength: 24 }), async (cols, rows, ops) => {
        const t = timed(() => new CommandLineTracker(cols, rows));
        play(t, ops);
        await parsed();
        t.dispose();
      }),
      { ...fuzz, numRuns: 2 * RUNS },
    );
  });

  it('gives every line back within its wait bound, with readings of the right shape', async () => {
    // an unanswered line a key of which only the screen can follow waits ~0.5 s by design: few cases
    await fc.assert(
      fc.asyncProperty(size, size, fc.array(op, { maxLength: 12 }), async (cols, rows, ops) => {
        const t = new CommandLineTracker(cols, rows);
        try {
          play(t, ops);
          await enter(t);
        } finally {
          t.dispose();
        }
      }),
      { ...fuzz, numRuns: Math.max(8, Math.round(RUNS / 6)) },
    );
  });
});

// ── oracle 1: the keystrokes as a line editor applies them ─────────────────────────────────────────────────────────

type Key = { kind: 'char'; c: string } | { kind: 'edit'; seq: string };
/** the keys a line editor and the tracker both follow, each as a terminal sends it */
const EDITS = {
  backspace: ['\x7f', '\x08'],
  killStart: ['\x15'],
  killWord: ['\x17'],
  home: ['\x01', '\x1b[H', '\x1bOH', '\x1b[1~', '\x1b[7~'],
  end: ['\x05', '\x1b[F', '\x1bOF', '\x1b[4~', '\x1b[8~'],
  killEnd: ['\x0b'],
  left: ['\x1b[D', '\x1bOD'],
  right: ['\x1b[C', '\x1bOC'],
  delete: ['\x1b[3~'],
} as const;
const editOf = new Map<string, keyof typeof EDITS>(Object.entries(EDITS).flatMap(([name, seqs]) => seqs.map((s) => [s, name as keyof typeof EDITS])));

const key: fc.Arbitrary<Key> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .oneof(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), fc.constantFrom(' ', ' ', 'é', 'ж', '日', '-', '/'))
      .map((c) => ({ kind: 'char' as const, c })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...editOf.keys()).map((seq) => ({ kind: 'edit' as const, seq })) },
);

/** readline's behaviour for these keys, written out independently of the tracker */
function lineEditor(ks: Key[]): string {
  let line: string[] = [];
  let at = 0;
  for (const k of ks) {
    if (k.kind === 'char') {
      line = [...line.slice(0, at), k.c, ...line.slice(at)];
      at++;
      continue;
    }
    switch (editOf.get(k.seq)!) {
      case 'backspace':
        if (at > 0) line = [...line.slice(0, at - 1), ...line.slice(at--)];
        break;
      case 'killStart':
        line = line.slice(at);
        at = 0;
        break;
      case 'killWord': {
        // unix-word-rubout: the spaces before the cursor, then the word before them
        let from = at;
        while (from > 0 && line[from - 1] === ' ') from--;
        while (from > 0 && line[from - 1] !== ' ') from--;
        line = [...line.slice(0, from), ...line.slice(at)];
        at = from;
        break;
      }
      case 'home':
        at = 0;
        break;
      case 'end':
        at = line.length;
        break;
      case 'killEnd':
        line = line.slice(0, at);
        break;
      case 'left':
        at = Math.max(0, at - 1);
        break;
      case 'right':
        at = Math.min(line.length, at + 1);
        break;
      case 'delete':
        line = [...line.slice(0, at), ...line.slice(at + 1)];
        break;
    }
  }
  return line.join('');
}

/** keys grouped into input() calls the way a terminal may send them: one by one, or several in one write */
function writes(ks: Key[], groups: number[]): string[] {
  const seqs = ks.map((k) => (k.kind === 'char' ? k.c : k.seq));
  const out: string[] = [];
  let i = 0;
  for (const g of groups) {
    if (i >= seqs.length) break;
    out.push(seqs.slice(i, i + 1 + g).join(''));
    i += 1 + g;
  }
  if (i < seqs.length) out.push(seqs.slice(i).join(''));
  return out;
}

describe('CommandLineTracker keystrokes', () => {
  it('rebuild the line a line editor has, however the keys are grouped into writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(key, { maxLength: 40 }), fc.array(fc.nat({ max: 4 }), { maxLength: 40 }), async (ks, groups) => {
        const t = new CommandLineTracker(80, 24);
        try {
          t.output('$ ');
          for (const w of writes(ks, groups)) timed(() => t.input(w));
          expect((await enter(t)).typed).toBe(lineEditor(ks));
        } finally {
          t.dispose();
        }
      }),
      fuzz,
    );
  });
});

// ── oracle 2: the line on the screen ───────────────────────────────────────────────────────────────────────────────

describe('CommandLineTracker screen', () => {
  it('reads a line the shell echoes as typed, wrapped at any width and echoed in any pieces', async () => {
    const printable = fc.string({ unit: fc.constantFrom(...'abcxyz019 -_/.;|&$*~'.split('')), minLength: 1, maxLength: 300 });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 20, max: 120 }),
        fc.stringMatching(/^[a-z@:~]{0,30}[$#] $/),
        printable,
        fc.array(fc.nat(), { maxLength: 5 }),
        async (cols, prompt, line, cuts) => {
          const t = new CommandLineTracker(cols, 24);
          try {
            t.output(`Last login: yesterday\r\n${prompt}`);
            t.input(line);
            const points = [...new Set(cuts.map((c) => c % (line.length + 1)))].sort((a, b) => a - b);
            let prev = 0;
            for (const p of [...points, line.length]) {
              t.output(line.slice(prev, p));
              prev = p;
            }
            const r = await enter(t);
            expect(r.typed).toBe(line);
            expect(r.screen).toBe(line.trim());
            expect(r.fullScreen).toBe(false);
          } finally {
            t.dispose();
          }
        },
      ),
      fuzz,
    );
  });
});

describe('CommandLineTracker known limits', () => {
  // The emulator performs CSI S/T/L/M, @/P/X and b one step at a time and accepts counts up to 2^31: unbounded,
  // `printf '\e[2147483647S'` in a session stopped the agent's event loop for hours. The tracker bounds those counts by
  // the screen (csi-clamp.ts), also across output chunks.
  it('a session that asks to scroll 2^31 lines does not stall the tracker', async () => {
    const t = new CommandLineTracker(80, 24);
    try {
      t.output('$ ');
      for (const f of ['S', 'T', 'L', 'M', '@', 'P', 'X', 'b']) timed(() => t.output(`\x1b[2147483647${f}`));
      // split across chunks, 8-bit CSI, and padded with zeros
      timed(() => t.output('\x1b[21474'));
      timed(() => t.output('83647S\x9b2147483647T'));
      timed(() => t.output(`\x1b[${'0'.repeat(40)}2147483647L`));
      t.input('ls');
      t.output('ls');
      expect((await enter(t)).typed).toBe('ls');
    } finally {
      t.dispose();
    }
  });

  // A long line must not cost each key its length: cursor moves once copied the whole line for every key (10,000 of
  // them on a 512 KiB line took seconds), and a write was spread into function arguments (RangeError past ~120K
  // characters). What the line was after each key is kept within a bound of characters (keystrokes.ts).
  it('takes keystrokes in time linear in what is typed, in SSH packets (32 KiB) or larger writes', async () => {
    const t = new CommandLineTracker(80, 24);
    try {
      t.output('$ ');
      const packet = 'a'.repeat(32 * 1024);
      for (let i = 0; i < 8; i++) timed(() => t.input(i % 2 === 0 ? packet : `\x01${packet}`));
      timed(() => t.input('\x1b[D'.repeat(10_000)));
      timed(() => t.input('b'.repeat(256 * 1024)));
      expect((await enter(t)).typed).toHaveLength(8 * 32 * 1024 + 256 * 1024);
    } finally {
      t.dispose();
    }
  });
});
