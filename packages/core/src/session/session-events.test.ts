import { describe, expect, it } from 'vitest';
import { type RawEvent, readSessionEvents } from './session-events';

const at = (i: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, 0, i * 10));
const events = (list: [string, unknown][]): RawEvent[] => list.map(([type, data], seq) => ({ seq, type, at: at(seq), data }));

describe('reading audit events', () => {
  it('survives data of any shape', () => {
    const read = readSessionEvents(
      events([
        ['statement', null],
        ['statement', { sql: 42, decision: ['deny'], masked: { email: 'x', card: -1, phone: 2 }, tags: ['SELECT 1', 3], statements: 'nope' }],
        ['term.output', { t: 'soon', d: 'x' }],
        ['term.resize', { t: 1, cols: 'wide' }],
        ['exit', 'gone'],
        ['something.new', { anything: true }],
      ]),
    );
    expect(read.timeline.map((e) => e.kind)).toEqual(['statement', 'statement', 'exit', 'event']);
    expect(read.timeline[1]).toMatchObject({ text: '', decision: 'allow', masked: { phone: 2 }, tags: ['SELECT 1'], parts: [] });
    expect(read.timeline[2]).toMatchObject({ code: null, signal: null });
    expect(read.timeline[3]).toMatchObject({ type: 'something.new', summary: '{"anything":true}' });
    expect(read.recording).toBeNull();
    expect(read.masked).toEqual({ phone: 2 });
  });

  it("says in words what a MySQL session's login and LOAD DATA LOCAL files were", () => {
    const read = readSessionEvents(
      events([
        ['mysql.login', { serverVersion: '10.11.19-MariaDB-0+deb12u1', threadId: 1955, user: 'dev', database: 'shop' }],
        ['mysql.login', { serverVersion: '8.4.3', threadId: 7 }],
        ['mysql.login', { serverVersion: 8, threadId: 'x', user: null, database: '' }],
        ['mysql.local_infile', { file: '/tmp/a.csv', refused: true, reason: 'the statement names another file' }],
        ['mysql.local_infile', { file: '/tmp/b.csv', bytes: 12, packets: 1, sha256: 'ab'.repeat(32) }],
      ]),
    );
    expect(read.timeline.map((e) => (e.kind === 'event' ? [e.summary, e.tone] : null))).toEqual([
      ['Logged into MariaDB 10.11.19 · thread 1955 · database shop · client user dev', 'neutral'],
      ['Logged into MySQL 8.4.3 · thread 7', 'neutral'],
      ['Logged into the server', 'neutral'],
      ['LOAD DATA LOCAL file /tmp/a.csv refused: the statement names another file', 'red'],
      [`LOAD DATA LOCAL sent /tmp/b.csv (12 bytes, sha256 ${'ab'.repeat(8)}…)`, 'amber'],
    ]);
  });

  it('links a shell command refused after a review to the review it asked for', () => {
    const read = readSessionEvents(
      events([
        ['review.requested', { reviewId: 'r-1', url: 'http://web/reviews/r-1', ruleId: 'prod-restart' }],
        ['review.decided', { reviewId: 'r-1', status: 'rejected', decidedBy: 'rita@acme.test', message: 'not now' }],
        ['command', { command: 'systemctl restart api', decision: 'review', ruleId: 'prod-restart', executed: false, reviewStatus: 'rejected' }],
      ]),
    );
    expect(read.timeline.map((e) => e.kind)).toEqual(['review', 'review', 'statement']);
    expect(read.timeline[1]).toMatchObject({ phase: 'decided', status: 'rejected', decidedBy: 'rita@acme.test', message: 'not now' });
    expect(read.timeline[2]).toMatchObject({ lang: 'shell', reviewId: 'r-1', reviewStatus: 'rejected', executed: false });
  });

  it('counts what a running session masked so far from its statements, a closed one from its closing totals', () => {
    const running = events([
      ['statement', { sql: 'select email from a', masked: { email: 2 } }],
      ['statement', { sql: 'select email, card from b', masked: { email: 1, card: 4 } }],
    ]);
    expect(readSessionEvents(running).masked).toEqual({ email: 3, card: 4 });
    expect(
      readSessionEvents([...running, { seq: 2, type: 'session.close', at: at(2), data: { reason: 'done', masked: { email: 3, card: 4, phone: 1 } } }]).masked,
    ).toEqual({ email: 3, card: 4, phone: 1 });
  });

  it('records a terminal without term.start at the default size, frames in time order', () => {
    const read = readSessionEvents(
      events([
        ['term.output', { t: 0.5, d: 'b' }],
        ['term.output', { t: 0.2, d: 'a', stream: 'stderr' }],
      ]),
    );
    expect(read.recording).toEqual({
      cols: 80,
      rows: 24,
      term: 'xterm-256color',
      duration: 0.5,
      frames: [
        [0.2, 'o', 'a'],
        [0.5, 'o', 'b'],
      ],
    });
  });
});
