import type { Logger } from '@hoop/log';
import type { RequestHead, ResponseHead } from '@hoop/httpwire';
import type { Policy, ResolvedPolicy } from '@hoop/pipeline';
import type { HttpTargetConfig } from '@hoop/protocol';
import type { MemoryBudget } from '../session/memory-budget';
import type { Verdict } from '../session/hooks';
import type { PolicyHooks } from '../session/policy-hooks';
import type { HoopAnswer } from './answers';
import type { RequestSigner } from './aws-signer';
import type { BodyFilter, BodyKind } from './response-body';
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

/**
 * What a connection type built on the HTTP plumbing changes in it (kubernetes/: the Kubernetes API): how a request is
 * judged, which headers reach the target, the shape of hoop's own answers, what is done to an answer's body before
 * masking, and what the trail records. Everything else — framing, review holds, streaming, masking, recording — is
 * the http connection's own code (exchange.ts, relay-response.ts).
 */
export interface ExchangePlugin {
  judge(head: RequestHead, policy: Policy, readOnly: boolean, body: Buffer | null): Judgement;
  /** what the target is sent of the client's headers (the credential is added by the target: see kubernetes/target.ts) */
  forwardHeaders(client: Record<string, string>): Record<string, string>;
  /** hoop's answer (a refusal, an unreachable target) as frames of the exchange */
  answerFrames(exchange: number, a: HoopAnswer): Buffer[];
  /** the body rewritten before masking (null: as it is), or why the answer cannot be relayed */
  responseFilter(request: RequestHead, target: string, response: ResponseHead, kind: BodyKind): { filter: BodyFilter | null } | { refuse: string };
  /** a request body (text) as reviewers and the trail see it; `target` is the path it was sent to */
  redactBody(text: string, target: string): string;
  /** what the trail records of a request besides the http fields */
  recordFields(request: RequestHead, target: string): Record<string, unknown>;
  /** a request the plug-in serves itself (an upgraded connection); null: an HttpExchange */
  open?(id: number, head: RequestHead, ctx: ExchangeContext, onDone: () => void): ServedExchange | null;
}

/** What a request's head (and body, when held) is judged to be. */
export interface Judgement {
  verdict: Verdict;
  /** what the target is sent (the path read one way, and the query); null when the path cannot be read */
  target: string | null;
  /** a rule reads the body: it is held whole (up to `maxBody`) and judged again */
  readsBody: boolean;
  maxBody: number;
}

/** One request of a session as the session's frame loop sees it (HttpExchange, or a plug-in's own). */
export interface ServedExchange {
  readonly over: boolean;
  body(chunk: Buffer): void;
  end(): void;
  abort(reason: string): void;
}
