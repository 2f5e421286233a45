/**
 * A kubernetes connection added in the web app: the API server and the cluster CA as its target (each problem at its
 * field), the service account token stored sealed, and "Test" reaching the test kit's API server through the agent:
 * its version, the token accepted, each step timed.
 */
import { expect, test } from '@playwright/test';
import { seedUser } from '@hoop/db/testing';
import { type KubeApiServer, type Service, startKubeApiServer, startTestStack, type TestStack } from '@hoop/devstack';
import { newAdmin, signInAt, startTestWeb } from './web-steps';

const ADA = newAdmin();

let kube: KubeApiServer;
let stack: TestStack;
let web: Service;
let baseURL: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  kube = await startKubeApiServer();
  stack = await startTestStack();
  await seedUser(stack.db, stack.orgId, ADA);
  await stack.startAgent();
  ({ web, baseURL } = await startTestWeb(stack, { encryptionKey: stack.encryptionKey }));
});

test.afterAll(async () => {
  await web?.stop();
  await stack?.stop();
  await kube?.stop();
});

test('an admin adds a kubernetes connection; Test reaches the API server with the stored token', async ({ page }) => {
  await signInAt(page, `${baseURL}/connections/new`, ADA);
  const form = page.getByTestId('connection-form');
  await form.getByRole('radio', { name: /Kubernetes/ }).click();
  await form.getByLabel('Name').fill('prod-k8s');
  await form.getByLabel('API server').fill(kube.url.replace('https:', 'http:'));
  await form.getByLabel('Cluster CA certificate').fill('not a certificate');
  await form.getByLabel('Stored service account token').fill(kube.token);
  await form.getByLabel('Agent', { exact: true }).selectOption({ label: 'test-agent · online' });
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(form.locator('#k8s-server')).toHaveAttribute('aria-invalid', 'true');
  await expect(form).toContainText('The API server URL is an https address');
  await expect(form).toContainText("Paste the cluster's CA certificate in PEM form");
  expect(await stack.db.connection.count({ where: { name: 'prod-k8s' } })).toBe(0);

  await form.getByLabel('API server').fill(kube.url);
  await form.getByLabel('Cluster CA certificate').fill(kube.caPem);
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?created=1$/);
  const stored = await stack.db.connection.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'prod-k8s' } });
  expect(stored).toMatchObject({ type: 'kubernetes', config: { server: kube.url, caCert: kube.caPem.trim() } });
  expect(JSON.stringify(stored)).not.toContain(kube.token);

  await page.getByRole('button', { name: 'Test', exact: true }).click();
  const report = page.getByTestId('connection-test-result');
  await expect(report).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
  await expect(report).toContainText('v1.32.0-hoop-testkit');
  for (const step of ['connect', 'login'])
    await expect(report.locator(`[data-testid="connection-target-step"][data-step="${step}"]`)).toHaveAttribute('data-status', 'pass');
  await expect(report).not.toContainText(kube.token);
  // the agent made its requests with the stored token
  expect(kube.requests.some((r) => r.path === '/version' && r.caller === 'system:serviceaccount:hoop:hoop-agent')).toBe(true);
});
