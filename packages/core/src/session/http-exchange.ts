import { z } from 'zod';

/**
 * One request of an http session as the session page shows it, read from its `statement` event (written by
 * apps/agent/src/http/exchange.ts): method, path, status, sizes and timings, and both bodies as the trail keeps them —
 * masked, cut at 64 KB, a binary one named by its size and sha256 only. Event data is JSON of no guaranteed shape.
 */

export const HttpBodyView = z.object({
  /** the kept text (masked); null for a binary body */
  text: z.string().nullable(),
  binary: z.boolean(),
  bytes: z.number(),
  /** more was sent than the trail keeps */
  truncated: z.boolean(),
  sha256: z.string().nullable(),
  contentType: z.string().nullable(),
});
export type HttpBodyView = z.infer<typeof HttpBodyView>;

export const HttpExchangeView = z.object({
  method: z.string(),
  /** the path and query as the API was sent them */
  path: z.string(),
  /** null when no answer came (refused before, or the API unreachable) */
  status: z.number().nullable(),
  /** the API's first byte, from when the request arrived */
  firstByteMs: z.number().nullable(),
  request: HttpBodyView.nullable(),
  response: HttpBodyView.nullable(),
});
export type HttpExchangeView = z.infer<typeof HttpExchangeView>;

type Data = Record<string, unknown>;
const obj = (v: unknown): Data => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Data) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Content types whose bodies are text (the rest, and text with NUL bytes, is shown as binary). */
const TEXT_TYPE = /^(text\/|application\/([\w.+-]*\+)?(json|xml|yaml|x-www-form-urlencoded|javascript|graphql|x-ndjson)\b)/i;

function bodyOf(v: unknown, contentType: string | null, binaryKind: boolean): HttpBodyView | null {
  const d = obj(v);
  const bytes = num(d.bytes);
  if (bytes === null) return null;
  const text = str(d.body);
  const binary =
    d.binary === true ||
    binaryKind ||
    (text !== null && (text.includes('\u0000') || (contentType !== null && !TEXT_TYPE.test(contentType) && /[\uFFFD]/.test(text))));
  return {
    text: binary ? null : (text ?? ''),
    binary,
    bytes,
    truncated: d.truncated === true,
    sha256: str(d.sha256),
    contentType,
  };
}

/** The request of an http `statement` event; null for another kind of statement. */
export function httpExchangeOf(d: Data): HttpExchangeView | null {
  if (d.lang !== 'http') return null;
  const sql = str(d.sql) ?? '';
  const space = sql.indexOf(' ');
  const method = str(d.method) ?? (space > 0 ? sql.slice(0, space) : '');
  const requestHeaders = obj(d.requestHeaders);
  const response = obj(d.response);
  const responseHeaders = obj(response.headers);
  return {
    method,
    path: space > 0 ? sql.slice(space + 1) : sql,
    status: num(d.status),
    firstByteMs: num(d.firstByteMs),
    request: bodyOf(d.request, str(requestHeaders['content-type']), false),
    response: bodyOf(d.response, str(responseHeaders['content-type']), str(response.kind) === 'binary'),
  };
}
