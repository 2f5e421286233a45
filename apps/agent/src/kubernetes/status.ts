import { encodeBody, encodeFrame, encodeHead, FrameKind } from '@hoop/httpwire';
import type { HoopAnswer } from '../http/answers';

/** The reason a Kubernetes Status carries for an HTTP status, as the API server writes it. */
const REASONS: Record<number, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  413: 'RequestEntityTooLarge',
  500: 'InternalError',
  501: 'NotImplemented',
  502: 'ServiceUnavailable',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/**
 * hoop's answers to a Kubernetes client as the API server's own failures: a `Status` object (kind Status, status
 * Failure, the reason for its code, hoop's message naming the rule), so kubectl prints `Error from server (Forbidden):
 * blocked by hoop guardrail "kubernetes-delete-namespace": …` and client libraries raise their usual error. The
 * `x-hoop-*` headers say the same for hoop exec and MCP.
 */
export function statusFrames(exchange: number, a: HoopAnswer): Buffer[] {
  const status = a.rule === 'kubernetes-unreadable-path' ? 400 : a.status;
  const body = Buffer.from(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: a.message,
      reason: REASONS[status] ?? 'Unknown',
      details: { causes: [{ reason: a.type, message: a.rule ? `hoop rule ${a.rule}` : 'hoop', field: 'hoop' }], ...(a.reviewId ? { uid: a.reviewId } : {}) },
      code: status,
    }),
  );
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'cache-control': 'no-cache, private',
    'x-hoop-error': a.type,
  };
  if (a.decision) headers['x-hoop-decision'] = a.decision;
  if (a.rule) headers['x-hoop-rule'] = a.rule;
  return [encodeHead(exchange, FrameKind.response, { status, headers }), ...encodeBody(exchange, body), encodeFrame(exchange, FrameKind.end)];
}
