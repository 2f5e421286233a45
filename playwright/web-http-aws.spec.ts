/**
 * An http connection signed with AWS Signature V4, added in the web app: the form asks for the region and the service
 * (each problem at its field), needs no credential of its own, and "Test" reaches a local STS stand-in that checks
 * the signature as AWS does, signed by the agent with its own AWS credentials.
 */
import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { seedUser } from '@hoop/db/testing';
import { type Service, startTestStack, type TestStack } from '@hoop/devstack';
import { startAwsEndpoint } from '../apps/cli/test/aws-endpoint';
import { signInAt, startTestWeb } from './web-steps';

const ADA = { email: 'ada@test.local', name: 'Ada Admin', role: 'admin', password: `pw-${randomBytes(9).toString('base64url')}` };
const KEY = { id: 'AKIAWEBTESTKEY000001', secret: `s-${randomBytes(12).toString('hex')}` };

let stack: TestStack;
let web: Service;
let baseURL: string;
let sts: Awaited<ReturnType<typeof startAwsEndpoint>>;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  sts = await startAwsEndpoint({ [KEY.id]: { secret: KEY.secret, arn: 'arn:aws:iam::111122223333:user/hoop-agent' } }, 'us-east-1', 'sts');
  stack = await startTestStack({ agentEnv: { AWS_ACCESS_KEY_ID: KEY.id, AWS_SECRET_ACCESS_KEY: KEY.secret } });
  await seedUser(stack.db, stack.orgId, ADA);
  await stack.startAgent();
  ({ web, baseURL } = await startTestWeb(stack));
});

test.afterAll(async () => {
  await web?.stop();
  await stack?.stop();
  await sts?.close();
});

test('an admin adds an AWS Signature V4 connection; Test reaches STS signed with the agent credentials', async ({ page }) => {
  await signInAt(page, `${baseURL}/connections/new`, ADA);
  const form = page.getByTestId('connection-form');
  await form.getByRole('radio', { name: /HTTP API/ }).click();
  await form.getByLabel('Name').fill('aws-sts');
  await form.getByLabel('Base URL').fill(sts.url);
  await form.getByLabel('How the agent sends the credential').selectOption('aws-sigv4');
  await expect(form.getByTestId('aws-sigv4-fields')).toBeVisible();
  await form.getByRole('radio', { name: /^None/ }).click();
  await form.getByLabel('Agent', { exact: true }).selectOption({ label: 'test-agent · online' });
  await form.getByLabel('AWS service').fill('STS');
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(form.locator('#http-aws-region')).toHaveAttribute('aria-invalid', 'true');
  await expect(form).toContainText('Enter the AWS region requests are signed for, such as us-east-1.');
  await expect(form).toContainText("The service is the AWS service's signing name in lower case, such as sts, s3 or execute-api.");
  expect(await stack.db.connection.count({ where: { name: 'aws-sts' } })).toBe(0);

  await form.getByLabel('AWS region').fill('us-east-1');
  await form.getByLabel('AWS service').fill('sts');
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?created=1$/);
  const stored = await stack.db.connection.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'aws-sts' } });
  expect(stored).toMatchObject({
    type: 'http',
    secretRef: null,
    config: { baseUrl: sts.url, authType: 'aws-sigv4', awsRegion: 'us-east-1', awsService: 'sts' },
  });

  await page.getByRole('button', { name: 'Test', exact: true }).click();
  const report = page.getByTestId('connection-test-result');
  await expect(report).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
  await expect(report.locator('[data-testid="connection-target-step"][data-step="login"]')).toHaveAttribute('data-status', 'pass');
  // the stand-in verified the signature of the agent's request (it answers 400 to a GET / without an Action)
  expect(sts.seen.at(-1)).toMatchObject({ method: 'GET', url: '/', verdict: 'ok' });
  expect(sts.seen.at(-1)!.headers.authorization).toContain(`Credential=${KEY.id}/`);

  const r = await stack.cli(['exec', 'aws-sts', '-i', 'GET /?Action=GetCallerIdentity&Version=2011-06-15']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('<Arn>arn:aws:iam::111122223333:user/hoop-agent</Arn>');
});
