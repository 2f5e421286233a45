import { JsonStreamMasker, type JsonMaskers, sseLineMasker, TextStreamMasker } from '@hoop/pipeline';

/** How a response body is read on its way to the client. */
export type BodyKind = 'json' | 'sse' | 'text' | 'binary';

/** What a content type is read as; null when none was given (the first bytes decide: see sniff). */
export function bodyKind(contentType: string | undefined): BodyKind | null {
  const t = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (!t) return null;
  if (t === 'text/event-stream') return 'sse';
  if (t === 'application/json' || t.endsWith('+json') || t === 'application/x-ndjson' || t === 'application/jsonl' || t === 'application/json-seq')
    return 'json';
  if (t.startsWith('text/') || t === 'application/xml' || t.endsWith('+xml') || t === 'application/javascript' || t === 'application/x-www-form-urlencoded')
    return 'text';
  return 'binary';
}

/** A body without a content type: binary when its first bytes hold NUL or are not UTF-8, JSON when they start like it. */
export function sniff(first: Buffer): BodyKind {
  const head = first.subarray(0, 512);
  if (head.includes(0)) return 'binary';
  let text: string | null = null;
  // a character cut at the end of the sample is not a reason to call it binary
  for (let cut = 0; cut < 4 && text === null && cut < head.length; cut++) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
    } catch {
      text = null;
    }
  }
  if (text === null) return head.length ? 'binary' : 'text';
  return /^\s*[[{]/.test(text) ? 'json' : 'text';
}

/** A body rewritten as it passes: masked by kind, or passed as it is. */
export interface BodyFilter {
  push(chunk: Buffer): Buffer;
  end(): Buffer;
}

export function bodyFilter(kind: BodyKind, m: JsonMaskers): BodyFilter {
  if (kind === 'json') return new JsonStreamMasker(m);
  if (kind === 'text') return new TextStreamMasker(m.maskText);
  if (kind === 'sse') {
    const doc = (text: string) => {
      const s = new JsonStreamMasker(m);
      return Buffer.concat([s.push(Buffer.from(text)), s.end()]).toString('utf8');
    };
    return new TextStreamMasker(sseLineMasker(doc, m.maskText));
  }
  return { push: (c) => c, end: () => Buffer.alloc(0) };
}
