import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTargetConfigFrom, type HttpTargetConfig } from '@hoop/protocol';
import { awsSigner, loadAwsCredentials, signerFor } from './aws-signer';

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hoop-aws-creds-'));
  file = path.join(dir, 'credentials');
  await writeFile(
    file,
    '[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n; a comment\n[ops]\r\n' +
      'AWS_ACCESS_KEY_ID=AKIAOPS\r\naws_secret_access_key = s2 \r\naws_session_token = t2\r\n[half]\naws_access_key_id = X\n',
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const config = (extra: Record<string, unknown>) =>
  httpTargetConfigFrom({
    baseUrl: 'https://api.example.com/prod',
    authType: 'aws-sigv4',
    awsRegion: 'eu-west-1',
    awsService: 'execute-api',
    ...extra,
  }) as HttpTargetConfig;
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const NOW = () => new Date('2026-12-07T06:00:00Z');

describe('the agent AWS credentials', () => {
  it('come from the environment, else a profile of the credentials file', async () => {
    expect(await loadAwsCredentials(undefined, { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'e', AWS_SESSION_TOKEN: 't' })).toEqual({
      accessKeyId: 'AKIAENV',
      secretAccessKey: 'e',
      sessionToken: 't',
    });
    expect(await loadAwsCredentials(undefined, { AWS_SHARED_CREDENTIALS_FILE: file })).toEqual({ accessKeyId: 'AKIADEFAULT', secretAccessKey: 's1' });
    expect(await loadAwsCredentials(undefined, { AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'ops' })).toEqual({
      accessKeyId: 'AKIAOPS',
      secretAccessKey: 's2',
      sessionToken: 't2',
    });
    // a profile the connection names wins over the environment
    expect(await loadAwsCredentials('ops', { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'e', AWS_SHARED_CREDENTIALS_FILE: file })).toMatchObject({
      accessKeyId: 'AKIAOPS',
    });
    expect(await loadAwsCredentials(undefined, { HOME: path.join(dir, 'nohome') })).toMatch(/^the agent has no AWS credentials: set AWS_ACCESS_KEY_ID/);
  });

  it('say what is missing, in words', async () => {
    expect(await loadAwsCredentials('nope', { AWS_SHARED_CREDENTIALS_FILE: file })).toBe(`the AWS credentials file ${file} has no profile [nope]`);
    expect(await loadAwsCredentials('half', { AWS_SHARED_CREDENTIALS_FILE: file })).toBe(
      `profile [half] of ${file} lacks aws_access_key_id or aws_secret_access_key`,
    );
    expect(await loadAwsCredentials('ops', { AWS_SHARED_CREDENTIALS_FILE: dir })).toMatch(/^cannot read the AWS credentials file .*: EISDIR/);
    expect(await loadAwsCredentials(undefined, {})).toMatch(/no AWS credentials/);
    expect(await signerFor(config({ awsProfile: 'nope' }), { AWS_SHARED_CREDENTIALS_FILE: file })).toMatch(
      /^requests are signed with AWS Signature V4, but the AWS credentials file .* has no profile \[nope\]$/,
    );
    expect(await signerFor(httpTargetConfigFrom({ baseUrl: 'https://x', authType: 'bearer' }) as HttpTargetConfig, {})).toBeUndefined();
  });
});

describe('a request signed as the agent sends it', () => {
  it('holds a body to hash it, except where the service takes UNSIGNED-PAYLOAD', () => {
    const api = awsSigner(config({}), CREDS, NOW);
    expect(api.holdsBody({})).toBe(false);
    expect(api.holdsBody({ 'content-length': '0' })).toBe(false);
    expect(api.holdsBody({ 'content-length': '12' })).toBe(true);
    expect(api.holdsBody({ 'transfer-encoding': 'chunked' })).toBe(true);
    expect(awsSigner(config({ awsService: 's3' }), CREDS, NOW).holdsBody({ 'content-length': '12' })).toBe(false);
    // a streamed body where no unsigned payload is allowed is never sent unsigned
    expect(api.sign('POST', '/x', {}, null, { 'content-length': '12' })).toMatch(/must be held/);
  });

  it('drops the client signing headers, signs host, date, token and prefix, and refuses a presigned URL', () => {
    const signer = awsSigner(config({}), { ...CREDS, sessionToken: 'tok' }, NOW);
    const h: Record<string, string> = { 'x-amz-date': '20000101T000000Z', 'x-amz-security-token': 'theirs', 'x-amz-signature': 'x', 'x-amz-target': 'Svc.Op' };
    expect(signer.sign('POST', '/v1/a?b=1', h, Buffer.from('{}'), { 'content-length': '2' })).toBeNull();
    expect(h).toMatchObject({ host: 'api.example.com', 'x-amz-date': '20261207T060000Z', 'x-amz-security-token': 'tok', 'x-amz-target': 'Svc.Op' });
    expect(h['x-amz-signature']).toBeUndefined();
    expect(h['x-amz-content-sha256']).toBeUndefined();
    const [scope, signed, signature] = (h.authorization ?? '').split(', ');
    expect(scope).toBe('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/eu-west-1/execute-api/aws4_request');
    expect(signed).toBe('SignedHeaders=host;x-amz-date;x-amz-security-token;x-amz-target');
    expect(signature).toMatch(/^Signature=[0-9a-f]{64}$/);
    for (const q of [
      'X-Amz-Signature=1',
      'a=1&x-amz-credential=K%2F1',
      'X-Amz-Security-Token=t',
      'X%2DAmz%2DSignature=1',
      'X-AMZ-ALGORITHM',
      '%78-amz-credential=k',
    ])
      expect(signer.sign('GET', `/?${q}`, {}, null, {}), q).toMatch(/^hoop signs requests to this API itself/);
    // a parameter that only looks like one is kept
    expect(signer.sign('GET', '/?x-amz-signature-note=1&X-Amz-Target=a', {}, null, {})).toBeNull();
    const s3 = awsSigner(config({ awsService: 's3' }), CREDS, NOW);
    const put: Record<string, string> = { 'content-length': '5' };
    expect(s3.sign('PUT', '/b/k', put, null, { 'content-length': '5' })).toBeNull();
    expect(put['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
  });
});
