/**
 * http connections signed with AWS Signature V4: curl and hoop exec → hoop connect → gateway → agent → local stand-ins
 * for STS, S3 and an API Gateway stage (aws-endpoint.ts) that check every signature as AWS does. The agent signs with
 * its own credentials (its environment, or a profile of its credentials file) the request as it finally sends it; the
 * client's own signing headers never reach the API.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStack, startTestStack } from '@hoop/devstack';
import { startAwsEndpoint } from './aws-endpoint';

const ENV_KEY = { id: 'ASIATESTENVKEY000001', secret: 'env/secret+Key0123456789abcdefghijklmnop', token: `FwoGZXIvYXdzE${'x'.repeat(40)}//token==` };
const FILE_KEY = { id: 'AKIATESTPROFILEKEY01', secret: 'profile/Secret9876543210zyxwvutsrqponmlk' };

let stack: TestStack;
let dir: string;
let sts: Awaited<ReturnType<typeof startAwsEndpoint>>;
let s3: Awaited<ReturnType<typeof startAwsEndpoint>>;
let api: Awaited<ReturnType<typeof startAwsEndpoint>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hoop-aws-'));
  const keys = {
    [ENV_KEY.id]: { secret: ENV_KEY.secret, token: ENV_KEY.token, arn: 'arn:aws:sts::111122223333:assumed-role/hoop-agent/i-0abc' },
    [FILE_KEY.id]: { secret: FILE_KEY.secret, arn: 'arn:aws:iam::111122223333:user/hoop-audit' },
  };
  sts = await startAwsEndpoint(keys, 'us-east-1', 'sts');
  s3 = await startAwsEndpoint(keys, 'eu-west-3', 's3');
  api = await startAwsEndpoint(keys, 'eu-central-1', 'execute-api');
  const credentials = path.join(dir, 'credentials');
  await writeFile(
    credentials,
    `[default]\naws_access_key_id = NOPE\n\n# the audit profile\n[audit]\naws_access_key_id = ${FILE_KEY.id}\naws_secret_access_key=${FILE_KEY.secret}\n`,
  );
  stack = await startTestStack({
    agentEnv: {
      AWS_ACCESS_KEY_ID: ENV_KEY.id,
      AWS_SECRET_ACCESS_KEY: ENV_KEY.secret,
      AWS_SESSION_TOKEN: ENV_KEY.token,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
    },
  });
  await stack.addConnection('aws-sts', 'http', { baseUrl: sts.url, authType: 'aws-sigv4', awsRegion: 'us-east-1', awsService: 'sts' });
  await stack.addConnection('aws-s3', 'http', { baseUrl: s3.url, authType: 'aws-sigv4', awsRegion: 'eu-west-3', awsService: 's3', awsProfile: 'audit' });
  await stack.addConnection('aws-api', 'http', { baseUrl: `${api.url}/prod`, authType: 'aws-sigv4', awsRegion: 'eu-central-1', awsService: 'execute-api' });
  await stack.addConnection('aws-nokey', 'http', { baseUrl: sts.url, authType: 'aws-sigv4', awsRegion: 'us-east-1', awsService: 'sts', awsProfile: 'missing' });
  await stack.startAgent();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([sts?.close(), s3?.close(), api?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const curl = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile('curl', ['-sS', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

describe('an http connection signed with AWS Signature V4', () => {
  it('the stand-in refuses a request signed with the wrong key, or not signed, as AWS would', async () => {
    const r = await curl([
      '-i',
      '-H',
      `authorization: AWS4-HMAC-SHA256 Credential=${ENV_KEY.id}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
      `${sts.url}/`,
    ]);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 403[\s\S]*RequestExpired/);
    expect((await curl(['-i', `${sts.url}/?Action=GetCallerIdentity`])).stdout).toMatch(/MissingAuthenticationToken/);
    // curl's own SigV4 signer (7.88 signs the query as written, so it is given sorted): the right secret passes, a wrong one does not
    const signed = (secret: string) =>
      curl(['-i', '--aws-sigv4', 'aws:amz:us-east-1:sts', '--user', `${FILE_KEY.id}:${secret}`, `${sts.url}/?Action=GetCallerIdentity&Version=2011-06-15`]);
    expect((await signed(FILE_KEY.secret)).stdout).toMatch(/^HTTP\/1\.1 200[\s\S]*hoop-audit/);
    expect((await signed(`${FILE_KEY.secret}x`)).stdout).toMatch(/^HTTP\/1\.1 403[\s\S]*SignatureDoesNotMatch/);
  });

  it('signs with the agent environment credentials, its session token, and a held body hashed', async () => {
    const get = await stack.cli(['exec', 'aws-sts', '-i', 'GET /?Action=GetCallerIdentity&Version=2011-06-15']);
    expect(get.code, get.stderr + get.stdout).toBe(0);
    expect(get.stdout).toContain('<Arn>arn:aws:sts::111122223333:assumed-role/hoop-agent/i-0abc</Arn>');
    // a form body: its sha256 is what is signed, with the content-length sent
    const post = await stack.cli([
      'exec',
      'aws-sts',
      '-i',
      'POST /\ncontent-type: application/x-www-form-urlencoded; charset=utf-8\n\nAction=GetCallerIdentity&Version=2011-06-15',
    ]);
    expect(post.code, post.stderr + post.stdout).toBe(0);
    // the answer is masked like any other: an access key id reads as one
    expect(post.stdout).toContain('<UserId>[AWS_KEY]</UserId>');
    const last = sts.seen.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', verdict: 'ok', bodyBytes: 43 });
    expect(last.headers['x-amz-security-token']).toBe(ENV_KEY.token);
    expect(last.headers['x-amz-content-sha256']).toBeUndefined();
  });

  it("replaces the client's own signature and signing headers; a chunked body is held and signed by its hash", async () => {
    const conn = await stack.connect('aws-sts');
    try {
      const base = `http://127.0.0.1:${conn.port}`;
      const r = await curl([
        '-i',
        '-X',
        'POST',
        '-H',
        'authorization: AWS4-HMAC-SHA256 Credential=AKIACLIENTOWNKEY/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc',
        '-H',
        'x-amz-date: 20200101T000000Z',
        '-H',
        'x-amz-security-token: the-clients-token',
        '-H',
        'X-Amz-Content-Sha256: UNSIGNED-PAYLOAD',
        '-H',
        'transfer-encoding: chunked',
        '-H',
        'content-type: application/x-www-form-urlencoded',
        '--data-binary',
        'Action=GetCallerIdentity&Version=2011-06-15',
        `${base}/`,
      ]);
      expect(r.stdout, r.stderr).toMatch(/^HTTP\/1\.1 200/);
      expect(r.stdout).toContain('<Arn>arn:aws:sts::111122223333:assumed-role/hoop-agent/i-0abc</Arn>');
      const seen = sts.seen.at(-1)!;
      expect(seen.verdict).toBe('ok');
      expect(seen.headers.authorization).toContain(`Credential=${ENV_KEY.id}/`);
      expect(seen.headers['x-amz-security-token']).toBe(ENV_KEY.token);
      expect(seen.headers['x-amz-date']).not.toBe('20200101T000000Z');
      expect(seen.headers['transfer-encoding']).toBeUndefined();
      expect(seen.headers['content-length']).toBe('43');
      // a presigned URL carries someone else's signature: refused in words, nothing sent
      const before = sts.seen.length;
      const pre = await curl(['-i', `${base}/?Action=GetCallerIdentity&X-Amz-Credential=AKIAOTHER%2F20260101&X-Amz-Signature=00`]);
      expect(pre.stdout).toMatch(/^HTTP\/1\.1 400[\s\S]*hoop signs requests to this API itself/);
      expect(sts.seen.length).toBe(before);
    } finally {
      await conn.stop();
    }
  });

  it('streams an S3 upload unsigned where S3 allows it, signs paths as S3 does, with a profile of the credentials file', async () => {
    const conn = await stack.connect('aws-s3');
    try {
      const base = `http://127.0.0.1:${conn.port}`;
      const file = path.join(dir, 'blob.bin');
      const blob = randomBytes(3 * 1024 * 1024);
      await writeFile(file, blob);
      const put = await curl([
        '-i',
        '-X',
        'PUT',
        '--data-binary',
        `@${file}`,
        '-H',
        'content-type: application/octet-stream',
        `${base}/reports/q3%20summary.bin`,
      ]);
      // curl asks to continue first (expect: 100-continue); then S3's answer
      expect(put.stdout, put.stderr).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200/);
      const seen = s3.seen.at(-1)!;
      expect(seen).toMatchObject({ verdict: 'ok', url: '/reports/q3%20summary.bin', bodyBytes: blob.length });
      expect(seen.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
      expect(seen.headers.authorization).toContain(`Credential=${FILE_KEY.id}/`);
      expect(seen.headers['x-amz-security-token']).toBeUndefined();
      expect(s3.objects.get('/reports/q3%20summary.bin')?.equals(blob)).toBe(true);
      const get = await curl(['-o', path.join(dir, 'back.bin'), '-w', '%{http_code}', `${base}/reports/q3%20summary.bin`]);
      expect(get.stdout).toBe('200');
      expect(s3.seen.at(-1)).toMatchObject({ verdict: 'ok', method: 'GET' });
      expect(s3.seen.at(-1)!.headers['x-amz-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    } finally {
      await conn.stop();
    }
  });

  it("signs the base URL's path prefix and a path encoded once more, and the JSON answer is masked", async () => {
    const r = await stack.cli(['exec', 'aws-api', '-i', 'POST /orders/a%20b?z=1&a=2\n\n{"customer": "ann@example.com"}']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const seen = api.seen.at(-1)!;
    expect(seen).toMatchObject({ verdict: 'ok', url: '/prod/orders/a%20b?z=1&a=2' });
    const answer = JSON.parse(r.stdout);
    expect(answer).toMatchObject({ path: '/prod/orders/a%20b', caller: 'arn:aws:sts::111122223333:assumed-role/hoop-agent/i-0abc' });
    expect(answer.body).not.toContain('ann@example.com');
  });

  it('refuses the session in words when the agent has no such credentials', async () => {
    const r = await stack.cli(['exec', 'aws-nokey', '-i', 'GET /?Action=GetCallerIdentity']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/requests are signed with AWS Signature V4, but the AWS credentials file \S+ has no profile \[missing\]/);
  });
});
