# syntax=docker/dockerfile:1
# PayFlow images, one target per component, from the repository root:
#
#   docker build --target api        -t payflow/api .         # REST API, serves the console
#   docker build --target worker     -t payflow/worker .      # SQS consumer, relay, batch runner
#   docker build --target controller -t payflow/controller .  # Kubernetes controller
#
# BASE_IMAGE is any Debian-based image with Node.js 24 and npm on PATH (default: the official
# slim image). Each image holds its own component's runtime dependencies only. At run time: a
# numeric non-root user (10001), a read-only root filesystem (only /tmp needs to be writable),
# no dev dependencies, no tests, a HEALTHCHECK on the process's own /readyz.
ARG BASE_IMAGE=docker.io/library/node:24-bookworm-slim

# Where the runtime dependencies and the console build come from:
#   npm       (default) `npm ci` from the npm registry and `vite build`, in the stages below;
#   prebuilt  the same two made outside by `node hack/images/build.ts` (the same `npm ci
#             --omit=dev` and the same Vite build) and handed in as tar files under
#             .tmp/images/prebuilt/, for builders that reach no registry from inside a build.
# The runtime stage is the same either way.
ARG DEPS_FROM=npm

# The workspace manifests alone, so that the npm ci layers change only with the lockfile.
FROM ${BASE_IMAGE} AS manifests
WORKDIR /src
COPY package.json package-lock.json ./
COPY api/package.json api/
COPY worker/package.json worker/
COPY controller/package.json controller/
COPY console/package.json console/

# The console's production build (Vite). Its build tools live in this stage only.
FROM manifests AS console-npm
RUN --mount=type=cache,id=payflow-npm,target=/root/.npm \
    npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.base.json ./
COPY console/ console/
# The help center's articles, which the console bundles and the API reads.
COPY docs/help/ docs/help/
RUN cd console && NODE_ENV=production node ../node_modules/vite/bin/vite.js build --logLevel warn

# Runtime dependencies, one tree per component (the API and the worker do without the
# Kubernetes client): no devDependencies, and not the console's packages (bundled into its
# build). Native modules come prebuilt in their packages (argon2): no install script runs.
FROM manifests AS deps-npm
RUN --mount=type=cache,id=payflow-npm,target=/root/.npm \
    set -eu; \
    for c in api worker controller; do \
      mkdir -p /deps/$c && cp -a /src/. /deps/$c/ && cd /deps/$c && \
      npm ci --no-audit --no-fund --ignore-scripts --omit=dev --workspace @payflow/$c; \
    done

FROM scratch AS console-prebuilt
ADD .tmp/images/prebuilt/console-dist.tar /src/console/dist/

FROM scratch AS deps-prebuilt
ADD .tmp/images/prebuilt/runtime-deps.tar /deps/

FROM console-${DEPS_FROM} AS console-build
FROM deps-${DEPS_FROM} AS prod-deps

# What every component runs on. Node runs the TypeScript sources directly (type stripping), as
# in development. Files stay owned by root, so the process cannot change its own code.
# org.opencontainers.image.version, .revision and .created are given at build time with --label
# (as hack/images/build.ts and docker/metadata-action do): labels expanded from ARGs here would
# keep a cached layer's old values under buildah.
FROM ${BASE_IMAGE} AS runtime
ARG BASE_IMAGE
LABEL org.opencontainers.image.vendor="PayFlow" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
ENV NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp \
    PATH=/app/node_modules/.bin:$PATH
WORKDIR /app
COPY package.json ./
COPY hack/images/healthcheck.ts ./

FROM runtime AS api
LABEL org.opencontainers.image.title="payflow-api" \
      org.opencontainers.image.description="PayFlow REST API and web console"
COPY --from=prod-deps /deps/api/node_modules/ node_modules/
COPY --from=console-build /src/console/dist/ console/dist/
COPY api/package.json api/
COPY api/src/ api/src/
COPY docs/help/ docs/help/
ENV CONSOLE_DIST_DIR=/app/console/dist \
    PORT=8080
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.ts", "PORT", "/readyz"]
CMD ["node", "api/src/main.ts"]

FROM runtime AS controller
LABEL org.opencontainers.image.title="payflow-controller" \
      org.opencontainers.image.description="PayFlow controller for Rule, BatchJob and WorkerPool resources"
COPY --from=prod-deps /deps/controller/node_modules/ node_modules/
COPY api/package.json api/
COPY api/src/ api/src/
COPY controller/package.json controller/
COPY controller/src/ controller/src/
ENV HEALTH_PORT=8081
EXPOSE 8081
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.ts", "HEALTH_PORT", "/readyz"]
CMD ["node", "controller/src/main.ts"]

# Last, so that a build without --target gives the worker, the image the controller's
# WorkerPools and BatchJobs run (`payflow-worker run`, `payflow-worker batch run <id>`).
FROM runtime AS worker
LABEL org.opencontainers.image.title="payflow-worker" \
      org.opencontainers.image.description="PayFlow payment event worker, outbox relay and batch runner"
COPY --from=prod-deps /deps/worker/node_modules/ node_modules/
COPY api/package.json api/
COPY api/src/ api/src/
COPY worker/package.json worker/
COPY worker/src/ worker/src/
RUN ln -s /app/worker/src/cli.ts /usr/local/bin/payflow-worker && chmod 0755 /app/worker/src/cli.ts
ENV METRICS_PORT=9464
EXPOSE 9464
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.ts", "METRICS_PORT", "/readyz"]
ENTRYPOINT ["payflow-worker"]
CMD ["run"]
