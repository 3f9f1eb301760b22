# syntax=docker/dockerfile:1
# The campaign-pulse image: built once, used by the worker, the scheduler and the API in
# docker-compose.yml. Node 24 runs the TypeScript sources directly (type stripping), so there
# is no build step: the image holds the production dependencies and the sources.

# Stage 1: install the production dependencies from the lock file. vendor/ holds the
# msgpackr-extract stand-in that package.json installs with a file: link.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY vendor ./vendor
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Stage 2: what is needed to run, nothing else (no npm cache, no dev dependencies, no tests).
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# node_modules/msgpackr-extract is a symlink into vendor/.
COPY --from=deps /app/vendor ./vendor
COPY package.json ./
COPY src ./src
COPY sql ./sql
COPY templates ./templates
# Default INBOX_DIR, OUT_DIR and PULSE_DATA_DIR (relative to /app), writable by the runtime user.
RUN mkdir -p inbox/archive out .pulse && chown -R node:node inbox out .pulse
USER node
# As `npm run pulse`, without npm in between (signals reach node, which shuts down cleanly).
ENTRYPOINT ["node", "--max-semi-space-size=16", "--max-old-space-size=2000", "src/cli/main.js"]
CMD ["--help"]
