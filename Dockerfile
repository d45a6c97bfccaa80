# The price monitor: `cargo leptos build --release --precompress` in the official Rust image, run from a slim
# Debian as a user of its own with the site's files baked in. docker-compose.yml builds it as its app service.
#
# The layers go from what changes least to what changes most: the build tools, the npm packages, the
# dependencies (compiled once for empty crates with the project's manifests), the sources. A change of the
# code rebuilds only the last layer; a new Cargo.lock, the dependencies and wasm-bindgen-cli.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown
WORKDIR /src
# The tools as scripts/setup.sh builds them: without optimisation, which takes minutes off a build.
COPY scripts/rust-tools.sh scripts/
RUN scripts/rust-tools.sh cargo-leptos
COPY Cargo.lock ./
RUN scripts/rust-tools.sh wasm-bindgen-cli
# The npm packages (binaryen's wasm-opt is needed below); the ECharts bundle is made after the dependencies, so
# that a change to it does not build them again.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
ENV PATH=/src/node_modules/.bin:$PATH
# The dependencies, built by cargo-leptos as it builds them for the real crates (the same profiles, targets,
# features and environment), for three empty crates.
COPY Cargo.toml ./
COPY app/Cargo.toml app/
COPY server/Cargo.toml server/
COPY frontend/Cargo.toml frontend/
COPY style style
RUN mkdir -p app/src app/benches server/src frontend/src \
    && touch app/src/lib.rs app/benches/store.rs frontend/src/lib.rs \
    && echo 'fn main() {}' >server/src/main.rs \
    && cargo leptos build --release \
    && rm -r app/src app/benches server/src frontend/src target/site
COPY scripts/build-vendor.mjs scripts/
COPY frontend/js frontend/js
RUN node scripts/build-vendor.mjs
COPY . .
# The sources are older than the empty crates' build: touched, cargo compiles them.
RUN find app server frontend -name '*.rs' -exec touch {} + \
    && cargo leptos build --release --precompress \
    && strip target/release/price-monitor

# OpenSSL's library for librdkafka's TLS (the build stage's image has its headers), curl for the healthcheck.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app monitor \
    && mkdir -p /app/data && chown monitor /app/data
WORKDIR /app
COPY --from=build /src/target/release/price-monitor /app/price-monitor
COPY --from=build /src/target/site /app/site
ENV LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_ADDR=0.0.0.0:8501 \
    LEPTOS_ENV=PROD \
    PRICE_FILE=/app/data/latest-prices.json \
    CSV_PATH=/app/data/electricity_prices.csv
# It writes only there (the CSV log, the fetched price file): the rest can be mounted read-only.
USER monitor
EXPOSE 8501
VOLUME ["/app/data"]
# Alive means answering: a broker that is away makes /readyz fail, which a restart would not mend.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8501/healthz || exit 1
CMD ["/app/price-monitor", "all"]
