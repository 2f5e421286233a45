import { AgentListPage, ListAgentsInput, listAgents } from '../../services/agent/list-agents';
import { createTRPCRouter, roleProcedure } from '../trpc';

export const agentRouter = createTRPCRouter({
  list: roleProcedure('admin', 'auditor')
    .input(ListAgentsInput)
    .output(AgentListPage)
    .query(({ ctx, input }) => listAgents(ctx.db, ctx.user.orgId, input)),
});
