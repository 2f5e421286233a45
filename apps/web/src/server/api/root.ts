import { agentRouter } from './routers/agent';
import { connectionRouter } from './routers/connection';
import { integrationRouter } from './routers/integration';
import { reviewRouter } from './routers/review';
import { createCallerFactory, createTRPCRouter } from './trpc';

/** One router per domain; the control plane adds policy, session, audit, member. */
export const appRouter = createTRPCRouter({
  connection: connectionRouter,
  agent: agentRouter,
  review: reviewRouter,
  integration: integrationRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
