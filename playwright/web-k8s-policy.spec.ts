/**
 * The policy editor's Kubernetes section: an admin adds a rule on verbs, resources and namespaces, names production
 * namespaces, sees what is wrong at the field it concerns (a glob with a character no name has, a rule that matches
 * nothing), changes built-in rules, and saves; `hoop policy test` then judges kubectl commands by the saved policy.
 */
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO_ROOT } from '@hoop/devstack';
import { addChip, openPolicySection, policyEditorSpec, policyTest } from './policy-steps';

const spec = policyEditorSpec('cluster-guard', 'prod-k8s', (stack) =>
  stack.addConnection('prod-k8s', 'kubernetes', { server: 'https://127.0.0.1:9' }, 'agent-only-token'),
);
const judge = (command: string) => policyTest(spec.stack, 'prod-k8s', command);

test('an admin writes Kubernetes rules in the form, problems shown at their field, and the saved policy judges kubectl', async ({ page }) => {
  const section = await openPolicySection(page, spec, 'kubernetes');
  await expect(section).toContainText('No Kubernetes rules');
  await expect(section.getByTestId('builtin-rule')).toHaveCount(5);
  await expect(section.locator('[data-testid="builtin-rule"][data-on="false"]')).toHaveCount(0);

  await section.getByRole('button', { name: 'Add Kubernetes rule' }).click();
  const rule = section.getByTestId('custom-rule');
  await expect(rule).toHaveCount(1);
  // a rule that matches nothing says so
  await expect(rule.getByRole('alert')).toContainText('a rule must match on something');
  await rule.getByLabel('Rule id').fill('payments-secrets');
  await rule.getByLabel('Rule 1 action').selectOption('review');
  await rule.getByRole('group', { name: 'Kubernetes rule 1 verbs' }).getByLabel('get', { exact: true }).check();
  await rule.getByRole('group', { name: 'Kubernetes rule 1 verbs' }).getByLabel('list', { exact: true }).check();
  await addChip(page, 'kubernetes-rules-0-match-resources', 'secrets!');
  await expect(rule.getByRole('alert')).toContainText('a name glob is letters, digits');
  await rule.getByRole('button', { name: /Remove secrets!/ }).click();
  await addChip(page, 'kubernetes-rules-0-match-resources', 'Secrets');
  await addChip(page, 'kubernetes-rules-0-match-namespaces', 'payments');
  await expect(rule.getByRole('alert')).toHaveCount(0);
  await rule.getByLabel('Message').fill('Secrets of payments are read with a second person');

  // exec into a production namespace is held for review; a bad glob is shown at the field
  await addChip(page, 'kubernetes-production-namespaces', 'prod/db!');
  const prod = section.getByTestId('kubernetes-production-namespaces');
  await expect(prod.getByRole('alert')).toContainText('a name glob is letters, digits');
  await prod.getByRole('button', { name: /Remove prod\/db!/ }).click();
  await addChip(page, 'kubernetes-production-namespaces', 'pay*');
  await expect(section.getByRole('alert')).toHaveCount(0);

  // deleting a namespace is held for review rather than refused; proxy is let through
  await section.getByLabel('kubernetes-delete-namespace action').selectOption('review');
  await section.getByRole('switch', { name: 'kubernetes-proxy on' }).click();
  await expect(section.locator('[data-testid="builtin-rule"][data-rule="kubernetes-proxy"]')).toHaveAttribute('data-on', 'false');
  await section.screenshot({ path: path.join(REPO_ROOT, 'playwright', 'test-results', 'web-k8s-policy', 'k8s-section.png') });

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('policy-saved')).toContainText('Saved version 2');

  const saved = await spec.stack.db.policy.findUniqueOrThrow({ where: { id: spec.policy.id } });
  expect(saved.document).toMatchObject({
    kubernetes: {
      builtins: { 'kubernetes-delete-namespace': { action: 'review' }, 'kubernetes-proxy': { enabled: false } },
      productionNamespaces: ['pay*'],
      rules: [
        {
          id: 'payments-secrets',
          action: 'review',
          message: 'Secrets of payments are read with a second person',
          match: { verbs: ['get', 'list'], resources: ['secrets'], namespaces: ['payments'] },
        },
      ],
    },
  });
  const del = await judge('kubectl delete ns payments');
  expect(del.code, del.out).toBe(3);
  expect(del.out).toMatch(/REVIEW +kubernetes-delete-namespace +delete +namespaces/);
  const secret = await judge('kubectl get secret db-creds -n payments');
  expect(secret.code, secret.out).toBe(3);
  expect(secret.out).toMatch(/REVIEW +payments-secrets/);
  const exec = await judge('kubectl exec -n payments web-1 -- ls');
  expect(exec.code, exec.out).toBe(3);
  expect(exec.out).toMatch(/REVIEW +kubernetes-exec-production/);
  expect((await judge('kubectl get secret db-creds -n billing')).code).toBe(0);
  expect((await judge('kubectl exec -n billing web-1 -- ls')).code).toBe(0);
  const proxy = await judge('GET /api/v1/namespaces/payments/services/web:80/proxy/healthz');
  expect([proxy.code, proxy.out]).toEqual([0, expect.stringContaining('result: allow')]);
});
