import type { SessionHooks } from '../session/hooks';

/** the characters of a text block held back before they are masked and sent on: a value may still be arriving */
export const HELD_TAIL = 256;
/** held text past this is sent on at the tail's cut even when a value may straddle it */
export const MAX_HELD_TEXT = 16 * 1024;

const EMPTY = Buffer.alloc(0);

/**
 * `claude.mask.modelOutput`: one text block of a streamed answer, masked with the session's masker before Claude Code
 * shows it. The model writes a value in pieces (`ann@exa` + `mple.com`), so text is held back and masked in runs that
 * end at whitespace with at least HELD_TAIL characters after them, and only once masking the run alone gives what
 * masking it with the text held after it gives (a value that straddles the cut, such as a card number written in
 * groups, is masked whole); the block's end sends the rest. What this covers: every detector of the policy's masking,
 * on any value within one text block while less than MAX_HELD_TEXT is held. Not covered: a value split across two
 * blocks, or cut where more than MAX_HELD_TEXT is held (each part is masked on its own); thinking blocks; tool inputs.
 * Text reaches Claude Code in runs of HELD_TAIL characters or more, each a content_block_delta of its own.
 */
export class OutputMasker {
  private pending = '';

  constructor(
    private readonly hooks: Pick<SessionHooks, 'maskText' | 'maskAudit'>,
    private readonly index: number,
  ) {}

  /** the text of one text_delta; returns the events to send now (possibly none) */
  add(text: string): Buffer {
    this.pending += text;
    // masked in runs of at least HELD_TAIL characters: each try masks what is held twice
    if (this.pending.length < HELD_TAIL * 2) return EMPTY;
    let cut = lastSpace(this.pending, this.pending.length - HELD_TAIL);
    const forced = this.pending.length > MAX_HELD_TEXT;
    if (cut <= 0 && !forced) return EMPTY;
    if (cut <= 0) {
      cut = this.pending.length - HELD_TAIL;
      if (isHighSurrogate(this.pending.charCodeAt(cut - 1))) cut--;
    }
    const head = this.pending.slice(0, cut);
    // masked alone, the run must read as it does followed by the rest (the audit masker: its counts are not kept)
    if (!forced && !this.hooks.maskAudit(this.pending).startsWith(this.hooks.maskAudit(head))) return EMPTY;
    this.pending = this.pending.slice(cut);
    return this.delta(this.hooks.maskText(head));
  }

  /** the block ended: the rest, masked */
  finish(): Buffer {
    if (!this.pending) return EMPTY;
    const rest = this.pending;
    this.pending = '';
    return this.delta(this.hooks.maskText(rest));
  }

  private delta(text: string): Buffer {
    const data = { type: 'content_block_delta', index: this.index, delta: { type: 'text_delta', text } };
    return Buffer.from(`event: content_block_delta\ndata: ${JSON.stringify(data)}\n\n`);
  }
}

/** the index after the last whitespace before `limit`, or 0 */
function lastSpace(s: string, limit: number): number {
  for (let i = limit - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) return i + 1;
  }
  return 0;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
