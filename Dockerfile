# syntax=docker/dockerfile:1
# One image for every Liandong service and for the one-shots (init, provision):
# docker-compose.yml builds it once and gives each container its entry point (`node dist/<name>.mjs`,
# deploy/build.ts lists them). Build context: the repository root (`docker build .`).
#
# Only what is listed below is copied, never a whole folder that could hold secrets: no
# `COPY . .`, never deploy/secrets/, the launcher's .liandong/ folder or node_modules
# (.dockerignore keeps them out of the build context as well). test/compose.test.ts checks it.

# ---- build: the workspace installed, its TypeScript and the web page bundled ahead of time ----
FROM node:24-bookworm-slim AS build

# The pnpm of package.json's "packageManager".
RUN npm install -g pnpm@10.34.8

WORKDIR /app

# Every workspace package's manifest first, so that a change of source alone reuses the install
# layer. test/compose.test.ts checks that this list names every package of pnpm-workspace.yaml.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY contracts/package.json contracts/
COPY services/agency/package.json services/agency/
COPY services/cli/package.json services/cli/
COPY services/city-office/package.json services/city-office/
COPY services/commerce/package.json services/commerce/
COPY services/comparison/package.json services/comparison/
COPY services/county/package.json services/county/
COPY services/domain/package.json services/domain/
COPY services/drug-regulation/package.json services/drug-regulation/
COPY services/family-planning/package.json services/family-planning/
COPY services/health/package.json services/health/
COPY services/office/package.json services/office/
COPY services/public-security/package.json services/public-security/
COPY services/runtime/package.json services/runtime/
COPY test/package.json test/
COPY bench/package.json bench/
RUN pnpm install --frozen-lockfile

COPY tsconfig.json ./
COPY contracts contracts
COPY services services
COPY deploy/build.ts deploy/
# Each entry point bundled into one plain JavaScript file (dependencies inside), the page beside.
RUN node --import tsx deploy/build.ts dist

# ---- run: Node.js LTS and the bundles, nothing else (no sources, no tsx, no node_modules) ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production
# Memory at rest: glibc's allocator as the launcher gives the services (LEAN_MALLOC in
# services/county/src/county.ts; test/compose.test.ts checks): two arenas, thresholds fixed.
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/dist dist
# The office's snapshot directory (a named volume takes its owner from here).
RUN mkdir -p /var/lib/liandong/office && chown node:node /var/lib/liandong/office
USER node
# docker-compose.yml sets the command of every container; this default is the office.
CMD ["node", "--max-semi-space-size=16", "dist/office.mjs"]
