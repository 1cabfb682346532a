# syntax=docker/dockerfile:1
#
# keelhaul in a container: a static musl binary on an empty base image, run as a non-root user.
#
#   docker build -t keelhaul .
#   docker run --rm -v "$PWD:/src" keelhaul scan /src
#   docker run --rm -v "$PWD:/src" keelhaul scan .          # same: the working directory is /src
#
# The container runs as uid 65532: the mounted files must be readable by it (they usually are),
# and --fix needs them writable (add --user "$(id -u):$(id -g)").

# --- build: Alpine's Rust toolchain targets musl, so the release binary is static ----------------
FROM rust:1.95-alpine AS build
RUN apk add --no-cache musl-dev ca-certificates
WORKDIR /build
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked --bin keelhaul \
 && cp target/release/keelhaul /usr/local/bin/keelhaul
RUN /usr/local/bin/keelhaul --version \
 && echo 'keelhaul:x:65532:65532:keelhaul:/nonexistent:/sbin/nologin' > /etc/passwd.keelhaul \
 && echo 'keelhaul:x:65532:' > /etc/group.keelhaul

# --- run: the binary, CA certificates (for the GitHub API) and a user entry ---------------------
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /etc/passwd.keelhaul /etc/passwd
COPY --from=build /etc/group.keelhaul /etc/group
COPY --from=build /usr/local/bin/keelhaul /usr/local/bin/keelhaul
ENV PATH=/usr/local/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["keelhaul"]
CMD ["scan", "."]
