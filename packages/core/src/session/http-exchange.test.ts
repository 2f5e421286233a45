import { describe, expect, it } from 'vitest';
import { readSessionEvents } from './session-events';

const at = new Date('2026-12-07T06:00:00Z');
const statement = (seq: number, data: Record<string, unknown>) => ({ seq, type: 'statement', at, data });

describe('an http session read for its page', () => {
  it('gives each request its method, path, status and bodies as recorded; binary and cut bodies say so', () => {
    const { timeline } = readSessionEvents([
      statement(1, {
        sql: 'POST /v1/notes?x=1',
        lang: 'http',
        method: 'POST',
        decision: 'allow',
        executed: true,
        status: 201,
        durationMs: 12,
        firstByteMs: 9,
        requestHeaders: { 'content-type': 'application/json' },
        request: { body: '{"text":"call [EMAIL]"}', bytes: 24, truncated: false, sha256: 'aa' },
        response: { headers: { 'content-type': 'application/json' }, kind: 'json', body: '{"ok":true}', bytes: 11, truncated: false, sha256: 'bb' },
      }),
      statement(2, {
        sql: 'GET /logo.png',
        lang: 'http',
        decision: 'allow',
        status: 200,
        request: { body: '', bytes: 0, truncated: false, sha256: 'e3' },
        response: { headers: { 'content-type': 'image/png' }, kind: 'binary', binary: true, bytes: 2048, truncated: true, sha256: 'cc' },
      }),
      // an upload whose recorded text is not text
      statement(3, {
        sql: 'PUT /blob',
        lang: 'http',
        decision: 'allow',
        status: 200,
        requestHeaders: { 'content-type': 'application/octet-stream' },
        request: { body: '\u0000\u0001\uFFFD', bytes: 3, truncated: false, sha256: 'dd' },
        response: { headers: {}, kind: 'text', body: '', bytes: 0, truncated: false, sha256: 'e3' },
      }),
      statement(4, { sql: 'SELECT 1', decision: 'allow' }),
      // no shape at all: read as far as it goes
      statement(5, { sql: 'DELETE /x', lang: 'http', request: 'nope', response: 7 }),
    ]);
    const [post, logo, put, sql, odd] = timeline.map((e) => (e.kind === 'statement' ? e : null));
    expect(post).toMatchObject({ lang: 'http', text: 'POST /v1/notes?x=1' });
    expect(post!.http).toEqual({
      method: 'POST',
      path: '/v1/notes?x=1',
      status: 201,
      firstByteMs: 9,
      request: { text: '{"text":"call [EMAIL]"}', binary: false, bytes: 24, truncated: false, sha256: 'aa', contentType: 'application/json' },
      response: { text: '{"ok":true}', binary: false, bytes: 11, truncated: false, sha256: 'bb', contentType: 'application/json' },
    });
    expect(logo!.http).toMatchObject({ method: 'GET', response: { text: null, binary: true, bytes: 2048, sha256: 'cc' } });
    expect(put!.http!.request).toMatchObject({ text: null, binary: true, bytes: 3 });
    expect(sql).toMatchObject({ lang: 'sql' });
    expect(sql!.http).toBeUndefined();
    expect(odd!.http).toEqual({ method: 'DELETE', path: '/x', status: null, firstByteMs: null, request: null, response: null });
  });
});
