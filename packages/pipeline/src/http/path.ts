/**
 * A request path read one way. What the agent judges and what it sends to the API must be the same resource, so the
 * path is decoded and resolved here, and the API is sent this form (re-encoded), never the client's spelling:
 * - each segment percent-decoded once (UTF-8); `.` segments dropped, `..` removing the one before (never above `/`);
 *   repeated slashes taken as one; a trailing slash kept for the API but not for matching;
 * - refused as ambiguous — servers read them differently, so no one reading can be judged: an encoded `/` or `\`
 *   in a segment (`%2F`, `%5C`), a raw `\`, `;` (path parameters some servers strip: `/admin;x`), a `%` left after
 *   decoding (double encoding: `%252e`), control characters and NUL, bytes that are not UTF-8, a fragment.
 * The query is passed on as the client wrote it (rules do not read it).
 */

export interface CanonicalPath {
  /** what the API is sent: the resolved path re-encoded, then `?` and the query as given */
  target: string;
  /** the resolved path, decoded, without a trailing slash (`/` for the root): what rules match */
  path: string;
  /** the query as given, without its `?` ('' when none) */
  query: string;
}

/** Characters a path segment may carry as they are (RFC 3986 pchar without `%`, and without `;` which is refused). */
const PCHAR = /[A-Za-z0-9\-._~!$&'()*+,=:@]/;

function encodeSegment(seg: string): string {
  let out = '';
  for (const ch of seg) {
    if (ch.length === 1 && PCHAR.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const MAX_PATH = 8192;

export function canonicalPath(raw: string): CanonicalPath | { error: string } {
  if (raw.length > MAX_PATH) return { error: `the path is over ${MAX_PATH} characters` };
  if (!raw.startsWith('/')) return { error: 'the path must start with /' };
  if (raw.includes('#')) return { error: 'the path has a fragment (#), which is never sent to an API' };
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  // the query is passed on as written: only what no server reads one way is refused
  if (/[\u0000-\u0020\u007f]/.test(query)) return { error: 'the query has spaces or control characters' };
  if (pathPart.includes('\\')) return { error: 'the path has a backslash, which servers read as / or as itself' };
  if (pathPart.includes(';')) return { error: 'the path has ";" (path parameters, which some servers strip and others keep)' };
  const out: string[] = [];
  const raws = pathPart.split('/').slice(1);
  for (const [i, rawSeg] of raws.entries()) {
    let seg: string;
    try {
      seg = decodeURIComponent(rawSeg);
    } catch {
      return { error: `the path segment "${rawSeg.slice(0, 100)}" is not valid percent-encoded UTF-8` };
    }
    if (/[/\\]/.test(seg)) return { error: 'the path has an encoded / or \\ inside a segment (%2F, %5C), which servers read differently' };
    if (seg.includes(';')) return { error: 'the path has an encoded ";" (%3B), which some servers read as path parameters' };
    if (/%[0-9A-Fa-f]{2}/.test(seg)) return { error: 'the path is encoded twice (a % escape left after decoding), which servers read differently' };
    if (/[\u0000-\u001f\u007f]/.test(seg)) return { error: 'the path has control characters' };
    if (seg === '' && i < raws.length - 1) continue;
    if (seg === '.') continue;
    if (seg === '..') {
      out.pop();
      continue;
    }
    out.push(seg);
  }
  const trailing = out.length > 0 && out[out.length - 1] === '';
  const segs = trailing ? out.slice(0, -1) : out;
  const path = `/${segs.join('/')}`;
  const encoded = `/${segs.map(encodeSegment).join('/')}${trailing && segs.length > 0 ? '/' : ''}`;
  return { target: query || q >= 0 ? `${encoded}?${query}` : encoded, path, query };
}

/**
 * Whether `path` (as canonicalPath gives it) matches `glob`, case not counted: `*` is any text within a segment,
 * `**` any number of whole segments (none included), a trailing slash on the glob is ignored.
 */
export function pathMatches(glob: string, path: string): boolean {
  const g = glob.replace(/\/+$/, '').split('/').slice(1);
  const p = path === '/' ? [] : path.split('/').slice(1);
  return matchSegments(
    g.map((s) => s.toLowerCase()),
    p.map((s) => s.toLowerCase()),
    0,
    0,
  );
}

function matchSegments(g: string[], p: string[], gi: number, pi: number): boolean {
  if (gi === g.length) return pi === p.length;
  if (g[gi] === '**') {
    for (let k = pi; k <= p.length; k++) if (matchSegments(g, p, gi + 1, k)) return true;
    return false;
  }
  if (pi === p.length) return false;
  return segmentMatches(g[gi]!, p[pi]!) && matchSegments(g, p, gi + 1, pi + 1);
}

const segmentRegexes = new Map<string, RegExp>();

function segmentMatches(glob: string, seg: string): boolean {
  if (!glob.includes('*')) return glob === seg;
  let re = segmentRegexes.get(glob);
  if (!re) {
    re = new RegExp(
      `^${glob
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      's',
    );
    if (segmentRegexes.size > 1000) segmentRegexes.clear();
    segmentRegexes.set(glob, re);
  }
  return re.test(seg);
}
