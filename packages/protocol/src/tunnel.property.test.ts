/**
 * Property tests of the tunnel codec against hostile frames: valid envelopes with parts of their JSON replaced or
 * removed, their text cut or garbled, types named after Object.prototype's members, stream ids past what a data frame
 * can carry, and random binary frames. A frame decodes, is ignored (an unknown type), or is refused with a
 * ProtocolError that closes the tunnel; nothing else escapes, and nothing accepted breaks the streams later.
 * HOOP_FUZZ_RUNS=N runs N cases per property (a longer local search); HOOP_FUZZ_SEED replays a reported seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeDataFrame,
  decodeEnvelope,
  decodeEnvelopeBySchema,
  encodeDataFrame,
  type Envelope,
  MAX_DATA_FRAME,
  MAX_TEXT_FRAME,
  ProtocolError,
} from './messages';
import type { TunnelStream } from './stream';
import { Tunnel } from './tunnel';

const RUNS = Number(process.env.HOOP_FUZZ_RUNS) || 200;
const fuzz: fc.Parameters<unknown> = {
  numRuns: RUNS,
  interruptAfterTimeLimit: process.env.HOOP_FUZZ_RUNS ? undefined : 5000,
  seed: process.env.HOOP_FUZZ_SEED ? Number(process.env.HOOP_FUZZ_SEED) : undefined,
};
/**
 * No frame may take this much CPU to decode (a generous bound: a frame of a few KiB takes microseconds, the 400,000
 * brackets of the regression case 120–180 ms). CPU time, not wall time: what is bounded is the work a frame costs, which
 * a loaded machine does not change.
 */
const CALL_CPU_MS = 1000;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// ── envelopes ──────────────────────────────────────────────────────────────────────────────────────────────────────

const text = fc.string({ unit: 'binary', maxLength: 16 });
const id = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 });
/** small ids of either parity, and the edges: negative, fractional, the u32 limit and past it, 2^53 */
const streamId = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(-1, 1.5, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53, 1e300));
const count = fc.oneof(fc.integer({ min: -2, max: 1 << 20 }), fc.constantFrom(2 ** 53 - 1, 2 ** 53 + 2, 0.5));
/** types a peer may send: real ones, unknown ones and the names every object inherits */
const anyType = fc.oneof(
  fc.constantFrom('hello', 'ping', 'open', 'credit', 'close', 'audit'),
  fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'prototype'),
  text,
);

const auditFrame = fc.record({
  sessionId: id,
  seq: count,
  event: fc.record({ type: text, at: text, data: fc.dictionary(text, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }) }),
});

const envelope: fc.Arbitrary<{ type: string; payload: unknown }> = fc.oneof(
  fc.record({
    type: fc.constant('hello'),
    payload: fc.record({ role: fc.constantFrom('agent', 'client'), version: count, capabilities: fc.array(text, { maxLength: 3 }) }),
  }),
  fc.record({ type: fc.constantFrom('ping', 'pong'), payload: fc.record({ t: fc.double({ noNaN: true, noDefaultInfinity: true }) }) }),
  fc.record({
    type: fc.constant('open'),
    payload: fc.record(
      {
        stream: streamId,
        connection: id,
        mode: fc.constantFrom('connect', 'exec', 'mcp'),
        window: count,
        sessionId: id,
        clientInfo: fc.dictionary(text, text, { maxKeys: 2 }),
      },
      { requiredKeys: ['stream', 'connection', 'mode', 'window'] },
    ),
  }),
  fc.record({ type: fc.constant('opened'), payload: fc.record({ stream: streamId, window: count }) }),
  fc.record({ type: fc.constant('open_error'), payload: fc.record({ stream: streamId, code: text, message: text }) }),
  fc.record({ type: fc.constant('credit'), payload: fc.record({ stream: streamId, bytes: count }) }),
  fc.record({ type: fc.constantFrom('end', 'close'), payload: fc.record({ stream: streamId, reason: text }, { requiredKeys: ['stream'] }) }),
  fc.record({ type: fc.constant('audit'), payload: auditFrame }),
  fc.record({ type: fc.constant('audit_batch'), payload: fc.record({ frames: fc.array(auditFrame, { maxLength: 4 }) }) }),
  fc.record({ type: fc.constant('audit_ack'), payload: fc.record({ sessionId: id, seq: count }) }),
  fc.record({ type: fc.constant('error'), payload: fc.record({ code: text, message: text }) }),
  fc.record({
    type: fc.constant('review_update'),
    payload: fc.record({ ref: count, sessionId: id, status: fc.constantFrom('pending', 'approved', 'rejected', 'expired', 'bogus') }),
  }),
  fc.record({ type: anyType, payload: fc.jsonValue({ maxDepth: 3 }) }),
);

/** A place in a JSON tree: every object member and array element, the root included. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

const DELETE = Symbol('delete');
/** `v` with the value at one of its paths replaced by `by` (or removed) */
function replaceAt(v: unknown, path: (string | number)[], by: unknown): unknown {
  if (path.length === 0) return by === DELETE ? null : by;
  const [head, ...rest] = path;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  const inner = replaceAt(copy[head!], rest, by);
  if (rest.length === 0 && by === DELETE) delete copy[head!];
  else copy[head!] = inner;
  return copy;
}

type TextMutation = { kind: 'cut'; at: number } | { kind: 'insert'; at: number; s: string } | { kind: 'replace'; at: number; s: string };
const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), s: fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }) }),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    s: fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '0', '-', 'e9', 'null', '\u0000', '\ud800'),
  }),
);
function mutateText(s: string, m: TextMutation): string {
  const at = m.at % (s.length + 1);
  if (m.kind === 'cut') return s.slice(0, at);
  if (m.kind === 'insert') return s.slice(0, at) + m.s + s.slice(at);
  return s.slice(0, at) + m.s + s.slice(at + 1);
}

/** A text frame a peer may send: valid, with one part of its tree replaced or removed, garbled, or random. */
const textFrame: fc.Arbitrary<string> = fc.oneof(
  envelope.map((e) => JSON.stringify({ v: 1, ...e })),
  fc.tuple(envelope, fc.nat(), fc.oneof(fc.constant<unknown>(DELETE), fc.jsonValue({ maxDepth: 3 }), streamId, anyType)).map(([e, pick, by]) => {
    const tree = { v: 1, ...e };
    const all = paths(tree);
    return JSON.stringify(replaceAt(tree, all[pick % all.length]!, by)) ?? 'null';
  }),
  fc.tuple(envelope, fc.array(textMutation, { minLength: 1, maxLength: 3 })).map(([e, ms]) => ms.reduce(mutateText, JSON.stringify({ v: 1, ...e }))),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j)),
);

/** Holds decodeEnvelope to its contract; returns what it decoded. */
function decodeChecked(s: string): Envelope | null | ProtocolError {
  const t0 = cpuMs();
  let out: Envelope | null | ProtocolError;
  try {
    out = decodeEnvelope(s);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    expect(err.message.length).toBeGreaterThan(0);
    out = err;
  }
  expect(cpuMs() - t0).toBeLessThan(CALL_CPU_MS);
  return out;
}

describe('decodeEnvelope on hostile text', () => {
  it('decodes, ignores (unknown types) or refuses with a ProtocolError; what it decodes re-encodes to itself', () => {
    fc.assert(
      fc.property(textFrame, (s) => {
        const out = decodeChecked(s);
        if (out === null || out instanceof ProtocolError) return;
        expect(Object.hasOwn(Object.prototype, out.type)).toBe(false);
        expect(decodeEnvelope(JSON.stringify(out))).toEqual(out);
        if ('stream' in out.payload) {
          // every stream id that gets through fits the u32 of a data frame
          expect(Number.isInteger(out.payload.stream)).toBe(true);
          expect(out.payload.stream).toBeGreaterThanOrEqual(0);
          expect(out.payload.stream).toBeLessThanOrEqual(0xffff_ffff);
        }
      }),
      fuzz,
    );
  });

  it('the hand-written checks of the hot messages decide exactly as their schemas do', () => {
    const outcome = (decode: (s: string) => Envelope | null, s: string) => {
      try {
        return { ok: decode(s) };
      } catch (err) {
        return { refused: (err as Error).message };
      }
    };
    const hot = fc.oneof(
      envelope.filter((e) => ['audit', 'audit_batch', 'audit_ack', 'credit', 'end', 'close'].includes(e.type)),
      fc.record({ type: fc.constantFrom('audit', 'audit_batch', 'audit_ack', 'credit', 'end', 'close'), payload: fc.jsonValue({ maxDepth: 3 }) }),
    );
    const frames = fc.oneof(
      hot.map((e) => JSON.stringify({ v: 1, ...e })),
      fc.tuple(hot, fc.nat(), fc.oneof(fc.constant<unknown>(DELETE), fc.jsonValue({ maxDepth: 3 }), streamId, text)).map(([e, pick, by]) => {
        const tree = { v: 1, ...e };
        const all = paths(tree);
        return JSON.stringify(replaceAt(tree, all[pick % all.length]!, by)) ?? 'null';
      }),
      fc.constantFrom(
        '{"v":1,"type":"audit","payload":{"sessionId":"s","seq":0,"event":{"type":"t","at":"a","data":{"__proto__":{"x":1}}}}}',
        '{"v":1,"type":"audit","payload":{"sessionId":"s","seq":0,"event":{"type":"t","at":"a","data":[]},"extra":1}}',
        '{"v":1.5,"type":"credit","payload":{"stream":1,"bytes":1}}',
        '{"v":1,"type":"close","payload":{"stream":1,"reason":null}}',
        `{"v":1,"type":"audit","payload":{"sessionId":"s","seq":0,"event":{"type":"${'x'.repeat(65)}","at":"a","data":{}}}}`,
        '{"v":1,"type":"audit_batch","payload":{"frames":[]}}',
        `{"v":1,"type":"audit_batch","payload":{"frames":[${Array(1001).fill('{"sessionId":"s","seq":0,"event":{"type":"t","at":"a","data":{}}}').join(',')}]}}`,
        '{"v":1,"type":"audit_batch","payload":{"frames":[{"sessionId":"s","seq":0,"event":{"type":"t","at":"a","data":{}}},null]}}',
        '{"v":1,"type":"audit_batch","payload":{"frames":[{"sessionId":"s","seq":0,"event":{"type":"t","at":"a","data":{"__proto__":{"x":1}}}}]}}',
      ),
    );
    fc.assert(
      fc.property(frames, (s) => {
        expect(outcome(decodeEnvelope, s)).toEqual(outcome(decodeEnvelopeBySchema, s));
      }),
      fuzz,
    );
  });
});

// ── binary frames ──────────────────────────────────────────────────────────────────────────────────────────────────

const binaryFrame: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.uint8Array({ maxLength: 64 })).map(([s, d]) => encodeDataFrame(s, d)),
  fc
    .tuple(fc.integer({ min: 0, max: 12 }), fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat())
    .map(([s, d, at, xor, cut]) => {
      const f = Buffer.from(encodeDataFrame(s, d));
      f[at % f.length]! ^= xor;
      return f.subarray(0, cut % (f.length + 1));
    }),
  fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
  fc.constantFrom(Buffer.alloc(0), Buffer.alloc(5 + MAX_DATA_FRAME + 1, 1), Buffer.from([1, 0xff, 0xff, 0xff, 0xff])),
);

describe('decodeDataFrame on hostile bytes', () => {
  it('gives the stream id and the bytes after the header, or a ProtocolError', () => {
    fc.assert(
      fc.property(binaryFrame, (frame) => {
        try {
          const { stream, data } = decodeDataFrame(frame);
          expect(frame[0]).toBe(1);
          expect(stream).toBe(frame.readUInt32BE(1));
          expect(data.equals(frame.subarray(5))).toBe(true);
          expect(data.length).toBeLessThanOrEqual(MAX_DATA_FRAME);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          expect(frame.length < 5 || frame[0] !== 1 || frame.length - 5 > MAX_DATA_FRAME).toBe(true);
        }
      }),
      fuzz,
    );
  });
});

// ── a tunnel fed hostile frames ────────────────────────────────────────────────────────────────────────────────────

describe('Tunnel fed hostile frames', () => {
  it('never throws, closes once with a reason a WebSocket accepts, and streams it accepted stay writable', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            textFrame.map((t) => ({ text: t })),
            binaryFrame.map((b) => ({ binary: b })),
          ),
          { maxLength: 16 },
        ),
        fc.boolean(),
        fc.boolean(),
        (frames, dialled, accept) => {
          const closes: { code: number; reason: string }[] = [];
          let sent = 0;
          const errors: Error[] = [];
          const streams: TunnelStream[] = [];
          const tunnel = new Tunnel({ sendText: () => sent++, sendBinary: () => sent++, close: (code, reason) => closes.push({ code, reason }) }, dialled, {
            onOpen: (o) => {
              if (!accept) return o.reject('refused', 'no');
              const s = o.accept();
              s.on('error', () => undefined);
              streams.push(s);
              // an accepted stream must take writes: its id has to fit a data frame
              s.write(Buffer.from('banner'));
            },
            onMessage: (m) => expect(typeof m.type).toBe('string'),
            onProtocolError: (e) => errors.push(e),
          });
          for (const f of frames) {
            const t0 = cpuMs();
            if ('text' in f) tunnel.handleText(f.text);
            else tunnel.handleBinary(f.binary);
            expect(cpuMs() - t0).toBeLessThan(CALL_CPU_MS);
          }
          for (const s of streams) if (!s.destroyed) s.write(Buffer.from('more'));
          expect(closes.length).toBeLessThanOrEqual(errors.length);
          for (const c of closes) {
            expect(c.code).toBe(1002);
            // ws refuses a close reason over 123 bytes (by throwing)
            expect(Buffer.byteLength(c.reason)).toBeLessThanOrEqual(123);
          }
          if (errors.length > 0) expect(tunnel.streamCount).toBe(0);
          tunnel.shutdown();
        },
      ),
      fuzz,
    );
  });
});

// ── cases found by the properties ──────────────────────────────────────────────────────────────────────────────────

describe('regressions', () => {
  it('a type named after an Object.prototype member is an unknown type, not a TypeError', () => {
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(decodeEnvelope(JSON.stringify({ v: 1, type, payload: {} })), type).toBeNull();
    }
  });

  it('an open for a stream id a data frame cannot carry is refused, and the tunnel stays whole for the others', () => {
    for (const stream of [2 ** 32 + 1, 2 ** 53 - 1]) {
      const errors: string[] = [];
      let opened = 0;
      const tunnel = new Tunnel({ sendText: () => undefined, sendBinary: () => undefined, close: () => undefined }, false, {
        onOpen: (o) => {
          opened++;
          o.accept().write('x');
        },
        onProtocolError: (e) => errors.push(e.message),
      });
      tunnel.handleText(JSON.stringify({ v: 1, type: 'open', payload: { stream, connection: 'db', mode: 'connect', window: 1024 } }));
      expect(opened).toBe(0);
      expect(errors[0]).toMatch(/invalid open message/);
    }
  });

  it('ignores frames once a protocol error closed the tunnel: no stream opens on a closed tunnel', () => {
    let opened = 0;
    const tunnel = new Tunnel({ sendText: () => undefined, sendBinary: () => undefined, close: () => undefined }, false, {
      onOpen: (o) => (opened++, o.accept()),
    });
    tunnel.handleText('');
    tunnel.handleText(JSON.stringify({ v: 1, type: 'open', payload: { stream: 3, connection: 'db', mode: 'connect', window: 1 } }));
    expect(opened).toBe(0);
    expect(tunnel.streamCount).toBe(0);
  });

  it('refuses a text frame over the limit and survives deeply nested JSON', () => {
    expect(() => decodeEnvelope(' '.repeat(MAX_TEXT_FRAME + 1))).toThrow(ProtocolError);
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(decodeChecked(`{"v":1,"type":"audit","payload":{"sessionId":"s","seq":1,"event":{"type":"t","at":"now","data":{"d":${deep}}}}}`)).not.toBeInstanceOf(
      Error,
    );
    expect(decodeChecked(`{"v":1,"type":"hello","payload":${deep}}`)).toBeInstanceOf(ProtocolError);
  });
});
