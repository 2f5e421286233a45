import { BodyRecord, encodeHead, FrameKind, type RequestHead } from '@hoop/httpwire';
import { canonicalPath, evaluateHttp, methodsOf, needsBody, type Policy } from '@hoop/pipeline';
import type { Verdict } from '../session/hooks';
import type { MemoryBudget } from '../session/memory-budget';
import { holdForReview, MAX_HELD_INPUT, type ReviewHold } from '../session/review-hold';
import type { ExchangeContext } from './context';
import type { Judgement } from './plugin';
import { answerFrames, deniedAnswer, type HoopAnswer, notApprovedAnswer, reviewStatement } from './answers';
import { relayResponse } from './relay-response';
import { forwardedHeaders, recordedHeaders, type TargetCall } from './upstream';

type Phase = 'streaming' | 'holding' | 'held' | 'refused' | 'responding' | 'done';

/**
 * One HTTP request of a session, from its head to its answer's end: judged before anything reaches the API (the head
 * alone, or the whole body when a rule reads it or a review must bind it), then streamed to the API, refused with
 * hoop's answer, or held for reviewers; the answer relayed masked (relay-response.ts); recorded at its end as one
 * `statement` event (method and path, decision, status, sizes, timings, bodies masked up to a limit).
 */
export class HttpExchange {
  private phase: Phase = 'holding';
  private readonly started = Date.now();
  private verdict: Verdict = { action: 'allow' };
  private target = '';
  private readonly request = new BodyRecord();
  private held: Buffer[] = [];
  private heldBytes = 0;
  private holdLimit = 0;
  private holdWhy = '';
  private readonly share: ReturnType<MemoryBudget['share']>;
  private call: TargetCall | null = null;
  private hold: ReviewHold | null = null;
  private requestEnded = false;
  private status: number | null = null;
  private result: Record<string, unknown> = {};

  constructor(
    readonly id: number,
    private readonly head: RequestHead,
    private readonly ctx: ExchangeContext,
    private readonly onDone: () => void,
  ) {
    this.share = ctx.budget.share();
    this.start();
  }

  private start(): void {
    const { head, ctx } = this;
    const resolved = ctx.policy();
    if ('error' in resolved)
      return this.refuse({ action: 'deny', ruleId: 'invalid-policy', message: 'the policy of the connection is invalid, so nothing runs' });
    const judged = (ctx.plugin?.judge ?? httpJudge)(head, resolved.policy, ctx.readOnly(), null);
    const first = judged.verdict;
    if (judged.target === null) return this.refuse(first);
    this.target = judged.target;
    Object.assign(this.result, ctx.plugin?.recordFields(head, this.target));
    const readsBody = judged.readsBody;
    if (!readsBody && first.action === 'deny') return this.refuse(first);
    // a signature over the body's sha256 needs the whole body before anything is sent
    const signsBody = ctx.signer?.holdsBody(head.headers) ?? false;
    if (!readsBody && first.action === 'allow' && !signsBody) {
      this.phase = 'streaming';
      this.forward(null);
      return;
    }
    // the body decides (a rule reads it), a review must bind it, or the signature covers it: held whole until its end
    this.phase = 'holding';
    this.holdLimit = readsBody ? judged.maxBody : MAX_HELD_INPUT;
    this.holdWhy = readsBody || first.action !== 'allow' ? 'to judge a request that a rule or a review reads whole' : 'to sign a request body';
    const declared = Number(head.headers['content-length'] ?? 0);
    if (declared > this.holdLimit) this.tooLarge();
  }

  /** answered and recorded */
  get over(): boolean {
    return this.phase === 'done';
  }

  body(chunk: Buffer): void {
    this.request.add(chunk);
    if (this.phase === 'streaming' && this.call) {
      if (!this.call.write(chunk)) {
        this.ctx.pauseInput();
        this.call.onDrain(() => this.ctx.resumeInput());
      }
    } else if (this.phase === 'holding') {
      const size = this.heldBytes + chunk.length;
      if (size > this.holdLimit) return this.tooLarge();
      if (!this.share.hold(size)) {
        const why = this.ctx.budget.refusal(chunk.length, 'an HTTP request body held to be judged', 'send the request again later');
        return this.answer({ status: 503, type: 'overloaded', message: `hoop: ${why}` }, 'deny');
      }
      this.held.push(chunk);
      this.heldBytes = size;
    }
  }

  end(): void {
    if (this.requestEnded) return;
    this.requestEnded = true;
    if (this.phase === 'streaming') this.call?.end();
    else if (this.phase === 'holding') this.judgeHeld();
  }

  /** the client went away, or the session ended */
  abort(reason: string): void {
    if (this.phase === 'done') return;
    this.call?.abort();
    this.hold?.end();
    this.result.error ??= reason;
    this.finish(false);
  }

  private judgeHeld(): void {
    const body = Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    const resolved = this.ctx.policy();
    if ('error' in resolved)
      return this.refuse({ action: 'deny', ruleId: 'invalid-policy', message: 'the policy of the connection is invalid, so nothing runs' });
    const v = (this.ctx.plugin?.judge ?? httpJudge)(this.head, resolved.policy, this.ctx.readOnly(), body).verdict;
    if (v.action === 'deny') return this.refuse(v);
    if (v.action === 'allow') return this.forward(body);
    if (!this.ctx.hooks.requestReview) return this.refuse({ ...v, action: 'deny' });
    this.phase = 'held';
    this.verdict = v;
    const said = reviewStatement(this.head.method, this.target, this.head.headers, body);
    const sql = this.ctx.plugin ? this.ctx.plugin.redactBody(said, this.target) : said;
    this.hold = holdForReview(
      this.ctx.hooks,
      this.ctx.audit,
      { sql, subject: { sql }, verdict: v },
      {
        pending: (u) => {
          // an informational answer: the client (hoop connect, hoop exec) says where the request waits
          const headers: Record<string, string> = { 'x-hoop-review': u.reviewId ?? '' };
          if (u.url) headers['x-hoop-review-url'] = u.url;
          if (u.expiresAt) headers['x-hoop-review-expires'] = u.expiresAt;
          this.ctx.send(encodeHead(this.id, FrameKind.response, { status: 102, headers }));
        },
        approved: (allowed) => {
          this.hold = null;
          this.verdict = allowed;
          this.result.reviewId = allowed.reviewId ?? null;
          this.forward(body);
        },
        refused: (u, reviewId) => {
          this.hold = null;
          this.result.reviewId = reviewId ?? null;
          this.result.reviewStatus = u.status;
          this.answer(notApprovedAnswer(u, reviewId, v), 'review');
        },
      },
    );
  }

  private forward(body: Buffer | null): void {
    const { ctx, head } = this;
    this.share.release();
    this.phase = body === null ? 'streaming' : 'responding';
    const headers = ctx.plugin ? ctx.plugin.forwardHeaders(head.headers) : forwardedHeaders(head.headers, ctx.config, ctx.secret);
    if (body !== null) {
      delete headers['transfer-encoding'];
      if (body.length > 0 || head.headers['content-length'] !== undefined) headers['content-length'] = String(body.length);
    }
    const unsigned = ctx.signer?.sign(head.method, this.target, headers, body, head.headers);
    if (unsigned) return this.answer({ status: 400, type: 'bad_request', message: `hoop: ${unsigned}` }, 'deny');
    this.result.requestHeaders = recordedHeaders(headers);
    this.call = ctx.target.call(head.method, this.target, headers, {
      response: (r) => {
        this.phase = 'responding';
        this.status = r.head.status;
        relayResponse(this.id, head.method, r, ctx, {
          started: this.started,
          request: head,
          target: this.target,
          done: (fields) => {
            this.status = r.head.status;
            Object.assign(this.result, fields);
            this.finish(true);
          },
        });
      },
      failed: (message) => {
        this.result.error = message;
        const timedOut = /no connection within/.test(message);
        this.answer({ status: timedOut ? 504 : 502, type: 'target_unreachable', message }, this.verdict.action, true);
      },
    });
    if (body !== null) this.call.end(body);
    else if (this.requestEnded) this.call.end();
  }

  private tooLarge(): void {
    const limit = this.holdLimit;
    this.answer(
      {
        status: 413,
        type: 'request_too_large',
        message: `hoop: the request body is over ${limit >= 1048576 ? `${limit / 1048576} MiB` : `${limit} bytes`}, the most hoop holds ${this.holdWhy}`,
      },
      'deny',
    );
  }

  private refuse(v: Verdict): void {
    this.verdict = v;
    this.answer(deniedAnswer(v), 'deny');
  }

  /** hoop answers instead of the API; the rest of the request's body is dropped */
  private answer(a: HoopAnswer, decision: string, executed = false): void {
    if (this.phase === 'done') return;
    this.call?.abort();
    this.held = [];
    this.share.release();
    this.status = a.status;
    this.result.error ??= a.message;
    if (this.verdict.action === 'allow' && decision !== 'allow') this.verdict = { action: decision as Verdict['action'], message: a.message };
    for (const f of (this.ctx.plugin?.answerFrames ?? answerFrames)(this.id, a)) this.ctx.send(f);
    this.finish(executed);
  }

  /** the request body as the trail keeps it (a plug-in's redaction first: Secret values) */
  private recordedBody(text: string): string {
    return this.ctx.plugin ? this.ctx.plugin.redactBody(text, this.target) : text;
  }

  private finish(executed: boolean): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.share.release();
    const masked = this.ctx.hooks.takeMaskCounts();
    const decision = this.verdict.reviewId ? 'approved' : this.verdict.action;
    const req = this.request.fields();
    const line = `${this.head.method} ${this.target || this.head.path.slice(0, 2000)}`;
    this.ctx.audit('statement', {
      sql: this.ctx.hooks.maskAudit(line),
      lang: 'http',
      decision,
      ruleId: this.verdict.ruleId ?? null,
      reason: this.verdict.message ?? null,
      executed,
      exchange: this.id,
      method: this.head.method,
      status: this.status,
      tags: this.status ? [`HTTP ${this.status}`] : [],
      durationMs: Date.now() - this.started,
      masked,
      request: { ...req, ...(req.body !== undefined ? { body: this.ctx.hooks.maskAudit(this.recordedBody(req.body)) } : {}) },
      ...this.result,
    });
    this.ctx.tally(decision, this.status, masked);
    this.onDone();
  }
}

function verdictOf(d: ReturnType<typeof evaluateHttp>): Verdict {
  return { action: d.action, ...(d.ruleId ? { ruleId: d.ruleId } : {}), ...(d.reason ? { message: d.reason } : {}) };
}

/** An http connection's request judged by the policy's http section (a rule may read the body: `readsBody`). */
function httpJudge(head: RequestHead, policy: Policy, readOnly: boolean, body: Buffer | null): Judgement {
  const facts = { method: head.method, path: head.path, headers: head.headers };
  const verdict = verdictOf(evaluateHttp(facts, policy, { readOnly, ...(body !== null ? { body } : {}) }));
  const path = canonicalPath(head.path);
  if ('error' in path) return { verdict, target: null, readsBody: false, maxBody: 0 };
  const methods = methodsOf(facts, path.query);
  const readsBody = body === null && !('error' in methods) && needsBody(policy, head.method, path, methods);
  return { verdict, target: path.target, readsBody, maxBody: policy.http.maxJudgedBody };
}
