# The juece worker image (docker-compose.yml). Runs TypeScript directly through tsx, as on embedded defaults.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY workers workers
COPY client client
COPY cli cli
COPY infra infra
COPY calendars calendars
COPY tsconfig.json ./
USER node
CMD ["npx", "tsx", "workers/main.ts"]
