# One image for every Liandong service; docker-compose.yml picks the entry point.
FROM node:20-bookworm-slim
WORKDIR /app
RUN npm install -g pnpm@10.34.8
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY contracts/package.json contracts/
COPY bench/package.json bench/
COPY test/package.json test/
COPY services services
RUN pnpm install --frozen-lockfile
COPY . .
USER node
