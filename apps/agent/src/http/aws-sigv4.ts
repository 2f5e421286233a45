import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for requests sent in the `Authorization` header
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): a canonical form of the request as it
 * is sent — method, path, query, the headers signed and the payload's sha256 — hashed into a string to sign, signed
 * with a key derived from the secret key, the day, the region and the service.
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** temporary credentials (STS, an instance role) come with one */
  sessionToken?: string;
}

export interface SignatureInput {
  method: string;
  /** the path and query exactly as sent on the request line */
  path: string;
  /** lower-case names; every header sent that is signed (see UNSIGNED), `host` and `x-amz-date` among them */
  headers: Record<string, string>;
  /** hex sha256 of the body, or UNSIGNED-PAYLOAD */
  payloadHash: string;
  region: string;
  service: string;
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** Headers left out of the signature: a hop may add, drop or rewrite them, and the client's credentials go away. */
const UNSIGNED = new Set([
  'authorization',
  'connection',
  'expect',
  'keep-alive',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** S3 signs the path as it is sent; every other service signs it normalized and encoded once more. */
const RAW_PATH_SERVICES = new Set(['s3', 's3-outposts', 's3-object-lambda']);

/** RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 asks. */
export function awsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function canonicalUri(path: string, service: string): string {
  if (RAW_PATH_SERVICES.has(service)) return path || '/';
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const normalized = `/${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return awsEncode(normalized).replace(/%2F/g, '/');
}

export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return [awsEncode(decode(k)), awsEncode(decode(v))] as const;
    });
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalHeaderValue(v: string): string {
  return v.trim().replace(/\s+/g, ' ');
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s).digest();

export function signingKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
}

export interface Signature {
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
  authorization: string;
}

/** Signs `input` as of its `x-amz-date` header (YYYYMMDDTHHMMSSZ), which must be there. */
export function signatureOf(input: SignatureInput, creds: AwsCredentials): Signature {
  const amzDate = input.headers['x-amz-date'] ?? '';
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) throw new Error('x-amz-date must be set (YYYYMMDDTHHMMSSZ) before signing');
  const q = input.path.indexOf('?');
  const path = q < 0 ? input.path : input.path.slice(0, q);
  const query = q < 0 ? '' : input.path.slice(q + 1);
  const names = Object.keys(input.headers)
    .map((k) => k.toLowerCase())
    .filter((k) => !UNSIGNED.has(k))
    .sort();
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) lower[k.toLowerCase()] = v;
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(path, input.service),
    canonicalQuery(query),
    names.map((n) => `${n}:${canonicalHeaderValue(lower[n] ?? '')}\n`).join(''),
    signedHeaders,
    input.payloadHash,
  ].join('\n');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(creds.secretAccessKey, day, input.region, input.service))
    .update(stringToSign)
    .digest('hex');
  return {
    canonicalRequest,
    stringToSign,
    signedHeaders,
    authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

/** `20150830T123600Z` */
export function amzDateOf(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function payloadHashOf(body: Buffer): string {
  return sha256(body);
}

export function unsignedPayloadAllowed(service: string): boolean {
  return RAW_PATH_SERVICES.has(service);
}
