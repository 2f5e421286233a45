import type { AgentConnection } from '@hoop/protocol';
import { allowAll, type SessionHooks } from './postgres/hooks';

/** Builds the guard and masking hooks for a session from the connection's policy. */
export function hooksFor(_conn: AgentConnection): SessionHooks {
  return allowAll;
}
