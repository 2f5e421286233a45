import type { MaskCache } from './mask-cache';
import { type MaskReport, maskMessagesRequest, RequestRefusal, type RequestMaskPolicy } from './mask-request';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const unreadable = (why: string) =>
  new RequestRefusal(400, 'invalid_request_error', `hoop: the request body ${why}, so hoop cannot check it for data the model may not read`);

/**
 * A Messages request body masked as the policy says (mask-request.ts): the very bytes that came when nothing was
 * masked, else the masked request serialized again. A body hoop cannot read exactly as the API would is refused
 * (RequestRefusal), never passed on unchecked: bytes that are not UTF-8, text that is not JSON, content nested too
 * deep, and — when the bytes would go on as they came — an object that names one key twice (parsers differ on which
 * one counts; a masked body is serialized from what was read, so it names each once).
 */
export function maskRequestBody(body: Buffer, p: RequestMaskPolicy, cache: MaskCache): { body: Buffer; masked: boolean; report: MaskReport } {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw unreadable('is not UTF-8 text');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw unreadable(`is not JSON (${(err as Error).message.slice(0, 200)})`);
  }
  const { value, report } = maskMessagesRequest(parsed, p, cache);
  if (value !== parsed) return { body: Buffer.from(JSON.stringify(value)), masked: true, report };
  // the bytes that came go on: the API must read them as they were read here
  if (keysIn(body) !== keysOf(parsed)) throw unreadable('names a key twice in one object');
  return { body, masked: false, report };
}

/** The keys a JSON text names: strings followed by `:` (the text is known to be JSON). */
export function keysIn(json: Buffer): number {
  let n = 0;
  let i = json.indexOf(0x22);
  while (i >= 0) {
    // the closing quote: the next one not escaped (an odd run of backslashes before it escapes it)
    let end = json.indexOf(0x22, i + 1);
    for (;;) {
      let slashes = 0;
      while (json[end - 1 - slashes] === 0x5c) slashes++;
      if (slashes % 2 === 0) break;
      end = json.indexOf(0x22, end + 1);
    }
    let j = end + 1;
    while (json[j] === 0x20 || json[j] === 0x0a || json[j] === 0x0d || json[j] === 0x09) j++;
    if (json[j] === 0x3a) n++;
    i = json.indexOf(0x22, j);
  }
  return n;
}

/** The keys of every object in a parsed JSON value. */
export function keysOf(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) stack.push(x);
      continue;
    }
    for (const k in v) {
      n++;
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null) stack.push(x);
    }
  }
  return n;
}
