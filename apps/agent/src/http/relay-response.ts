import { BodyRecord, encodeBody, encodeFrame, encodeHead, FrameKind, type RequestHead } from '@hoop/httpwire';
import { answerFrames } from './answers';
import type { ExchangeContext } from './context';
import { chainFilters } from './plugin';
import { type BodyFilter, type BodyKind, bodyFilter, bodyKind, sniff } from './response-body';
import type { TargetResponse } from './upstream';

/** Response headers the trail keeps. */
const RECORDED = ['content-type', 'content-length', 'location', 'retry-after', 'x-request-id', 'www-authenticate'];

/**
 * An API's answer relayed to the client as it arrives: JSON, text and event streams masked piece by piece (nothing
 * waits for the whole body: an event goes on at its line end), binary bodies passed through and recorded as binary.
 * A body that is masked loses its content-length (the client's side sends it chunked); one that is not keeps it. A
 * body the API compressed anyway is decompressed (upstream.ts); one in an encoding hoop cannot read is not relayed
 * unless it is binary. `done` gets what the trail records of the answer.
 */
export function relayResponse(
  id: number,
  method: string,
  r: TargetResponse,
  ctx: ExchangeContext,
  o: { started: number; request: RequestHead; target: string; done(fields: Record<string, unknown>): void },
): void {
  const { head, body } = r;
  const resolved = ctx.policy();
  const masking = 'policy' in resolved ? resolved.policy.masking.enabled : true;
  const bodiless = method === 'HEAD' || head.status === 204 || head.status === 304 || head.status < 200;
  const record = new BodyRecord();
  const headers: Record<string, string> = {};
  for (const k of RECORDED) if (head.headers[k] !== undefined) headers[k] = head.headers[k].slice(0, 300);
  let kind: BodyKind | null = bodiless ? 'binary' : bodyKind(head.headers['content-type']);
  let filter: BodyFilter | null = null;
  let targetBytes = 0;
  let firstByteMs: number | null = null;
  let over = false;

  const finish = (fields: Record<string, unknown>) => {
    if (over) return;
    over = true;
    o.done({
      response: { headers, kind, ...record.recorded() },
      bytes: record.bytes,
      targetBytes,
      firstByteMs,
      ...fields,
    });
  };

  const sendHead = (k: BodyKind) => {
    kind = k;
    const out = { ...head.headers };
    const rewritten = masking && k !== 'binary' && !bodiless;
    if (rewritten && r.unreadableEncoding) {
      body.destroy();
      const message = `hoop: the API answered with content-encoding ${r.unreadableEncoding.slice(0, 40)}, which hoop cannot read to mask`;
      for (const f of (ctx.plugin?.answerFrames ?? answerFrames)(id, { status: 502, type: 'unreadable_response', message })) ctx.send(f);
      return finish({ error: message });
    }
    // a plug-in's own filter comes first (Kubernetes: Secret values out), whether masking is on or not
    const own = bodiless ? { filter: null } : ctx.plugin?.responseFilter(o.request, o.target, head, k);
    if (own && 'refuse' in own) {
      body.destroy();
      for (const f of ctx.plugin!.answerFrames(id, { status: 502, type: 'unreadable_response', message: own.refuse })) ctx.send(f);
      return finish({ error: own.refuse });
    }
    if (rewritten || own?.filter) delete out['content-length'];
    record.binary = k === 'binary' && !own?.filter;
    const masker = rewritten ? bodyFilter(k, { columnMasker: (c) => ctx.hooks.columnMasker(c), maskText: (t) => ctx.hooks.maskText(t) }) : null;
    filter = own?.filter ? chainFilters(own.filter, masker) : masker;
    ctx.send(encodeHead(id, FrameKind.response, { status: head.status, headers: out }));
  };

  const emit = (out: Buffer) => {
    if (out.length === 0) return true;
    record.add(out);
    let ok = true;
    for (const f of encodeBody(id, out)) ok = ctx.send(f) && ok;
    return ok;
  };

  const broke = (message: string) => {
    if (over) return;
    body.destroy();
    ctx.send(encodeFrame(id, FrameKind.abort, Buffer.from(JSON.stringify({ message }))));
    finish({ error: message });
  };

  if (kind !== null) sendHead(kind);
  body.on('data', (chunk: Buffer) => {
    if (over) return;
    firstByteMs ??= Date.now() - o.started;
    targetBytes += chunk.length;
    if (kind === null) sendHead(sniff(chunk));
    if (over) return;
    let out: Buffer;
    try {
      out = filter ? (filter as BodyFilter).push(chunk) : chunk;
    } catch (err) {
      return broke((err as Error).message);
    }
    if (!emit(out)) {
      body.pause();
      ctx.onDrain(() => body.resume());
    }
  });
  body.on('end', () => {
    if (over) return;
    if (kind === null) sendHead('text');
    if (over) return;
    try {
      if (filter) emit((filter as BodyFilter).end());
    } catch (err) {
      return broke((err as Error).message);
    }
    ctx.send(encodeFrame(id, FrameKind.end));
    finish({});
  });
  body.on('error', (err) => broke(`the API's answer broke off: ${err.message}`));
  body.on('close', () => {
    if (!over) broke("the API's answer broke off before its end");
  });
}
