# syntax=docker/dockerfile:1
#
# Weft operator image. Three stages:
#   deps    production node_modules only (npm ci --omit=dev), nothing compiled
#   build   every dependency (TypeScript, ...) and `npm run build` -> dist/
#   runtime Node 24 slim + package.json + production node_modules + dist/ + bin/ + crds/,
#           run as the non-root user weft (UID/GID 65532)
#
#   docker build -t localhost/weft-operator:dev .
#   docker run --rm localhost/weft-operator:dev version
#
# The base is pinned by tag; for reproducible release builds pin the digest as well
# (--build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:...).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency has an install script, so --ignore-scripts costs nothing and keeps
# third-party code from running at build time.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
# The whole context, filtered by .dockerignore (no node_modules, dist, reports, .git).
COPY . .
RUN npm run build

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="weft-operator" \
      org.opencontainers.image.description="Weft: pool machines into one resource mesh and run AI coding agents and on-demand jobs on it. A Kubernetes operator." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="Weft" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

# A named, numeric, non-root user: Kubernetes' runAsNonRoot can only verify a numeric UID.
RUN groupadd --system --gid 65532 weft \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin weft

ENV NODE_ENV=production
WORKDIR /app

# Files stay owned by root: the operator can read its code but not change it.
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin/ ./bin/
COPY crds/ ./crds/

USER 65532:65532
# 8080: /health, /readyz, /metrics. 9443: admission webhooks (TLS).
EXPOSE 8080 9443
# Exec form: node is PID 1 and receives SIGTERM directly from the kubelet.
ENTRYPOINT ["node", "/app/bin/weft.js"]
CMD ["operator"]
