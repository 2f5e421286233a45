import type { MessageBuffer } from '@hoop/pgwire';

/**
 * Where a session's relay and the parts it drives (the target's answers, review holds) send their output: the client's
 * buffer, the target, the audit trail. The session implements it (session.ts); it imports none of them.
 */
export interface RelayOutput {
  /** what goes to the client, in protocol order; sent on `flush` */
  readonly client: MessageBuffer;
  toTarget(bytes: Uint8Array): void;
  audit(type: string, data: Record<string, unknown>): void;
  /** records `make` makes just before the answers queued now are written to the client; in order with `audit`'s */
  auditWithAnswer(make: (audit: (type: string, data: Record<string, unknown>) => void) => void): void;
  /** sends what was queued; called after work that did not start from an incoming message (a review decision) */
  flush(): void;
  /** the client asked to end the session (a Terminate that waited behind a held statement) */
  terminate(): void;
}
