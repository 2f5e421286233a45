import { describe, expect, it } from 'vitest';
import type { Verdict } from '../hooks';
import { CommandLineTracker } from './command-line';
import { gateHarness } from './gate-harness';
import type { OutputPipe } from '../output-pipe';
import { ptyGate } from './terminal-gate';

const judge = (line: string): Verdict => (/^touch/.test(line) ? { action: 'review', ruleId: 'touch-review' } : { action: 'allow' });

/**
 * A terminal gate before a shell that echoes what it reads (see gate-harness.ts: `slow`, reviews, and `limit`, what the
 * session may hold of the client's input).
 */
function terminal(limit = Infinity) {
  const tracker = new CommandLineTracker(80, 24);
  tracker.output('$ ');
  const h = gateHarness(judge, { limit, onWrite: (chunk) => tracker.output(chunk.replace(/\r/g, '\r\n$ ')) });
  const gate = ptyGate(h.ctx, h.target, { inject: () => undefined } as unknown as OutputPipe, tracker);
  return {
    gate,
    reviews: h.reviews,
    /** what reached the shell, as one string */
    written: () => h.written.join(''),
    held: h.held,
    reports: h.reports,
    slow: h.slow,
    dispose: () => tracker.dispose(),
  };
}

const until = async (what: string, ok: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ptyGate: the client input it holds', () => {
  it('counts keys typed while a line waits for review, and frees them once they went on', async () => {
    const t = terminal();
    try {
      t.gate.push('touch /srv/flag\r');
      await until('the review', () => t.reviews.length === 1);
      t.gate.push('echo one\r');
      t.gate.push('ls');
      expect(t.held()).toBe('echo one\r'.length + 'ls'.length);
      expect(t.written()).toBe('touch /srv/flag');
      t.reviews[0]!('approved');
      await until('the keys typed ahead to reach the shell', () => t.written() === 'touch /srv/flag\recho one\rls');
      expect(t.held()).toBe(0);
    } finally {
      t.dispose();
    }
  });

  it('drops what it holds once the session cannot hold more, and runs nothing of it', async () => {
    const t = terminal(16);
    try {
      t.gate.push('touch /srv/flag\r');
      await until('the review', () => t.reviews.length === 1);
      t.gate.push('echo one\r');
      t.gate.push('echo two\r');
      expect(t.held()).toBe(18);
      // the session is over: even if the review is decided, neither the line nor what came after it runs
      const reports = t.reports();
      t.reviews[0]!('approved');
      await until('the gate to look again', () => t.reports() > reports);
      expect(t.held()).toBe(0);
      t.gate.push('echo three\r');
      expect(t.written()).toBe('touch /srv/flag');
    } finally {
      t.dispose();
    }
  });

  it('keeps keys for a shell that does not read, counted, instead of writing them on', async () => {
    const t = terminal();
    try {
      t.slow(true);
      t.gate.push('0123456789abcdef');
      t.gate.push('echo more');
      expect(t.written()).toBe('0123456789abcdef');
      expect(t.held()).toBe('echo more'.length);
      t.slow(false);
      await until('the keys to reach the shell', () => t.written() === '0123456789abcdefecho more');
      expect(t.held()).toBe(0);
    } finally {
      t.dispose();
    }
  });
});

describe('ptyGate: keys typed right behind a Ctrl-C', () => {
  // what bash showed (bracketed paste off and on again: its terminal set anew) when Ctrl-C came between drawing its
  // prompt and reading keys: no new line, and none until it reads again
  const LATE = '^C\x1b[?2004l\r\x1b[?2004h';
  /**
   * A shell that runs each line it reads. `answer`: how it answers the first Ctrl-C — at once (a new prompt on a new
   * line), late (as bash caught between its prompt and reading keys: it handles the interrupt only when it reads again,
   * and the key that woke it is lost although the screen shows it; another Ctrl-C is handled at once), or not at all.
   */
  function shell(answer: 'at once' | 'late' | 'never') {
    const tracker = new CommandLineTracker(80, 24, { interruptMs: 300 });
    tracker.output('$ ');
    const ran: string[] = [];
    let line = '';
    let interrupts = 0;
    let pending = false;
    const h = gateHarness((l) => (/\brm\b/.test(l) ? { action: 'deny', ruleId: 'no-rm' } : { action: 'allow' }), {
      // it answers after the write, as over a connection
      onWrite: (chunk) => setImmediate(() => read(chunk)),
    });
    function read(chunk: string) {
      for (const ch of chunk) {
        if (ch === '\x03') {
          line = '';
          interrupts++;
          if (answer === 'never') continue;
          pending = answer === 'late' && interrupts === 1;
          tracker.output(pending ? LATE : '^C\r\n$ ');
        } else if (ch === '\r') {
          ran.push(line);
          line = '';
          tracker.output('\r\n$ ');
        } else if (pending) {
          // handled now: the prompt drawn anew, the key shown, and lost
          pending = false;
          tracker.output(`$ ${ch}`);
        } else {
          line += ch;
          tracker.output(ch);
        }
      }
    }
    const gate = ptyGate(h.ctx, h.target, { inject: () => undefined } as unknown as OutputPipe, tracker);
    return { gate, ran, written: () => h.written.join(''), dispose: () => tracker.dispose() };
  }

  const typed = 'abc\x03xrm -rf /srv/app\r';
  it.each([
    ['a shell that answers at once gets them after its new prompt', 'at once', '\x03', [typed]],
    ['a shell that handles the interrupt only once it reads again gets Ctrl-C once more first: no key of the line is lost', 'late', '\x03\x03', [typed]],
    ['the same, each key in its own write', 'late', '\x03\x03', [...typed]],
    ['a program that shows no answer gets Ctrl-C once more, then the keys', 'never', '\x03\x03', [typed]],
  ] as const)('%s', async (_name, answer, interrupts, writes) => {
    const t = shell(answer);
    try {
      for (const w of writes) t.gate.push(w);
      await until('the shell to run a line', () => t.ran.length > 0);
      // what the shell ran is the line judged (`xrm`, not `rm`)
      expect(t.ran).toEqual(['xrm -rf /srv/app']);
      expect(t.written()).toBe(`abc${interrupts}xrm -rf /srv/app\r`);
    } finally {
      t.dispose();
    }
  });
});
