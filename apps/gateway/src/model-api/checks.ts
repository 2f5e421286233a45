import type { IncomingMessage } from 'node:http';
import type { UserIdentity } from '../auth';
import type { ConnectionLimits, LimitRefusal, ModelLimits } from './limits';
import { MAX_CHECKED_BODY, requestModel } from './model-field';

/** What the limits decided for one request: let it go (with its body when it was read whole), or refuse it. */
export type CheckOutcome =
  | { kind: 'pass'; body?: Buffer; model: string | null }
  | { kind: 'refuse'; refusal: LimitRefusal; model: string | null }
  | { kind: 'too_large' };

const MODEL_PATH = /^\/v1\/models\/(.+)$/;

/** The body of `req`, whole, or null when it is larger than `max` (reading stops there). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        return resolve(null);
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client went away before its request ended'));
    });
  });
}

/**
 * Applies the policy's claude limits to one request before anything of it goes to the agent:
 * - POST /v1/messages: the daily token budget (a Messages request is what uses tokens), then the model allow-list;
 * - POST /v1/messages/count_tokens: the allow-list (counting tokens uses none, so the budget does not apply);
 * - GET /v1/models/{id}: the allow-list, on the id in the path; the list (GET /v1/models) is the API's, unfiltered.
 * With an allow-list the body is read whole (up to the API's 32 MB) and its model read as the API reads it
 * (model-field.ts); without one the body streams to the agent as it arrives and is never parsed here.
 */
export async function checkRequest(
  limits: ModelLimits,
  l: ConnectionLimits,
  user: UserIdentity,
  req: IncomingMessage,
  pathOnly: string,
): Promise<CheckOutcome> {
  const method = req.method ?? 'GET';
  if (method === 'POST' && pathOnly === '/v1/messages') {
    const refusal = await limits.budgetRefusal(l, user.id);
    if (refusal) return { kind: 'refuse', refusal, model: null };
  }
  const model = MODEL_PATH.exec(pathOnly);
  if (method === 'GET' && model) {
    const refusal = limits.modelRefusal(l, { model: model[1]! });
    return refusal ? { kind: 'refuse', refusal, model: model[1]! } : { kind: 'pass', model: model[1]! };
  }
  if (method !== 'POST') return { kind: 'pass', model: null };
  if (l.settings && l.settings.models.length === 0) return { kind: 'pass', model: null };
  const body = await readBody(req, MAX_CHECKED_BODY);
  if (!body) return { kind: 'too_large' };
  const field = requestModel(body);
  const named = 'model' in field ? field.model : null;
  const refusal = limits.modelRefusal(l, field);
  return refusal ? { kind: 'refuse', refusal, model: named } : { kind: 'pass', body, model: named };
}
