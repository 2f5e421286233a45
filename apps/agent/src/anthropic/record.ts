import { createHash, type Hash } from 'node:crypto';
import { emptyUsage, type MessageSummary, type TokenUsage } from '@hoop/httpwire';

/** the most of one request's or response's body kept in its audit event; the rest is named by its size and sha256 */
export const RECORDED_BODY = 64 * 1024;

/**
 * A body as the trail keeps it: its first RECORDED_BODY bytes as text, its size, and the sha256 of all of it, taken
 * as the pieces pass (nothing waits for the whole body).
 */
export class BodyRecord {
  private readonly head: Buffer[] = [];
  private kept = 0;
  private total = 0;
  private readonly hash: Hash = createHash('sha256');

  add(piece: Buffer): void {
    this.total += piece.length;
    this.hash.update(piece);
    if (this.kept < RECORDED_BODY) {
      const part = piece.subarray(0, RECORDED_BODY - this.kept);
      this.head.push(part);
      this.kept += part.length;
    }
  }

  get bytes(): number {
    return this.total;
  }

  /** the kept text (a multi-byte character cut at the limit is dropped) */
  text(): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(this.head)).replace(/\uFFFD$/, '');
  }

  fields(): { body: string; bytes: number; truncated: boolean; sha256: string } {
    return { body: this.text(), bytes: this.total, truncated: this.total > this.kept, sha256: this.hash.digest('hex') };
  }
}

/** The model a request names, read from the start of its JSON body (Claude Code's bodies are longer than what is kept). */
export function modelOf(bodyStart: string): string | null {
  return /^\s*\{[\s\S]*?"model"\s*:\s*"([^"\\]{1,200})"/.exec(bodyStart)?.[1] ?? null;
}

/** What a conversation adds up to, for its `session.close`. */
export class ConversationTotals {
  exchanges = 0;
  failed = 0;
  toolUses = 0;
  readonly usage: TokenUsage = emptyUsage();
  readonly models = new Set<string>();

  add(s: MessageSummary | null, status: number): void {
    this.exchanges++;
    if (status >= 400) this.failed++;
    if (!s) return;
    if (s.model) this.models.add(s.model);
    this.usage.inputTokens += s.usage.inputTokens;
    this.usage.outputTokens += s.usage.outputTokens;
    this.usage.cacheCreationInputTokens += s.usage.cacheCreationInputTokens;
    this.usage.cacheReadInputTokens += s.usage.cacheReadInputTokens;
    this.toolUses += s.toolUses.length;
  }

  fields(): Record<string, unknown> {
    return { exchanges: this.exchanges, failed: this.failed, toolUses: this.toolUses, usage: { ...this.usage }, models: [...this.models] };
  }
}
