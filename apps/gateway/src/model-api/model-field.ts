/** The Messages API's own limit on a request's size: a larger body is refused (413 request_too_large), as the API would. */
export const MAX_CHECKED_BODY = 32 * 1024 * 1024;

/** A model id as the API names them (`claude-sonnet-4-5-20250929`, `claude-3-5-sonnet-v2@20241022`, `anthropic.claude-…:0`). */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/;

export type ModelField = { model: string } | { error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The model a request body names, read as the API reads it, or why it cannot be told. The body must be UTF-8 and JSON
 * (JSON.parse: escapes decoded, `"mo\u0064el"` is `model`), a JSON object whose own `model` is a string that reads as
 * a model id, named once: JSON parsers differ on duplicate keys (JSON.parse takes the last, others the first), so a
 * body that names it twice is refused rather than guessed at. A `model` inside a nested object is not the request's.
 */
export function requestModel(body: Buffer): ModelField {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { error: 'the request body is not valid UTF-8' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { error: `the request body is not JSON (${(err as Error).message.slice(0, 120)})` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { error: 'the request body is not a JSON object' };
  if (!Object.hasOwn(parsed, 'model')) return { error: 'the request names no model' };
  if (topLevelKeyCount(text, 'model') > 1) return { error: 'the request names its model more than once' };
  const model = (parsed as { model: unknown }).model;
  if (typeof model !== 'string') return { error: 'the request\'s "model" is not a string' };
  if (!MODEL_ID.test(model)) return { error: `the model name ${JSON.stringify(model.slice(0, 200))} is not a model id (letters, digits, . _ : @ / -)` };
  return { model };
}

/**
 * How many times the root object of `text` (valid JSON, an object) has the key `name`, keys compared once decoded.
 * Strings are skipped with indexOf, so a long body costs about one pass of a native search.
 */
export function topLevelKeyCount(text: string, name: string): number {
  let depth = 0;
  let expectKey = false;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      for (;;) {
        j = text.indexOf('"', j);
        if (j < 0) return count;
        let k = j - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        // an even number of backslashes before it: the quote ends the string
        if ((j - 1 - k) % 2 === 0) break;
        j++;
      }
      if (depth === 1 && expectKey) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (key === name) count++;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      expectKey = depth === 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c && depth === 1) {
      expectKey = true;
    }
  }
  return count;
}

/** Whether `model` matches one of the policy's globs (`*`: any run of characters; case counts, as in the API's ids). */
export function modelAllowed(model: string, globs: readonly string[]): boolean {
  return globs.some((g) => new RegExp(`^${g.split('*').map(escapeRegExp).join('.*')}$`, 's').test(model));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
