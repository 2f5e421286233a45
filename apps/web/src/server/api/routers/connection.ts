import { ConnectionListPage, ListConnectionsInput, listConnections } from '../../services/connection/list-connections';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

export const connectionRouter = createTRPCRouter({
  list: authenticatedProcedure
    .input(ListConnectionsInput)
    .output(ConnectionListPage)
    .query(({ ctx, input }) => listConnections(ctx.db, ctx.user.orgId, input)),
});
