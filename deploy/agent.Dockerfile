# The agent, next to the targets it serves. Build from the repository root:
#   docker build -f deploy/agent.Dockerfile -t hoop-agent .
# Stages as in gateway.Dockerfile: the workspace installed as scripts/bootstrap.mjs does, the agent bundled as
# `pnpm --filter @hoop/agent start` does (with its MySQL guard thread beside it), run as the `node` user with its audit
# spool in /var/lib/hoop-agent (mount a volume there: frames the gateway has not acknowledged survive a restart).
FROM node:20-bookworm-slim AS workspace
WORKDIR /app
ENV PNPM_HOME=/usr/local/bin PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1
RUN npm install -g pnpm@10.34.8 --no-audit --no-fund --loglevel=error
COPY . .
RUN pnpm install --frozen-lockfile --reporter=append-only \
 && DATABASE_URL=postgres://localhost/unused pnpm --filter @hoop/db exec prisma generate

FROM workspace AS build
RUN node scripts/service.mjs build agent /app/dist/agent

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /var/lib/hoop-agent && chown node:node /var/lib/hoop-agent
ENV NODE_ENV=production MALLOC_MMAP_THRESHOLD_=131072 HOOP_AGENT_DATA_DIR=/var/lib/hoop-agent
USER node
VOLUME ["/var/lib/hoop-agent"]
CMD ["node", "--enable-source-maps", "--max-semi-space-size=4", "--initial-old-space-size=64", "/app/dist/agent/main.mjs"]
