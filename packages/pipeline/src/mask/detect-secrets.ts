/**
 * Credentials: PEM private keys, JWTs, AWS access key ids, API tokens with a known prefix, `Bearer`/`Basic`
 * credentials, and values assigned to secret-named keys (`DB_PASSWORD=…`, `"api_key": "…"`, `PASSWORD '…'`,
 * `postgres://user:…@host`). Every pattern starts at a word boundary and has bounded repetition.
 */
import type { PiiSpan } from './types';
import { jwtHeaderAlg } from './validate';

const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?)-----/g;
const PEM_BODY = /^[A-Za-z0-9+/=\s\\:.,-]{0,16384}/;

/** From BEGIN to the matching END; a key cut off before its END is masked to the end of its base64 body. */
export function findPrivateKeys(text: string, out: PiiSpan[]): void {
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m !== null; m = PEM_BEGIN.exec(text)) {
    const bodyStart = m.index + m[0].length;
    const endMarker = `-----END ${m[1]}-----`;
    const endAt = text.indexOf(endMarker, bodyStart);
    let end: number;
    if (endAt >= 0 && endAt - bodyStart <= 65536) end = endAt + endMarker.length;
    else end = bodyStart + PEM_BODY.exec(text.slice(bodyStart, bodyStart + 16384))![0].length;
    out.push({ start: m.index, end, type: 'private_key' });
    PEM_BEGIN.lastIndex = end;
  }
}

const JWT = /(?<![\w-])(eyJ[A-Za-z0-9_-]{7,2000})\.([A-Za-z0-9_-]{2,16384})\.([A-Za-z0-9_-]{0,2048})(?![\w-])/g;

/** Three base64url parts whose header decodes to JSON with an `alg`; only `alg: none` may lack a signature. */
export function findJwts(text: string, out: PiiSpan[]): void {
  JWT.lastIndex = 0;
  for (let m = JWT.exec(text); m !== null; m = JWT.exec(text)) {
    const alg = jwtHeaderAlg(m[1]!);
    if (alg === null || (m[3]!.length === 0 && alg.toLowerCase() !== 'none')) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'jwt' });
  }
}

const AWS_KEY = /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;

export function findAwsKeys(text: string, out: PiiSpan[]): void {
  AWS_KEY.lastIndex = 0;
  for (let m = AWS_KEY.exec(text); m !== null; m = AWS_KEY.exec(text)) out.push({ start: m.index, end: m.index + m[0].length, type: 'aws_key' });
}

/**
 * Known token formats: GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), Slack (`xoxb-` …, `xapp-`),
 * Stripe secret and restricted keys, OpenAI/Anthropic-style `sk-…` (mixed case and digits required, so slugs such as
 * `sk-blue-widget-large` are not tokens), GitLab `glpat-`, Google `AIza…`, npm, Hugging Face, SendGrid, Shopify.
 */
const PREFIXED = new RegExp(
  '(?<![\\w-])(?:' +
    'gh[pousr]_[A-Za-z0-9]{30,251}|github_pat_[A-Za-z0-9_]{22,251}|xox[abposr]-[A-Za-z0-9-]{10,250}|xapp-[A-Za-z0-9-]{10,250}|' +
    '[rs]k_(?:live|test)_[A-Za-z0-9]{16,247}|glpat-[A-Za-z0-9_-]{20,100}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{30,40}|' +
    'SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|(sk-[A-Za-z0-9_-]{20,250})' +
    ')(?![\\w-])',
  'g',
);

const hasMix = (s: string) => /[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s);

export function findPrefixedTokens(text: string, out: PiiSpan[]): void {
  PREFIXED.lastIndex = 0;
  for (let m = PREFIXED.exec(text); m !== null; m = PREFIXED.exec(text)) {
    if (m[1] !== undefined && !hasMix(m[1].slice(3))) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'token' });
  }
}

/** The credential after `Bearer`/`Basic`/`Token`: 16+ characters with at least one digit, so prose is not a token. */
const AUTH_SCHEME = /(?<![\w-])(?:bearer|basic|token)\s{1,3}([A-Za-z0-9._~+/-]{16,8192}=*)(?![\w~+/=-])/gi;

export function findAuthCredentials(text: string, out: PiiSpan[]): void {
  AUTH_SCHEME.lastIndex = 0;
  for (let m = AUTH_SCHEME.exec(text); m !== null; m = AUTH_SCHEME.exec(text)) {
    const value = m[1]!;
    if (!/\d/.test(value)) continue;
    const start = m.index + m[0].length - value.length;
    out.push({ start, end: start + value.length, type: 'token' });
  }
}

/** Keys ending in a secret word, then `=` or `:`, then the value (quoted or bare). */
const ASSIGNED = new RegExp(
  '(?:password|passwd|pwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|auth[_-]?token|access[_-]?token|' +
    'refresh[_-]?token|token|client[_-]?secret|credentials?)' +
    `["']?\\s{0,3}[:=]\\s{0,3}(["']?)([^\\s"'\`,;&<>)}\\]]{1,512})`,
  'gi',
);
/** SQL: `PASSWORD 'x'` (CREATE/ALTER ROLE), `IDENTIFIED BY 'x'` (MySQL). */
const SQL_PASSWORD = /\b(?:password|identified\s+by)\s+'((?:[^']|''){1,512})'/gi;
/** `scheme://user:password@host` */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]{1,30}:\/\/[^\s:@/]{0,128}:([^\s@/]{1,256})@/gi;

export function findAssignedSecrets(text: string, out: PiiSpan[]): void {
  ASSIGNED.lastIndex = 0;
  for (let m = ASSIGNED.exec(text); m !== null; m = ASSIGNED.exec(text)) {
    const value = m[2]!;
    if (value === '*'.repeat(value.length)) continue;
    const start = m.index + m[0].length - value.length;
    out.push({ start, end: m.index + m[0].length, type: 'secret' });
  }
  if (/password|identified/i.test(text)) {
    SQL_PASSWORD.lastIndex = 0;
    for (let m = SQL_PASSWORD.exec(text); m !== null; m = SQL_PASSWORD.exec(text)) {
      const start = m.index + m[0].length - m[1]!.length - 1;
      out.push({ start, end: start + m[1]!.length, type: 'secret' });
    }
  }
  if (text.includes('://')) {
    URL_CREDENTIALS.lastIndex = 0;
    for (let m = URL_CREDENTIALS.exec(text); m !== null; m = URL_CREDENTIALS.exec(text)) {
      const end = m.index + m[0].length - 1;
      out.push({ start: end - m[1]!.length, end, type: 'secret' });
    }
  }
}
