/**
 * The policy editor's HTTP section: an admin adds a rule on method, path globs and a JSON body field, sees what is
 * wrong at the field it concerns (a path glob without its slash, a bound that is not a number, a rule that matches
 * nothing), changes the built-in DELETE rule, and saves; `hoop policy test` then judges requests by the saved rules.
 */
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO_ROOT } from '@hoop/devstack';
import { addChip, openPolicySection, policyEditorSpec, policyTest } from './policy-steps';

const spec = policyEditorSpec('billing-guard', 'billing-api', (stack) =>
  stack.addConnection('billing-api', 'http', { baseUrl: 'http://127.0.0.1:9', authType: 'bearer' }, 'sk_agent_only'),
);
const judge = (request: string) => policyTest(spec.stack, 'billing-api', request);

test('an admin writes HTTP rules in the form, problems shown at their field, and the saved rules judge requests', async ({ page }) => {
  const section = await openPolicySection(page, spec, 'http');
  await expect(section).toContainText('No HTTP rules');
  await expect(section.getByTestId('http-builtin')).toHaveAttribute('data-on', 'true');

  await section.getByRole('button', { name: 'Add HTTP rule' }).click();
  const rule = section.getByTestId('custom-rule');
  await expect(rule).toHaveCount(1);
  // a rule that matches nothing says so
  await expect(rule.getByRole('alert')).toContainText('a rule must match on something');
  await rule.getByLabel('Rule id').fill('big-refunds');
  await rule.getByLabel('Rule 1 action').selectOption('review');
  await addChip(page, 'http-rules-0-match-methods', 'post');
  await addChip(page, 'http-rules-0-match-paths', 'v1/refunds');
  await expect(rule.getByRole('alert')).toContainText('a path glob starts with / and has no query, fragment or spaces');
  await rule.getByRole('button', { name: /Remove v1\/refunds/ }).click();
  await addChip(page, 'http-rules-0-match-paths', '/v1/refunds');
  await expect(rule.getByRole('alert')).toHaveCount(0);

  await rule.getByRole('button', { name: 'Add a body condition' }).click();
  await rule.getByLabel('Rule 1 condition 1 field').fill('amount');
  await expect(rule.getByLabel('Rule 1 condition 1 test')).toHaveValue('above');
  await rule.getByLabel('Rule 1 condition 1 value').fill('lots');
  await expect(rule.getByTestId('http-body-condition').getByRole('alert')).toBeVisible();
  await rule.getByLabel('Rule 1 condition 1 value').fill('1000');
  await expect(rule.getByRole('alert')).toHaveCount(0);
  await rule.getByLabel('Message').fill('refunds over 1000 need a second person');
  await section.screenshot({ path: path.join(REPO_ROOT, 'playwright', 'test-results', 'web-http-policy', 'http-section.png') });

  // DELETE is denied outright rather than reviewed
  await section.getByLabel('http-delete action').selectOption('deny');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('policy-saved')).toContainText('Saved version 2');

  const saved = await spec.stack.db.policy.findUniqueOrThrow({ where: { id: spec.policy.id } });
  expect(saved.document).toMatchObject({
    http: {
      builtins: { 'http-delete': { action: 'deny' } },
      rules: [
        {
          id: 'big-refunds',
          action: 'review',
          message: 'refunds over 1000 need a second person',
          match: { methods: ['POST'], paths: ['/v1/refunds'], body: [{ field: 'amount', above: 1000 }] },
        },
      ],
    },
  });
  const big = await judge('POST /v1/refunds\n\n{"amount": 5000}');
  expect(big.code).toBe(3);
  expect(big.out).toMatch(/REVIEW +big-refunds/);
  expect((await judge('POST /v1/refunds\n\n{"amount": 20}')).code).toBe(0);
  const del = await judge('DELETE /v1/invoices/7');
  expect(del.code).toBe(3);
  expect(del.out).toMatch(/http-delete/);
});
