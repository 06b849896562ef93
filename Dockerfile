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
    HOME=/tmp \
    NODE_OPTIONS=--enable-source-maps
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
ENTRYPOINT ["node", "/app/dist/src/main.js"]
