# Production image of the `ferrum` binary.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --bin ferrum

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/ferrum /usr/local/bin/ferrum
ENV FERRUM_DATA_DIR=/var/lib/ferrum FERRUM_BIND=0.0.0.0:8080
VOLUME /var/lib/ferrum
EXPOSE 8080
HEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["ferrum"]
CMD ["serve"]
