# The web app. Build from the repository root:
#   docker build -f deploy/web.Dockerfile -t hoop-web .
# Stages: the workspace installed as scripts/bootstrap.mjs does, `next build` as scripts/web-service.ts runs it (it
# needs no secret: the configuration is read on first use), then `next start` as the `node` user, with tsx loaded as
# the local stack does (the server loads @hoop/db's TypeScript at run time). Ready when GET /healthz answers 200.
FROM node:20-bookworm-slim AS workspace
WORKDIR /app
ENV PNPM_HOME=/usr/local/bin PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1
RUN npm install -g pnpm@10.34.8 --no-audit --no-fund --loglevel=error
COPY . .
RUN pnpm install --frozen-lockfile --reporter=append-only \
 && DATABASE_URL=postgres://localhost/unused pnpm --filter @hoop/db exec prisma generate

FROM workspace AS build
RUN cd apps/web && NODE_ENV=production node node_modules/next/dist/bin/next build

FROM node:20-bookworm-slim
WORKDIR /app/apps/web
COPY --from=build /app /app
# the one folder the server writes to (Next.js's cache); the code stays root's
RUN mkdir -p .next/cache && chown node:node .next/cache
ENV NODE_ENV=production NODE_OPTIONS=--import=tsx
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "node_modules/next/dist/bin/next", "start", "--port", "3000", "--hostname", "0.0.0.0"]
