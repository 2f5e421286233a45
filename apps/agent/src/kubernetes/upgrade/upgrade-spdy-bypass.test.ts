import { SpdyRstStatus } from '@hoop/httpwire';
import { type RawSpdyClient, rawSpdy } from '@hoop/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, h, lastStatement, setUp, statementCount, tearDown } from './upgrade-harness';

/**
 * SPDY clients that try to get around hoop's reading of exec: lines split across frames, a second stdin stream,
 * header blocks that lie, header blocks that decompress huge, frames that do not parse. Through the harness's relay
 * to the test-kit API server, whose records say what reached the pod.
 */

beforeAll(setUp);
afterAll(tearDown);

const url = (q: string) => `http://127.0.0.1:${h.port}/api/v1/namespaces/shop/pods/box/exec?${q}`;
const SHELL = 'command=sh&stdin=true&stdout=true&stderr=true';

/** a shell's streams: error 1, stdin 3, stdout 5, stderr 7, each answered */
async function shell(): Promise<RawSpdyClient> {
  const c = await rawSpdy(url(SHELL));
  expect(c.status).toBe(101);
  c.open(1, { streamtype: 'error' });
  c.open(3, { streamtype: 'stdin' });
  c.open(5, { streamtype: 'stdout' });
  c.open(7, { streamtype: 'stderr' });
  await c.until(() => c.streams.get(7)!.replied);
  return c;
}

describe('stdin of a shell over SPDY', () => {
  it('a refused line split across DATA frames is put together and never reaches the pod', async () => {
    const c = await shell();
    c.send(3, 'echo a\nrm -r');
    c.send(3, 'f /\necho b\n', true);
    await c.closed;
    expect(h.kube.execs.at(-1)!.stdin).toBe('echo a\necho b\n');
    expect(c.streams.get(5)!.text).toContain('a\n');
    expect(c.streams.get(5)!.text).toContain('b\n');
    expect(c.streams.get(7)!.text).toContain('blocked by hoop guardrail');
  });

  it('a second stream of type stdin is refused: what it carries never reaches the pod', async () => {
    const n = statementCount();
    const c = await shell();
    c.open(9, { streamtype: 'stdin' });
    await c.until(() => c.streams.get(9)!.ended);
    expect(c.streams.get(9)!.reset).toBe(SpdyRstStatus.refusedStream);
    c.send(9, 'rm -rf /\n');
    c.send(3, 'echo ok\n', true);
    await c.closed;
    expect(h.kube.execs.at(-1)!.stdin).toBe('echo ok\n');
    expect(h.kube.execs.at(-1)!.refusedStreams).toBeUndefined();
    expect(await lastStatement(n + 1)).toMatchObject({ refusedStreams: [{ type: 'stdin', reason: 'a second stdin stream' }] });
  });

  it('header blocks that lie about the stream type: two values, stdin not asked for, a later HEADERS', async () => {
    const c = await rawSpdy(url('command=cat&stdout=true'));
    c.open(1, { streamtype: 'error' });
    c.raw(c.writer.synStream(3, new Map([['streamtype', ['stdout', 'stdin']]])));
    c.open(5, { streamtype: 'stdin' });
    c.open(7, { streamtype: 'stdout' });
    await c.until(() => c.streams.get(7)!.replied);
    // a stdout stream re-labelled stdin, then data on it: stdout is the pod's, nothing the client sends on it goes on
    c.raw(c.writer.headers(7, new Map([['streamtype', ['stdin']]])));
    c.send(7, 'rm -rf /\n');
    c.send(5, 'rm -rf /\n', true);
    await c.until(() => c.frames.filter((f) => f.type === 'rst_stream').length >= 3);
    c.close();
    await c.closed;
    const resets = c.frames.flatMap((f) => (f.type === 'rst_stream' ? [[f.streamId, f.status]] : []));
    expect(resets).toEqual(
      expect.arrayContaining([
        [3, SpdyRstStatus.refusedStream],
        [5, SpdyRstStatus.refusedStream],
      ]),
    );
    expect(h.kube.execs.at(-1)!.stdin).toBe('');
  });
});

describe('frames hoop cannot read end the connection with a Status that says why', () => {
  const broken: [string, (c: RawSpdyClient) => void, RegExp][] = [
    ['a PING of 3 bytes', (c) => c.raw(Buffer.from([0x80, 3, 0, 6, 0, 0, 0, 3, 1, 2, 3])), /malformed SPDY PING frame/],
    ['a header name in upper case', (c) => c.raw(c.writer.synStream(9, new Map([['StreamType', ['stdin']]]))), /"StreamType" is not in lower case/],
    ['a header block that decompresses huge', (c) => c.raw(c.writer.synStream(9, new Map([['x', ['a'.repeat(300_000)]]]))), /decompresses to over 65536 bytes/],
    ['a stream id that goes back', (c) => c.open(5, { streamtype: 'resize' }), /stream id the client may not open \(5\)/],
    ['SPDY/2', (c) => c.raw(Buffer.from([0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1])), /SPDY\/2 control frame/],
  ];
  for (const [what, send, message] of broken)
    it(`${what}: the Status on the error stream, GOAWAY, nothing sent on; the next exec runs`, async () => {
      const n = statementCount();
      const c = await shell();
      send(c);
      c.send(3, 'echo after\n');
      await c.closed;
      const status = JSON.parse(c.streams.get(1)!.text);
      expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest' });
      expect(status.message).toMatch(/^hoop: the client's SPDY frames could not be read: /);
      expect(status.message).toMatch(message);
      expect(c.frames.at(-1)).toMatchObject({ type: 'goaway', status: 1 });
      expect(h.kube.execs.at(-1)!.stdin).toBe('');
      expect(await lastStatement(n + 1)).toMatchObject({ error: expect.stringMatching(message) });
      expect((await exec(['echo', 'next'])).stdout).toBe('next\n');
    });
});

describe('port-forward over SPDY', () => {
  const forward = () => rawSpdy(`http://127.0.0.1:${h.port}/api/v1/namespaces/shop/pods/box/portforward`, { protocols: ['portforward.k8s.io'] });

  it('streams without a port or of another type refused; a closed port’s error kept per port', async () => {
    const n = statementCount();
    const c = await forward();
    expect([c.status, c.protocol]).toEqual([101, 'portforward.k8s.io']);
    c.open(1, { streamtype: 'data', requestid: '0' });
    c.open(3, { streamtype: 'stdin', port: '9999', requestid: '0' });
    c.open(5, { streamtype: 'error', port: '9999', requestid: '1' });
    c.open(7, { streamtype: 'data', port: '9999', requestid: '1' });
    c.open(9, { streamtype: 'data', port: '9999', requestid: '1' });
    await c.until(() => c.streams.get(5)!.ended && c.streams.get(9)!.ended);
    c.close();
    await c.closed;
    expect([1, 3, 9].map((id) => c.streams.get(id)!.reset)).toEqual([SpdyRstStatus.refusedStream, SpdyRstStatus.refusedStream, SpdyRstStatus.refusedStream]);
    expect(c.streams.get(5)!.text).toContain('error forwarding port 9999 to pod box');
    const s = await lastStatement(n + 1);
    expect(s).toMatchObject({
      kubernetes: { verb: 'portforward' },
      upgrade: { read: true, ports: { '9999': { connections: 1, bytesIn: 0, bytesOut: 0, errors: [expect.stringContaining('connection refused')] } } },
      refusedStreams: [
        { type: 'data', reason: 'a port-forward stream without a valid port' },
        { type: 'stdin', reason: 'a port-forward stream of type "stdin"' },
        { type: 'data', reason: 'a second data stream for request 1' },
      ],
    });
  });

  it('a frame hoop cannot read ends it', async () => {
    const n = statementCount();
    const c = await forward();
    c.raw(Buffer.from([0x80, 3, 0, 9, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0]));
    await c.closed;
    expect(c.frames.at(-1)).toMatchObject({ type: 'goaway', status: 1 });
    expect(await lastStatement(n + 1)).toMatchObject({ error: expect.stringContaining('malformed SPDY WINDOW_UPDATE frame') });
  });
});
