import type { Logger } from '@hoop/log';
import type { ResolvedPolicy } from '@hoop/pipeline';
import type { HttpTargetConfig } from '@hoop/protocol';
import type { MemoryBudget } from '../session/memory-budget';
import type { PolicyHooks } from '../session/policy-hooks';
import type { RequestSigner } from './aws-signer';
import type { ExchangePlugin } from './plugin';
import type { Target } from './upstream';

/** What every exchange of a session shares. */
export interface ExchangeContext {
  target: Target;
  config: HttpTargetConfig;
  secret: string | null;
  /** signs each request as sent (AWS Signature V4 connections) */
  signer?: RequestSigner;
  /** a connection type built on the http plumbing (kubernetes/): its judging, headers, answers and body filter */
  plugin?: ExchangePlugin;
  hooks: PolicyHooks;
  policy(): ResolvedPolicy;
  readOnly(): boolean;
  budget: MemoryBudget;
  log: Logger;
  audit(type: string, data: Record<string, unknown>): void;
  /** writes to the session's stream; false: wait for drain */
  send(buf: Buffer): boolean;
  onDrain(fn: () => void): void;
  /** stops and restarts reading the session's stream (a body the API takes slowly) */
  pauseInput(): void;
  resumeInput(): void;
  /** the masked-value counts and totals of the session */
  tally(decision: string, status: number | null, masked: Record<string, number>): void;
}
