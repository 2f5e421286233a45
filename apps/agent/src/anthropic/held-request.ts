import type { RequestHead } from '@hoop/httpwire';
import { MemoryBudget } from '../session/memory-budget';
import { MaskCache } from './mask-cache';
import { type MaskReport, RequestRefusal, type RequestMaskPolicy } from './mask-request';
import type { ConversationPolicy } from './policy';
import { maskRequestBody } from './request-body';

/** The largest request body read whole to be masked (the Messages API's own limit is 32 MB). */
export const MAX_HELD_BODY = 32 * 1024 * 1024;

/** The paths whose request bodies the model reads: masked before they go on. */
const MASKED_PATHS = new Set(['/v1/messages', '/v1/messages/count_tokens']);

/**
 * A request path as a server could read it: no query or fragment, percent-escapes decoded, `\` as `/`, repeated
 * slashes, `.` and `..` segments resolved, no trailing slash, lower case. Null when it cannot be decoded.
 */
export function apiPathOf(path: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(path.split(/[?#]/, 1)[0]!);
  } catch {
    return null;
  }
  const out: string[] = [];
  for (const seg of p.replaceAll('\\', '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg.toLowerCase());
  }
  return `/${out.join('/')}`;
}

/** A request body held whole until it is masked, counted in the agent's budget for client input. */
export class HeldBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly share: ReturnType<MemoryBudget['share']>;

  constructor(
    private readonly budget: MemoryBudget,
    private readonly limit: number,
  ) {
    this.share = budget.share();
  }

  get bytes(): number {
    return this.size;
  }

  /** Takes a piece of the body; a refusal when the body is over the limit or the agent's budget. */
  add(piece: Buffer): RequestRefusal | null {
    const size = this.size + piece.length;
    if (size > this.limit) return tooLarge(this.limit);
    if (!this.share.hold(size)) {
      const why = this.budget.refusal(piece.length, 'a model API request held whole to be masked', 'send the request again later');
      return new RequestRefusal(529, 'overloaded_error', `hoop: ${why}`);
    }
    this.size = size;
    this.chunks.push(piece);
    return null;
  }

  take(): Buffer {
    const body = Buffer.concat(this.chunks, this.size);
    this.chunks.length = 0;
    return body;
  }

  release(): void {
    this.chunks.length = 0;
    this.share.release();
  }
}

const tooLarge = (limit: number) =>
  new RequestRefusal(
    413,
    'request_too_large',
    `hoop: the request body is over ${limit / 1048576} MiB, the most hoop reads whole to mask what the model may not read`,
  );

/** The policy's `claude.mask` as it applies now (null: the policy is invalid, everything maskable is masked) and the masker. */
export function requestMaskPolicy(p: ConversationPolicy): RequestMaskPolicy {
  const r = p.resolved();
  return { mask: 'policy' in r ? r.policy.claude.mask : null, masker: p.hooks.masker() };
}

export interface RequestMaskingOptions {
  policy: ConversationPolicy;
  /** the agent's budget for client input held by all sessions; absent: one of this conversation's own */
  budget?: MemoryBudget;
  /** MAX_HELD_BODY unless set */
  maxBody?: number;
}

/**
 * What one conversation does with a request before it goes to the API: GET and HEAD (the model list) are relayed as
 * they come; the Messages API's requests are held whole, masked (request-body.ts) and then sent, the body's
 * content-length set to what is sent. Any other request with a body is refused (the gateway passes none): nothing
 * reaches the API unread.
 */
export class RequestMasking {
  readonly cache = new MaskCache();
  private readonly maxBody: number;
  private readonly budget: MemoryBudget;

  constructor(private readonly o: RequestMaskingOptions) {
    this.maxBody = o.maxBody ?? MAX_HELD_BODY;
    this.budget = o.budget ?? new MemoryBudget(2 * this.maxBody);
  }

  /** `relay`: sent as it comes; a held body: masked at its end; or a refusal, answered at once. */
  open(head: RequestHead): 'relay' | HeldBody | RequestRefusal {
    const path = apiPathOf(head.path);
    if (path === null) return new RequestRefusal(400, 'invalid_request_error', 'hoop: the request path cannot be decoded');
    if (!MASKED_PATHS.has(path)) {
      if (head.method === 'GET' || head.method === 'HEAD') return 'relay';
      return new RequestRefusal(404, 'not_found_error', `hoop: ${head.method.slice(0, 20)} ${path.slice(0, 200)} is not passed to the model API`);
    }
    const encoding = (head.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== '') {
      return new RequestRefusal(
        400,
        'invalid_request_error',
        `hoop: a request body with content-encoding ${encoding.slice(0, 50)} cannot be checked; send it uncompressed`,
      );
    }
    const declared = Number(head.headers['content-length'] ?? 0);
    if (declared > this.maxBody) return tooLarge(this.maxBody);
    return new HeldBody(this.budget, this.maxBody);
  }

  /** The held body masked: the head to send (its content-length the body's), the body, what was masked; or a refusal. */
  finish(head: RequestHead, held: HeldBody): { head: RequestHead; body: Buffer; report: MaskReport; masked: boolean } | RequestRefusal {
    const original = held.take();
    held.release();
    try {
      const r = maskRequestBody(original, requestMaskPolicy(this.o.policy), this.cache);
      const { 'transfer-encoding': _te, ...headers } = head.headers;
      return { head: { ...head, headers: { ...headers, 'content-length': String(r.body.length) } }, ...r };
    } catch (err) {
      if (err instanceof RequestRefusal) return err;
      // a request that breaks masking (nested past what the runtime can walk) is not sent unmasked either
      return new RequestRefusal(500, 'api_error', `hoop: the agent could not mask the request (${String((err as Error).message).slice(0, 200)})`);
    }
  }
}
