import { agentRouter } from './routers/agent';
import { connectionRouter } from './routers/connection';
import { createCallerFactory, createTRPCRouter } from './trpc';

/** One router per domain; the control plane adds policy, review, session, audit, member, integration. */
export const appRouter = createTRPCRouter({
  connection: connectionRouter,
  agent: agentRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
