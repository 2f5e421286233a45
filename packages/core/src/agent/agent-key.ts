import { z } from 'zod';
import { AppError } from '../errors';

export const AgentIdInput = z.object({ id: z.uuid({ error: 'That is not an agent id.' }) });

/** An agent's key, returned once when it is created or replaced; only its hash and prefix are stored. */
export const AgentWithKey = z.object({
  id: z.string(),
  name: z.string(),
  keyPrefix: z.string(),
  /** shown this once */
  key: z.string(),
});
export type AgentWithKey = z.infer<typeof AgentWithKey>;

export function agentNotFound(): AppError {
  return new AppError('not_found', 'This agent does not exist (any more). Reload the page to see the current list.');
}
