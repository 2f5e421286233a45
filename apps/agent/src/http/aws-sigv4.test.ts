import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalQuery, canonicalUri, signatureOf, signingKey } from './aws-sigv4';

/**
 * AWS's published Signature Version 4 test suite (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html):
 * each request as the suite writes it (`.req`), and the Authorization header AWS computed for it (`.authz`), with the
 * suite's credentials, region, service and time.
 */
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TOKEN =
  'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1Nt' +
  'BmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSY' +
  'vKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';
const H = 'Host:example.amazonaws.com\nX-Amz-Date:20150830T123600Z';
const UNRESERVED = '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUITE: [name: string, req: string, signedHeaders: string, signature: string][] = [
  ['get-vanilla', `GET / HTTP/1.1\n${H}`, 'host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
  ['get-vanilla-query', `GET / HTTP/1.1\n${H}`, 'host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
  ['get-vanilla-empty-query-key', `GET /?Param1=value1 HTTP/1.1\n${H}`, 'host;x-amz-date', 'a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb'],
  [
    'get-vanilla-query-order-key',
    `GET /?Param1=value2&Param1=Value1 HTTP/1.1\n${H}`,
    'host;x-amz-date',
    'eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1',
  ],
  [
    'get-vanilla-query-order-key-case',
    `GET /?Param2=value2&Param1=value1 HTTP/1.1\n${H}`,
    'host;x-amz-date',
    'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  ],
  [
    'get-vanilla-query-order-value',
    `GET /?Param1=value2&Param1=value1 HTTP/1.1\n${H}`,
    'host;x-amz-date',
    '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694',
  ],
  [
    'get-vanilla-query-unreserved',
    `GET /?${UNRESERVED}=${UNRESERVED} HTTP/1.1\n${H}`,
    'host;x-amz-date',
    '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
  ],
  ['get-vanilla-utf8-query', `GET /?ሴ=bar HTTP/1.1\n${H}`, 'host;x-amz-date', '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04'],
  [
    'get-unreserved',
    `GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\n${H}`,
    'host;x-amz-date',
    '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  ],
  ['get-utf8', `GET /ሴ HTTP/1.1\n${H}`, 'host;x-amz-date', '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85'],
  ['get-space', `GET /example space/ HTTP/1.1\n${H}`, 'host;x-amz-date', '652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741'],
  [
    'get-header-key-duplicate',
    'GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z',
    'host;my-header1;x-amz-date',
    'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
  ],
  [
    'get-header-value-multiline',
    'GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n  value2\n     value3\nX-Amz-Date:20150830T123600Z',
    'host;my-header1;x-amz-date',
    'ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790',
  ],
  [
    'get-header-value-order',
    'GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2\nX-Amz-Date:20150830T123600Z',
    'host;my-header1;x-amz-date',
    '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01',
  ],
  [
    'get-header-value-trim',
    'GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: "a   b   c"\nX-Amz-Date:20150830T123600Z',
    'host;my-header1;my-header2;x-amz-date',
    'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  ],
  // path normalization (every service but S3)
  ['get-relative', `GET /example/.. HTTP/1.1\n${H}`, 'host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
  [
    'get-relative-relative',
    `GET /example1/example2/../.. HTTP/1.1\n${H}`,
    'host;x-amz-date',
    '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  ],
  ['get-slash', `GET // HTTP/1.1\n${H}`, 'host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
  ['get-slash-dot-slash', `GET /./ HTTP/1.1\n${H}`, 'host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
  ['get-slash-pointless-dot', `GET /./example HTTP/1.1\n${H}`, 'host;x-amz-date', 'ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5'],
  ['get-slashes', `GET //example// HTTP/1.1\n${H}`, 'host;x-amz-date', '9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84'],
  ['post-vanilla', `POST / HTTP/1.1\n${H}`, 'host;x-amz-date', '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'],
  ['post-vanilla-query', `POST /?Param1=value1 HTTP/1.1\n${H}`, 'host;x-amz-date', '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11'],
  [
    'post-header-key-sort',
    'POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z',
    'host;my-header1;x-amz-date',
    'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c',
  ],
  [
    'post-header-value-case',
    'POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:VALUE1\nX-Amz-Date:20150830T123600Z',
    'host;my-header1;x-amz-date',
    'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d',
  ],
  // the suite's authz for this one signs content-type, host and x-amz-date (its .req also lists a content-length)
  [
    'post-x-www-form-urlencoded',
    'POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1',
    'content-type;host;x-amz-date',
    'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  ],
  [
    'post-sts-header-before',
    `POST / HTTP/1.1\n${H}\nX-Amz-Security-Token:${TOKEN}`,
    'host;x-amz-date;x-amz-security-token',
    '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
  ],
];

/** The suite's request file: a request line, headers (repeated ones joined with commas, folded lines too), a body. */
function parseReq(req: string): { method: string; path: string; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = req.split('\n\n');
  const lines = head.split('\n');
  const first = lines.shift()!;
  const method = first.slice(0, first.indexOf(' '));
  const path = first.slice(method.length + 1, first.lastIndexOf(' HTTP/1.1'));
  const headers: Record<string, string> = {};
  let last = '';
  for (const line of lines) {
    if (/^\s/.test(line)) {
      headers[last] += `,${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    last = line.slice(0, colon).toLowerCase();
    const v = line.slice(colon + 1).trim();
    headers[last] = headers[last] === undefined ? v : `${headers[last]},${v}`;
  }
  return { method, path, headers, body };
}

describe('AWS Signature V4', () => {
  it.each(SUITE)('signs %s as the AWS test suite does', (_name, req, signedHeaders, signature) => {
    const r = parseReq(req);
    const sig = signatureOf(
      {
        method: r.method,
        path: r.path,
        headers: r.headers,
        payloadHash: createHash('sha256').update(r.body).digest('hex'),
        region: 'us-east-1',
        service: 'service',
      },
      CREDS,
    );
    expect(sig.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    );
  });

  it('builds the canonical request and the string to sign of the suite', () => {
    const sig = signatureOf(
      { ...parseReq(`GET /?Param2=value2&Param1=value1 HTTP/1.1\n${H}`), payloadHash: sha(''), region: 'us-east-1', service: 'service' },
      CREDS,
    );
    expect(sig.canonicalRequest).toBe(
      'GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n' +
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(sig.stringToSign).toBe(
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0',
    );
    // the derived key of AWS's documentation example (IAM user guide)
    expect(signingKey(CREDS.secretAccessKey, '20150830', 'us-east-1', 'iam').toString('hex')).toBe(
      'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9',
    );
  });

  it('encodes a path already encoded once more for every service but S3, which signs it as sent', () => {
    expect(canonicalUri('/a%20b/c:d/../e', 'sts')).toBe('/a%2520b/e');
    expect(canonicalUri('/documents%20and%20settings/', 'execute-api')).toBe('/documents%2520and%2520settings/');
    expect(canonicalUri('/bucket/a%20b/../c', 's3')).toBe('/bucket/a%20b/../c');
    expect(canonicalUri('', 's3')).toBe('/');
    expect(canonicalQuery('b=2&a=&c&a=1%2B1&sp=a%20b&plus=a+b&bad=%zz')).toBe('a=&a=1%2B1&b=2&bad=%25zz&c=&plus=a%2Bb&sp=a%20b');
    expect(() => signatureOf({ method: 'GET', path: '/', headers: { host: 'x' }, payloadHash: sha(''), region: 'r', service: 's' }, CREDS)).toThrow(
      /x-amz-date/,
    );
  });
});

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
