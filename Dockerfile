# Production image of the `ferrum` binary. Base images are pinned to exact versions, so that a
# rebuild gets the same toolchain and system; bump them on purpose.
FROM rust:1.89.0-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --bin ferrum

FROM debian:12.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 ferrum \
    && useradd --system --uid 10001 --gid ferrum --home-dir /var/lib/ferrum --shell /usr/sbin/nologin ferrum \
    && install -d -o ferrum -g ferrum -m 0700 /var/lib/ferrum
COPY --from=build /src/target/release/ferrum /usr/local/bin/ferrum
ENV FERRUM_DATA_DIR=/var/lib/ferrum FERRUM_BIND=0.0.0.0:8080
# Not root: a flaw in the service then reaches the data directory only. A new named volume
# takes the directory's owner and mode (ferrum, 0700) from the image.
USER 10001:10001
VOLUME /var/lib/ferrum
EXPOSE 8080
HEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["ferrum"]
CMD ["serve"]
