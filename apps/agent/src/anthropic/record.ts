import { emptyUsage, type MessageSummary, type TokenUsage } from '@hoop/httpwire';

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
