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
