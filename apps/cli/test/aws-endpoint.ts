import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for AWS endpoints that checks each request's Signature Version 4 the way AWS does, from the
 * request as it arrived (written here from the specification, apart from hoop's signer): the access key must be
 * known, the scope's region and service the endpoint's, the time within 15 minutes, the session token the key's, host
 * and x-amz-date signed, the body's sha256 the one signed (S3 may send UNSIGNED-PAYLOAD), and the signature right.
 * A request that fails is answered 403 with the reason, as AWS answers SignatureDoesNotMatch. It answers as STS
 * (GetCallerIdentity), as S3 (PUT and GET objects, path style) and as an API Gateway stage (JSON echo).
 */
export interface AwsKey {
  secret: string;
  token?: string;
  arn: string;
}

export interface SeenAws {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
  verdict: string;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const mac = (k: Buffer | string, s: string) => createHmac('sha256', k).update(s).digest();
/** RFC 3986: everything but A-Z a-z 0-9 - _ . ~ percent-encoded, upper-case hex */
const enc = (s: string) =>
  Array.from(Buffer.from(s, 'utf8'))
    .map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
const dec = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

function canonicalPath(raw: string, service: string): string {
  if (service === 's3') return raw;
  const out: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.map(enc).join('/')}${out.length && raw.endsWith('/') ? '/' : ''}`;
}

/** Why the request's signature does not hold, or null when it does. */
function verify(req: http.IncomingMessage, body: Buffer, keys: Record<string, AwsKey>, region: string, service: string): string | null {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
    auth,
  );
  if (!m) return `MissingAuthenticationToken: no SigV4 Authorization header (${auth.slice(0, 40)})`;
  const [, keyId, day, r, s, signed, signature] = m as unknown as string[];
  const key = keys[keyId!];
  if (!key) return `InvalidClientTokenId: unknown access key ${keyId}`;
  if (r !== region || s !== service) return `SignatureDoesNotMatch: scope ${r}/${s}, this endpoint is ${region}/${service}`;
  const date = String(req.headers['x-amz-date'] ?? '');
  const at = Date.parse(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (!Number.isFinite(at) || Math.abs(Date.now() - at) > 15 * 60_000 || date.slice(0, 8) !== day) return `RequestExpired: x-amz-date ${date}`;
  if ((req.headers['x-amz-security-token'] ?? undefined) !== key.token) return 'InvalidToken: the session token is not the key’s';
  const names = signed!.split(';');
  for (const must of ['host', 'x-amz-date', ...(key.token ? ['x-amz-security-token'] : [])])
    if (!names.includes(must)) return `SignatureDoesNotMatch: ${must} is not signed`;
  let payload = sha(body);
  if (service === 's3') {
    const claimed = String(req.headers['x-amz-content-sha256'] ?? '');
    if (claimed !== 'UNSIGNED-PAYLOAD' && claimed !== payload) return `XAmzContentSHA256Mismatch: ${claimed}`;
    payload = claimed;
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const query = (q < 0 ? '' : url.slice(q + 1))
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf('=');
      return [enc(dec(i < 0 ? p : p.slice(0, i))), enc(dec(i < 0 ? '' : p.slice(i + 1)))];
    })
    // by name, then by value
    .sort(([a = '', x = ''], [b = '', y = '']) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headerLines = names.map((n) => {
    const v = req.headers[n];
    return `${n}:${(Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ')}\n`;
  });
  const creq = [req.method, canonicalPath(q < 0 ? url : url.slice(0, q), service), query, headerLines.join(''), signed, payload].join('\n');
  const sts = `AWS4-HMAC-SHA256\n${date}\n${day}/${region}/${service}/aws4_request\n${sha(creq)}`;
  const k = mac(mac(mac(mac(`AWS4${key.secret}`, day!), region), service), 'aws4_request');
  const want = mac(k, sts);
  return timingSafeEqual(want, Buffer.from(signature!, 'hex')) ? null : `SignatureDoesNotMatch: the canonical request was\n${creq}`;
}

export async function startAwsEndpoint(
  keys: Record<string, AwsKey>,
  region: string,
  service: 'sts' | 's3' | 'execute-api',
): Promise<{ url: string; seen: SeenAws[]; objects: Map<string, Buffer>; close(): Promise<void> }> {
  const seen: SeenAws[] = [];
  const objects = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const why = verify(req, body, keys, region, service);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes: body.length, verdict: why ?? 'ok' });
      if (why) {
        res.writeHead(403, { 'content-type': 'text/xml' });
        return void res.end(`<ErrorResponse><Error><Code>${why.split(':')[0]}</Code><Message>${why}</Message></Error></ErrorResponse>`);
      }
      const keyId = /Credential=([^/]+)/.exec(req.headers.authorization ?? '')![1]!;
      const path = (req.url ?? '/').split('?')[0]!;
      if (service === 'sts') {
        const params = new URLSearchParams(req.method === 'POST' ? body.toString() : (req.url ?? '').split('?')[1]);
        if (params.get('Action') !== 'GetCallerIdentity') {
          res.writeHead(400, { 'content-type': 'text/xml' });
          return void res.end('<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
        }
        res.writeHead(200, { 'content-type': 'text/xml' });
        return void res.end(
          `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>${keys[keyId]!.arn}</Arn><UserId>${keyId}</UserId>` +
            '</GetCallerIdentityResult></GetCallerIdentityResponse>',
        );
      }
      if (service === 's3') {
        if (req.method === 'PUT') {
          objects.set(path, body);
          res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
          return void res.end();
        }
        const o = objects.get(path);
        if (!o) {
          res.writeHead(404, { 'content-type': 'application/xml' });
          return void res.end('<Error><Code>NoSuchKey</Code></Error>');
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': o.length });
        return void res.end(o);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path, method: req.method, body: body.toString(), caller: keys[keyId]!.arn }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    objects,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
