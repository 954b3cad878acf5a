# syntax=docker/dockerfile:1
# rollcall as a container image: a static (musl) binary on an empty base,
# with the CA certificates it needs for https targets. Runs as a non-root
# user; give it your user to write reports into a mounted folder:
#
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" -w /work \
#     ghcr.io/rollcall-dev/rollcall check openapi.yaml --target https://api.example.com --junit rollcall.xml
#
# The binary is built here from the source (Alpine's Rust links musl
# statically), for the platform docker builds for.
FROM rust:1-alpine AS build
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev ca-certificates
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY specs ./specs
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && cp target/release/rollcall /rollcall \
    && /rollcall --version

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /rollcall /rollcall
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/rollcall"]
CMD ["--help"]
