# The gateway (and the one-off migration step, deploy/migrate.ts). Build from the repository root:
#   docker build -f deploy/gateway.Dockerfile -t hoop-gateway .
# Stage 1 installs the workspace as scripts/bootstrap.mjs does (pnpm pinned by package.json, frozen lockfile, the
# Prisma client generated); stage 2 bundles the gateway as `pnpm --filter @hoop/gateway start` does
# (scripts/service.mjs); the last stage runs the bundle as the unprivileged `node` user. The bundle imports installed
# packages by their absolute path, so the workspace keeps the path /app in every stage.
FROM node:20-bookworm-slim AS workspace
WORKDIR /app
ENV PNPM_HOME=/usr/local/bin PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1
RUN npm install -g pnpm@10.34.8 --no-audit --no-fund --loglevel=error
COPY . .
RUN pnpm install --frozen-lockfile --reporter=append-only \
 && DATABASE_URL=postgres://localhost/unused pnpm --filter @hoop/db exec prisma generate

FROM workspace AS build
RUN node scripts/service.mjs build gateway /app/dist/gateway

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
# as scripts/service.mjs runs it; listen on every address of the container (the default is 127.0.0.1)
ENV NODE_ENV=production MALLOC_MMAP_THRESHOLD_=131072 HOOP_GATEWAY_HOST=0.0.0.0
USER node
# HTTP API, agents' and clients' WebSockets, MCP over HTTP, the model API; the Postgres listener
EXPOSE 8009 15432
HEALTHCHECK --interval=10s --timeout=3s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HOOP_GATEWAY_PORT||8009)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "--max-semi-space-size=4", "--heap-growing-percent=100", "/app/dist/gateway/main.mjs"]
