import { createHash, type Hash } from 'node:crypto';
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

/** the most of one body kept in its audit event; the rest is named by its size and sha256 */
export const RECORDED_BODY = 64 * 1024;

/**
 * A body as the trail keeps it: what went to the client (masked) up to RECORDED_BODY as text, its size, the sha256
 * of all of it; a binary body is named by its size and hash only.
 */
export class BodyRecord {
  private readonly head: Buffer[] = [];
  private kept = 0;
  private total = 0;
  private readonly hash: Hash = createHash('sha256');
  binary = false;

  add(piece: Buffer): void {
    this.total += piece.length;
    this.hash.update(piece);
    if (this.kept < RECORDED_BODY) {
      const part = piece.subarray(0, RECORDED_BODY - this.kept);
      this.head.push(Buffer.from(part));
      this.kept += part.length;
    }
  }

  get bytes(): number {
    return this.total;
  }

  fields(): { body?: string; binary?: true; bytes: number; truncated: boolean; sha256: string } {
    const sha256 = this.hash.digest('hex');
    if (this.binary) return { binary: true, bytes: this.total, truncated: this.total > 0, sha256 };
    const body = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(this.head)).replace(/\uFFFD$/, '');
    return { body, bytes: this.total, truncated: this.total > this.kept, sha256 };
  }
}
