# The price monitor: `cargo leptos build --release --precompress` in a full Rust image, run from a slim one as
# non-root with the site's files baked in. Set SOURCE_URL to have it fetch the prices itself (docker-compose.yml
# does).
FROM rust:1.95-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
    && cargo install cargo-leptos --locked --version 0.3.10 --features no_downloads
WORKDIR /src
# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock.
COPY Cargo.lock ./
RUN cargo install wasm-bindgen-cli --version \
    "$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
COPY package.json package-lock.json ./
COPY scripts/build-vendor.mjs scripts/
COPY frontend/js frontend/js
RUN npm ci --no-audit --no-fund
COPY . .
ENV PATH=/src/node_modules/.bin:$PATH
# --precompress: the site's files are also stored brotli- and gzip-compressed at the highest levels.
RUN cargo leptos build --release --precompress

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app monitor \
    && mkdir -p /app/data && chown monitor /app/data
WORKDIR /app
COPY --from=build /src/target/release/price-monitor /app/price-monitor
COPY --from=build /src/target/site /app/site
COPY data/latest-prices.json /app/data/latest-prices.json
ENV LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_ADDR=0.0.0.0:8501 \
    LEPTOS_ENV=PROD \
    PRICE_FILE=/app/data/latest-prices.json \
    CSV_PATH=/app/data/electricity_prices.csv
USER monitor
EXPOSE 8501
VOLUME ["/app/data"]
# Alive means answering: a broker that is away makes /readyz fail, which a restart would not mend.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8501/healthz || exit 1
CMD ["/app/price-monitor", "all"]
