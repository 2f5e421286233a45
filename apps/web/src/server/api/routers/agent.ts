import { AgentIdInput, AgentWithKey } from '@hoop/core/agent/agent-key';
import { CreateAgentInput, createAgent } from '@hoop/core/agent/create-agent';
import { DeletedAgent, deleteAgent } from '@hoop/core/agent/delete-agent';
import { AgentListPage, ListAgentsInput, listAgents } from '@hoop/core/agent/list-agents';
import { rotateAgentKey } from '@hoop/core/agent/rotate-agent-key';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/** Agents: admins and auditors see them; admins register them, replace their keys and remove them. A key is returned once. */
export const agentRouter = createTRPCRouter({
  list: authenticatedProcedure
    .input(ListAgentsInput)
    .output(AgentListPage)
    .query(({ ctx, input }) => listAgents(ctx.db, ctx.user.orgId, input)),

  create: authenticatedProcedure
    .input(CreateAgentInput)
    .output(AgentWithKey)
    .mutation(({ ctx, input }) => createAgent(ctx.db, ctx.user.orgId, input)),

  rotateKey: authenticatedProcedure
    .input(AgentIdInput)
    .output(AgentWithKey)
    .mutation(({ ctx, input }) => rotateAgentKey(ctx.db, ctx.user.orgId, input)),

  delete: authenticatedProcedure
    .input(AgentIdInput)
    .output(DeletedAgent)
    .mutation(({ ctx, input }) => deleteAgent(ctx.db, ctx.user.orgId, input)),
});
