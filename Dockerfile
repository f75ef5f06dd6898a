# The juece image: one image, one process per role (docker-compose.yml picks the command: worker, api, projector,
# commands). Runs TypeScript directly through tsx, as on embedded defaults.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY bin bin
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY workers workers
COPY client client
COPY store store
COPY projector projector
COPY commands commands
COPY api api
COPY web web
COPY cli cli
COPY infra infra
COPY calendars calendars
COPY pools pools
COPY tsconfig.json ./
USER node
CMD ["node", "bin/juece.js", "worker"]
