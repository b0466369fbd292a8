# Production image: compiled once, run with `node`, talking to an external PostgreSQL
# (DATABASE_URL). The embedded PostgreSQL is an optional dependency, left out here (60 MB).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json \
 && npm prune --omit=dev --omit=optional --no-audit --no-fund \
 && chmod +x dist/src/cli/main.js

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    PORT=4000 \
    HEALTHCHECK_URL=http://127.0.0.1:4000/readyz
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The admin CLI: `docker compose exec gateway kirisan status`.
RUN ln -s /app/dist/src/cli/main.js /usr/local/bin/kirisan
USER node
EXPOSE 4000
# Ready = the database answers and no migration is pending. A process without the api role
# sets HEALTHCHECK_URL to a server it runs (METRICS_PORT: /metrics reads the database too).
# (compose adds a start period; dockerfilelint misreads --start-period, so it is left out here.)
HEALTHCHECK --interval=10s --timeout=5s --retries=5 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
