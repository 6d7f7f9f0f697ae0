# One image for every Squall daemon (nimbus, supervisor, ui) and the CLI: `docker run squall/squall:local <command>`.
# Build stage: install with the lockfile, build everything, then drop dev dependencies. Runtime stage: the built tree
# and Debian's Python 3 (venv, pip) for multi-lang components, run as the non-root user `squall`.
#
# Offline builds: if docker/npm-cache.tar exists (a tarball of an npm cache, made by `npm run test:docker`), npm ci
# installs from it with --offline; otherwise npm ci uses the registry.

FROM node:20-bookworm-slim AS build
# Lets `npm run test:docker` prune the untagged images that rebuilds leave behind, and only those.
LABEL org.squall.image=build
WORKDIR /app
# The lockfile and every workspace's package.json first, so the install layer is reused when only sources change.
# "npm-cache.ta[r]" is optional: the glob matches nothing when the file is absent.
COPY package.json package-lock.json docker/npm-cache.ta[r] ./
COPY packages/codec/package.json packages/codec/
COPY packages/protocol/package.json packages/protocol/
COPY packages/core/package.json packages/core/
COPY packages/api/package.json packages/api/
COPY packages/stats/package.json packages/stats/
COPY packages/engine/package.json packages/engine/
COPY packages/local/package.json packages/local/
COPY packages/packager/package.json packages/packager/
COPY packages/cluster-state/package.json packages/cluster-state/
COPY packages/multilang/package.json packages/multilang/
COPY packages/worker/package.json packages/worker/
COPY packages/supervisor/package.json packages/supervisor/
COPY packages/nimbus/package.json packages/nimbus/
COPY packages/ui/package.json packages/ui/
COPY packages/cli/package.json packages/cli/
COPY packages/launch-contract/package.json packages/launch-contract/
COPY packages/state/package.json packages/state/
COPY packages/yaml-topology/package.json packages/yaml-topology/
COPY test/package.json test/
RUN if [ -f npm-cache.tar ]; then \
      mkdir -p /tmp/npm-cache && tar -xf npm-cache.tar -C /tmp/npm-cache && rm npm-cache.tar && \
      npm ci --offline --cache /tmp/npm-cache --no-audit --no-fund; \
    else \
      npm ci --no-audit --no-fund; \
    fi && rm -rf /tmp/npm-cache
COPY tsconfig.json tsconfig.base.json ./
COPY scripts scripts
COPY proto proto
COPY packages packages
COPY examples examples
COPY test test
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf test node_modules/@squall/integration-tests packages/*/test packages/*/dist/test

FROM node:20-bookworm-slim
LABEL org.squall.image=squall
ENV NODE_ENV=production \
    SQUALL_STORM_LOCAL_DIR=/data
# Python for multi-lang components (streamparse projects, examples/wordcount-python): Debian's python3 with venv and
# pip, so workers can make per-topology virtualenvs. No recommends (no compilers, no -dev headers); apt's lists,
# caches and downloaded packages are dropped in the same layer (about 90 MB otherwise).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && python3 -m venv --help >/dev/null
RUN groupadd --system squall && useradd --system --gid squall --home-dir /data --shell /usr/sbin/nologin squall \
 && mkdir -p /data && chown squall:squall /data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages packages
COPY --from=build /app/examples examples
COPY --from=build /app/tsconfig.base.json ./
COPY docker/entrypoint.sh docker/healthcheck.mjs /usr/local/lib/squall/
RUN ln -s /app/packages/cli/bin/squall.js /usr/local/bin/squall \
 && chmod 755 /usr/local/lib/squall/entrypoint.sh /app/packages/cli/bin/squall.js
USER squall
VOLUME /data
# Probes the port of whichever daemon the container runs (nimbus, supervisor, ui); the CLI has nothing to probe.
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=5 CMD ["node", "/usr/local/lib/squall/healthcheck.mjs"]
ENTRYPOINT ["/usr/local/lib/squall/entrypoint.sh"]
CMD ["--help"]
