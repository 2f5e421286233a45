/**
 * A session keeps its column maskers by column (the simple protocol describes a result's columns again with every
 * statement): the same column gets the same masker, and a policy change pushed mid-session applies to the next result.
 */
import type { AgentConnection } from '@hoop/protocol';
import { describe, expect, it } from 'vitest';
import { hooksFor } from './policy-hooks';

const connection = (policy: unknown = null): AgentConnection =>
  ({ id: 'c', name: 'pg', type: 'postgres', config: {}, secretRef: null, readOnly: false, policy }) as AgentConnection;

describe('column maskers', () => {
  it('are kept per column until the policy changes', () => {
    let conn = connection();
    const hooks = hooksFor(() => conn, 'k'.repeat(64));
    const email = { name: 'email', typeOid: 25 };
    const first = hooks.columnMasker(email);
    expect(first.passthrough).toBe(false);
    expect(hooks.columnMasker({ ...email })).toBe(first);
    expect(hooks.columnMasker({ ...email, table: 'customers' })).not.toBe(first);
    expect(hooks.columnMasker({ name: 'email', typeOid: 23 })).not.toBe(first);
    conn = connection({ name: 'p', masking: { allowColumns: ['email'] } });
    expect(hooks.columnMasker(email).passthrough).toBe(true);
  });
});
