import { describe, expect, it } from 'vitest';
import { policyCatalog } from './policy-catalog';

describe('the policy catalog', () => {
  it('describes every built-in rule in words (a new rule must not show as its bare id)', async () => {
    const c = await policyCatalog();
    for (const r of [...c.sql, ...c.shell]) expect(r.description, r.id).not.toBe(r.id);
    expect(c.shell.map((r) => r.id)).toEqual(expect.arrayContaining(['rm-recursive', 'interpreter-code']));
  });
});
