import { agentRouter } from './routers/agent';
import { auditRouter } from './routers/audit';
import { connectionRouter } from './routers/connection';
import { integrationRouter } from './routers/integration';
import { reviewRouter } from './routers/review';
import { sessionRouter } from './routers/session';
import { createCallerFactory, createTRPCRouter } from './trpc';

/** One router per domain; the control plane adds policy and member. */
export const appRouter = createTRPCRouter({
  connection: connectionRouter,
  agent: agentRouter,
  review: reviewRouter,
  integration: integrationRouter,
  session: sessionRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
