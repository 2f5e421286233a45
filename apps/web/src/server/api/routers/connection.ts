import { ConnectionDetail, ConnectionIdInput, getConnection } from '@hoop/core/connection/connection-detail';
import { ConnectionInput } from '@hoop/core/connection/connection-input';
import { createConnection } from '@hoop/core/connection/create-connection';
import { DeletedConnection, deleteConnection } from '@hoop/core/connection/delete-connection';
import { ConnectionListPage, ListConnectionsInput, listConnections } from '@hoop/core/connection/list-connections';
import { ConnectionTestResult, testConnection } from '@hoop/core/connection/test-connection';
import { UpdateConnectionInput, updateConnection } from '@hoop/core/connection/update-connection';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/**
 * Connections: every member sees the list (they connect to them); admins read the settings, add, change, test and
 * delete. A stored secret goes in sealed with HOOP_ENCRYPTION_KEY and never comes back out; agents get each change at once.
 */
export const connectionRouter = createTRPCRouter({
  list: authenticatedProcedure
    .input(ListConnectionsInput)
    .output(ConnectionListPage)
    .query(({ ctx, input }) => listConnections(ctx.db, ctx.user.orgId, input)),

  get: authenticatedProcedure
    .input(ConnectionIdInput)
    .output(ConnectionDetail)
    .query(({ ctx, input }) => getConnection(ctx.db, ctx.user.orgId, input, ctx.encryptionKey)),

  create: authenticatedProcedure
    .input(ConnectionInput)
    .output(ConnectionDetail)
    .mutation(({ ctx, input }) => createConnection(ctx.db, ctx.user.orgId, input, ctx.encryptionKey)),

  update: authenticatedProcedure
    .input(UpdateConnectionInput)
    .output(ConnectionDetail)
    .mutation(({ ctx, input }) => updateConnection(ctx.db, ctx.user.orgId, input, ctx.encryptionKey)),

  delete: authenticatedProcedure
    .input(ConnectionIdInput)
    .output(DeletedConnection)
    .mutation(({ ctx, input }) => deleteConnection(ctx.db, ctx.user.orgId, input)),

  /** a mutation: it is asked for, makes the agent reach the target, and reports the state at that moment */
  test: authenticatedProcedure
    .input(ConnectionIdInput)
    .output(ConnectionTestResult)
    .mutation(({ ctx, input }) => testConnection(ctx.db, ctx.user.orgId, input, ctx.encryptionKey, { requestedBy: ctx.user.id, gatewayUrl: ctx.gatewayUrl })),
});
