# syntax=docker/dockerfile:1
# Peitao container image: `docker build -t peitao .`
# One image serves every command: `peitao serve` (default), `peitao worker`, `peitao migrate`,
# `peitao seed`, `peitao staff create`. See docker-compose.yml for a local stack.

# --- build ------------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
WORKDIR /src
# The whole workspace: cargo needs every member's manifest (crates/*, migrations, tests) to load
# it. .dockerignore keeps target/, data/ and .git out of the context.
COPY . .
# Cache mounts keep the registry and target/ between builds (a cold release build is ~5 min on
# 2 cores). target/ lives only in the cache, so the binary is copied out in the same step.
# --locked: build exactly what Cargo.lock says, fail if it is stale.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p peitao \
    && install -m 0755 target/release/peitao /usr/local/bin/peitao

# --- runtime ----------------------------------------------------------------------------------
FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="Peitao" \
      org.opencontainers.image.description="Pairing automotive parts suppliers with automakers" \
      org.opencontainers.image.licenses="AGPL-3.0-only"
# ca-certificates: TLS to SMTP relays and PostgreSQL servers outside the container. Not pinned:
# take bookworm's current certificates at each build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# An unprivileged user; port 8080 needs no root.
RUN groupadd --system --gid 10001 peitao \
    && useradd --system --uid 10001 --gid peitao --home-dir /app --shell /usr/sbin/nologin peitao
WORKDIR /app
COPY --from=build /usr/local/bin/peitao /usr/local/bin/peitao
# Configuration files (config/{default,...,production}.toml) and seed data are read relative to
# the working directory.
COPY config/ ./config/
COPY seeds/ ./seeds/
# data/ is where the default SQLite URL (sqlite://data/peitao.db), file mail and attachments
# (data/attachments, attachments.dir) land: writable by the app user. Mount a volume on
# data/attachments always (uploaded files live there), and on data/ if you run on SQLite.
RUN mkdir -p /app/data/attachments && chown -R peitao:peitao /app/data
# Numeric, so orchestrators can tell it is not root (e.g. Kubernetes runAsNonRoot).
USER 10001:10001
# Production configuration: it refuses the development JWT secret, so PEITAO__AUTH__JWT_SECRET
# (32 bytes or more) and PEITAO__DATABASE__URL must be given at run time. Listen on all
# interfaces inside the container (the default 127.0.0.1 is unreachable from outside).
ENV PEITAO_ENV=production \
    PEITAO__SERVER__HOST=0.0.0.0
EXPOSE 8080
# No HEALTHCHECK here: the same image runs the worker, which listens on no port, and the slim
# base has no curl. docker-compose.yml checks GET /readyz for the `app` service only.
CMD ["peitao", "serve"]
