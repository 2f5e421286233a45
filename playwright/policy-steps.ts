/** Steps of the policy editor specs: a policy attached to a connection, list fields filled, `hoop policy test`. */
import type { Page } from '@playwright/test';
import type { TestStack } from '@hoop/devstack';

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
