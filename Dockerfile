# syntax=docker/dockerfile:1
# One image for every Infergate service; docker-compose.yml chooses the command per service.
#   target app:  Bun + the workspaces (gateway, vllm-sim, gpu-exporter, vllm-launcher)
#   target vllm: the official vLLM image plus Bun and the workspaces, so vllm-launcher supervises a real `vllm serve`
ARG BUN_VERSION=1.4.5
ARG VLLM_IMAGE=vllm/vllm-openai:v0.11.0

FROM oven/bun:${BUN_VERSION}-slim AS app
WORKDIR /app
# Every workspace's package.json must be present for a frozen install; copying the sources wholesale keeps this
# right as workspaces are added, at the cost of reinstalling when any source changes.
COPY package.json bun.lock bunfig.toml tsconfig.json tsconfig.base.json ./
COPY packages packages
COPY services services
RUN bun install --frozen-lockfile --production
ENV NODE_ENV=production
# Bun's fetch keeps at most 256 upstream requests in flight per process by default; the gateway relays more streams.
ENV BUN_CONFIG_MAX_HTTP_REQUESTS=65535
# The gateway's usage database lives here (QUOTA_DB); a named volume mounted on it inherits this owner.
RUN mkdir -p /var/lib/infergate && chown bun:bun /var/lib/infergate
USER bun
CMD ["bun", "services/gateway/src/main.ts"]

FROM ${VLLM_IMAGE} AS vllm
COPY --from=app /usr/local/bin/bun /usr/local/bin/bun
COPY --from=app /app /app
WORKDIR /app
ENV NODE_ENV=production
# The vLLM image's entrypoint is `vllm serve`; the launcher builds and runs that command itself.
ENTRYPOINT []
CMD ["bun", "services/vllm-launcher/src/main.ts"]
