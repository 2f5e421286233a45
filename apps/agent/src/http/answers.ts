import { createHash } from 'node:crypto';
import { encodeBody, encodeFrame, encodeHead, FrameKind } from '@hoop/httpwire';
import type { ReviewUpdate, Verdict } from '../session/hooks';
import { blockedMessage, notApprovedMessage } from '../session/refusals';

const OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'];

/**
 * hoop's own answers to an HTTP client, JSON with the status that says what happened: 403 for a request a guardrail
 * refused or reviewers did not approve (naming hoop, the rule and why), 400 for one hoop cannot read, 413 for a body
 * over what hoop holds, 502 and 504 for an API that could not be reached. `x-hoop-error` (the type),
 * `x-hoop-decision` and `x-hoop-rule` say the same for programs.
 */
export interface HoopAnswer {
  status: number;
  type: string;
  message: string;
  rule?: string;
  decision?: string;
  reviewId?: string;
}

export function answerFrames(exchange: number, a: HoopAnswer): Buffer[] {
  const body = Buffer.from(
    JSON.stringify({
      error: {
        type: a.type,
        message: a.message,
        source: 'hoop',
        ...(a.rule ? { rule: a.rule } : {}),
        ...(a.decision ? { decision: a.decision } : {}),
        ...(a.reviewId ? { review: a.reviewId } : {}),
      },
    }),
  );
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(body.length), 'x-hoop-error': a.type };
  if (a.decision) headers['x-hoop-decision'] = a.decision;
  if (a.rule) headers['x-hoop-rule'] = a.rule;
  return [encodeHead(exchange, FrameKind.response, { status: a.status, headers }), ...encodeBody(exchange, body), encodeFrame(exchange, FrameKind.end)];
}

export function deniedAnswer(v: Verdict): HoopAnswer {
  const bad = v.ruleId === 'http-ambiguous-path' || v.ruleId === 'http-method-override';
  return { status: bad ? 400 : 403, type: 'blocked', message: blockedMessage(v), rule: v.ruleId ?? 'policy', decision: 'deny' };
}

export function notApprovedAnswer(u: ReviewUpdate, reviewId: string | undefined, v: Verdict): HoopAnswer {
  return {
    status: 403,
    type: 'not_approved',
    message: notApprovedMessage(u, reviewId, 'statement').replace('this statement', 'this request').replace('the statement', 'the request'),
    rule: v.ruleId ?? 'policy',
    decision: 'review',
    ...(reviewId ? { reviewId } : {}),
  };
}

/**
 * What reviewers approve: the method and the path as the API is sent it, and the body by its size and sha256, then
 * its text (masked by the review machinery) when it is text. The review's digest is over this text, so an approval
 * runs this exact request once: another body, path or method is another review.
 */
export function reviewStatement(method: string, target: string, headers: Record<string, string>, body: Buffer): string {
  const sha = createHash('sha256').update(body).digest('hex');
  const lines = [`${method} ${target}`];
  // a method override names what the API does: reviewers see it, and the approval is bound to it
  for (const h of OVERRIDE_HEADERS) if (headers[h] !== undefined) lines.push(`-- ${h}: ${headers[h].slice(0, 100)}`);
  if (body.length === 0) return lines.join('\n');
  lines.push(`-- body: ${body.length} bytes, sha256 ${sha}`);
  const text = body.subarray(0, 16 * 1024).toString('utf8');
  if (!text.includes('\u0000') && !text.includes('\uFFFD')) lines.push(body.length > 16 * 1024 ? `${text}\n-- … the body goes on` : text);
  return lines.join('\n');
}
