import { describe, expect, it } from 'vitest';
import { MemoryBudget } from './memory-budget';

describe('the agent’s input memory budget', () => {
  it('lets sessions hold up to the limit together, refuses what would go past it, and frees on release', () => {
    const budget = new MemoryBudget(100);
    const a = budget.share();
    const b = budget.share();
    expect(a.hold(60)).toBe(true);
    expect(b.hold(50)).toBe(false);
    expect(b.bytes).toBe(0);
    expect(budget.inUse).toBe(60);
    expect(b.hold(40)).toBe(true);
    // holding less always works, even at the limit
    expect(a.hold(10)).toBe(true);
    expect(budget.inUse).toBe(50);
    a.release();
    expect(budget.inUse).toBe(40);
    expect(b.hold(100)).toBe(true);
    b.release();
    b.release();
    expect(budget.inUse).toBe(0);
  });
});
