# Portcullis container image.
#
# No Docker engine runs on the project's machines, so scripts/docker-check.sh executes this file's
# stages itself (same COPY and RUN steps, in temp directories) and runs the final ENTRYPOINT; the
# test in test/deploy/ keeps the two in agreement. Keep to the instructions that script supports:
# FROM, WORKDIR, ENV, COPY [--from=stage], RUN (npm commands only), USER, EXPOSE, HEALTHCHECK,
# ENTRYPOINT, CMD.

# --- build: dev dependencies + TypeScript compile --------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only (no compilers, test tools or type packages) -----------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime ----------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# Anything that wants a home directory (client libraries, caches) gets /tmp, the only writable
# path when the root filesystem is read-only (the Helm chart mounts an emptyDir there).
ENV HOME=/tmp
WORKDIR /app
# Files stay owned by root and read-only to the app user: the process writes nothing outside /tmp.
# package.json is needed at run time: it marks dist/*.js as ES modules ("type": "module").
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Numeric uid/gid (no /etc/passwd entry needed) so Kubernetes can verify runAsNonRoot.
USER 10001:10001
# proxy, admin, status (/healthz, /readyz, /metrics)
EXPOSE 8000 8443 8001 8100
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8100/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM directly for a graceful drain. One GC thread: no
# GC helper thread competes with the event loop for the gateway's core (docs/performance.md#gc-threads;
# node refuses this flag in NODE_OPTIONS, so it is here).
ENTRYPOINT ["node", "--single-threaded-gc", "dist/cli.js"]
CMD ["controller"]
