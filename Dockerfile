# syntax=docker/dockerfile:1
#
# One image for the `migrate`, `api` and `worker` services of docker-compose.yml: the command
# picks the role (npm run migrate | api | worker). Debian (glibc), not Alpine: the Temporal
# worker's native core bridge ships prebuilt for glibc only.

# ---- build: full dependencies, pre-built workflow bundle ------------------------------------
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
# Workflow code bundled once here, so a production worker starts without webpack and every
# replica runs byte-identical workflow code (worker/run.ts loads dist/workflow-bundle.js).
RUN npm run build:workflows

# ---- runtime: production dependencies only, non-root ----------------------------------------
FROM node:20.20.2-bookworm-slim AS runtime
WORKDIR /app
# The services run `npm run <script>` (under tini, compose `init: true`). On `docker stop`, npm
# forwards SIGTERM to its script's shell; Debian's /bin/sh (dash) neither execs the command nor
# passes the signal on, so the app would never hear it and be SIGKILLed after the grace period.
# bash execs the single command, so SIGTERM reaches tsx, which relays it to node: a graceful stop.
# MALLOC_ARENA_MAX: glibc gives each thread (Temporal's Rust core, the workflow thread) its own
# malloc arenas and returns little of them; two arenas kept the worker's growth with 10,000 open
# workflows at 85 MB instead of 200 MB (docs/BENCHMARKS.md, figure 3).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    NPM_CONFIG_SCRIPT_SHELL=/bin/bash \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    PORT=3000 \
    DATA_DIR=/app/.data
COPY package.json package-lock.json ./
# tsx is a runtime dependency: the TypeScript sources run as they are, no separate compile step.
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
# Sources stay root-owned and read-only to the app; only its state directory is writable.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
