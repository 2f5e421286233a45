import { describe, expect, it } from 'vitest';
import { ConnectionInput } from './connection-input';
import { targetSummary } from './connection-view';

const input = (config: Record<string, unknown>) =>
  ConnectionInput.safeParse({ type: 'http', name: 'billing-api', config, secret: { source: 'env', name: 'BILLING_TOKEN' } });
const messages = (r: ReturnType<typeof input>) => (r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

describe('an http connection as an admin saves it', () => {
  it('takes a base URL and how the credential is sent, as the agent reads them', () => {
    const r = input({ baseUrl: ' https://billing.internal/api/ ', authType: 'header', authHeader: 'X-Api-Key', caCert: '' });
    expect(r.success).toBe(true);
    expect(r.data?.config).toMatchObject({ baseUrl: 'https://billing.internal/api/', authType: 'header', authHeader: 'X-Api-Key' });
    expect(input({ baseUrl: 'http://10.0.0.5:8080' }).data?.config).toMatchObject({ authType: 'bearer' });
    expect(targetSummary('http', { baseUrl: 'https://billing.internal/api' })).toBe('https://billing.internal/api');
  });

  it('says which field is wrong, in words, and refuses what the agent would', () => {
    expect(messages(input({ baseUrl: 'ftp://x' }))).toEqual([
      'config.baseUrl: The base URL is an http or https address without a query, such as https://billing.internal/api.',
    ]);
    expect(messages(input({ baseUrl: 'https://x', authType: 'header' }))).toEqual([
      'config.authHeader: Name the header that carries the credential, such as X-Api-Key.',
    ]);
    expect(messages(input({ baseUrl: 'https://x', authType: 'basic' }))).toEqual(['config.authUser: Enter the user name for basic auth.']);
    expect(messages(input({ baseUrl: 'https://x', authType: 'header', authHeader: 'Host' }))).toEqual([
      'config: The agent would refuse these settings: config.authHeader cannot be host.',
    ]);
    expect(messages(input({ baseUrl: 'http://x', caCert: '-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----' }))).toEqual([
      'config: The agent would refuse these settings: config.caCert is only for an https baseUrl.',
    ]);
    expect(messages(input({ baseUrl: 'https://x', authType: 'digest' }))[0]).toMatch(
      /^config\.authType: How the credential is sent is one of none, bearer, header, basic/,
    );
  });

  it('takes AWS Signature V4 with a region and a service, and says which is missing or wrong', () => {
    const sigv4 = (extra: Record<string, unknown>) =>
      ConnectionInput.safeParse({ type: 'http', name: 'aws-sts', config: { baseUrl: 'https://sts.us-east-1.amazonaws.com', authType: 'aws-sigv4', ...extra } });
    expect(sigv4({ awsRegion: 'us-east-1', awsService: 'sts', awsProfile: '' }).data?.config).toMatchObject({ awsRegion: 'us-east-1', awsService: 'sts' });
    expect(sigv4({ awsRegion: 'eu-west-3', awsService: 's3', awsProfile: 'audit' }).success).toBe(true);
    expect(messages(sigv4({}))).toEqual([
      'config.awsRegion: Enter the AWS region requests are signed for, such as us-east-1.',
      "config.awsService: Enter the AWS service's signing name, such as sts, s3 or execute-api.",
    ]);
    expect(messages(sigv4({ awsRegion: 'US East', awsService: 'S3' }))).toEqual([
      'config.awsRegion: The region is an AWS region name, such as us-east-1.',
      "config.awsService: The service is the AWS service's signing name in lower case, such as sts, s3 or execute-api.",
    ]);
    expect(messages(sigv4({ awsRegion: 'us-east-1', awsService: 'sts', awsProfile: 'a b' }))).toEqual([
      'config.awsProfile: The profile is a profile name of the shared credentials file, such as default.',
    ]);
  });
});
