import { describe, expect, it } from 'vitest';
import { MemoryBudget } from './memory-budget';

const MiB = 1024 * 1024;

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

  it('tells a refused session what the agent holds, what it would add, and what to do', () => {
    const budget = new MemoryBudget(4 * MiB);
    budget.share().hold(3 * MiB);
    expect(budget.refusal(1.5 * MiB, 'sent while a statement waits for approval', 'send it again once decided')).toBe(
      'the agent holds 3.0 MiB of client input for all its sessions, at most 4.0 MiB; ' +
        'this session would add 1.5 MiB more it cannot pass on yet (sent while a statement waits for approval): ' +
        'send it again once decided, or ask an admin to raise HOOP_AGENT_INPUT_BUDGET_MB',
    );
  });
});
