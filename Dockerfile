# syntax=docker/dockerfile:1
# milvus-index-operator image: Node.js 24, production dependencies only, non-root (65532), and it runs
# with a read-only root filesystem (nothing is written outside /tmp).
#   docker build -t milvus-index-operator:dev .
# test/integration/image.test.ts repeats these install steps without a Docker engine, and lints this file.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: compile TypeScript (needs the dev dependencies) -------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only (the `node` devDependency is not installed) -------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime --------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# npm, npx and corepack are not needed at run time: remove them (and the CVEs of their bundled packages).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /root/.npm
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
# Owned by root and not writable by the runtime user.
# package.json: the operator reads its version from it (src/version.ts).
COPY package.json LICENSE ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY crds ./crds
USER 65532:65532
# 8080: /metrics; 8081: /healthz and /readyz.
EXPOSE 8080 8081
# Node's flags (the bench runs the operator with the same ones, read from this line: test/bench/systems.ts).
# --optimize-for-size: V8 trades some speed for memory; with --max-semi-space-size=2 (a 2 MiB young
# generation, V8's default grows to 16 MiB) the RSS peak at 1,000 resources was 175 MiB instead of 359
# (semi-space 2 alone) and ~470 (no flag), for about the same CPU (docs/benchmarks.md). --optimize-for-size is not allowed in
# NODE_OPTIONS, hence here. Stack traces name src/*.ts: src/main.ts turns source maps on for our code
# (--enable-source-maps, the earlier NODE_OPTIONS, also read every dependency's: +12 MiB of heap).
ENTRYPOINT ["node", "--optimize-for-size", "--max-semi-space-size=2", "/app/dist/src/main.js"]
