/**
 * Steps of the policy editor specs: their stack (an admin, a connection under a new policy, the web app), the policy
 * opened in the form editor at one section, list fields filled, `hoop policy test`.
 */
import { expect, type Locator, type Page, test } from '@playwright/test';
import { seedUser } from '@hoop/db/testing';
import { type Service, startTestStack, type TestStack } from '@hoop/devstack';
import { newAdmin, signInAt, startTestWeb } from './web-steps';

/** What a policy editor spec works on, set once its beforeAll has run. */
export interface PolicySpec {
  stack: TestStack;
  web: Service;
  baseURL: string;
  admin: ReturnType<typeof newAdmin>;
  /** the policy the spec edits, attached to its connection */
  policy: { id: string; name: string };
  connection: string;
}

/**
 * Declares the spec's serial hooks: a test stack with the admin and connection `connection` (added by `add`) under a
 * new policy `policy`, and the web app (no agent: `hoop policy test` judges without one); stopped after the last test.
 */
export function policyEditorSpec(policy: string, connection: string, add: (stack: TestStack) => Promise<unknown>): PolicySpec {
  const spec = { connection, policy: { id: '', name: policy } } as PolicySpec;
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(async () => {
    spec.stack = await startTestStack();
    spec.admin = newAdmin();
    await seedUser(spec.stack.db, spec.stack.orgId, spec.admin);
    await add(spec.stack);
    spec.policy.id = await attachNewPolicy(spec.stack, policy, connection);
    ({ web: spec.web, baseURL: spec.baseURL } = await startTestWeb(spec.stack));
  });
  test.afterAll(async () => {
    await spec.web?.stop();
    await spec.stack?.stop();
  });
  return spec;
}

/** Signs in as the admin on the policy list, opens the spec's policy in the form editor; its section `name`, in view. */
export async function openPolicySection(page: Page, spec: PolicySpec, name: string): Promise<Locator> {
  await signInAt(page, `${spec.baseURL}/policies`, spec.admin);
  await page.locator(`[data-testid="policy-row"][data-name="${spec.policy.name}"]`).getByRole('link', { name: spec.policy.name }).click();
  await expect(page.getByTestId('policy-editor')).toHaveAttribute('data-mode', 'form');
  const section = page.getByTestId(`policy-section-${name}`);
  await section.scrollIntoViewIfNeeded();
  return section;
}

/** A policy named `name` with nothing set but the connection it applies to, attached to it; its id. */
export async function attachNewPolicy(stack: TestStack, name: string, connection: string): Promise<string> {
  const policy = await stack.db.policy.create({ data: { orgId: stack.orgId, name, document: { name, connections: { names: [connection], tags: [] } } } });
  await stack.db.connection.updateMany({ where: { orgId: stack.orgId, name: connection }, data: { policyId: policy.id } });
  return policy.id;
}

/** Types `value` into the list input with this id and adds it (Enter). */
export async function addChip(page: Page, id: string, value: string): Promise<void> {
  const input = page.locator(`#${id}`);
  await input.fill(value);
  await input.press('Enter');
}

/** `hoop policy test -c connection text`: its exit code and its output. */
export async function policyTest(stack: TestStack, connection: string, text: string): Promise<{ code: number | null; out: string }> {
  const r = await stack.cli(['policy', 'test', '-c', connection, text]);
  return { code: r.code, out: r.stdout + r.stderr };
}
