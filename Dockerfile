# syntax=docker/dockerfile:1
#
# keelhaul in a container. Two images come out of this file (docs/container.md):
#
#   full     the default (last) stage: keelhaul with Helm and Kustomize, so charts and overlays
#            are rendered and checked as the cluster would receive them
#   minimal  keelhaul alone (`--target minimal`): charts and overlays are reported as not
#            rendered (KH007) and their files checked one by one
#
#   docker build -t keelhaul .
#   docker build --target minimal -t keelhaul:minimal .
#   docker run --rm -v "$PWD:/src" keelhaul              # scan . ; the working directory is /src
#   docker run --rm -v "$PWD:/src" keelhaul scan k8s --format sarif
#
# Both run as uid 65532: the mounted files must be readable by it (they usually are), and --fix
# needs them writable (add --user "$(id -u):$(id -g)"). BuildKit is required (TARGETARCH, cache
# mounts); amd64 and arm64 are supported.

# --- the pinned renderers -----------------------------------------------------------------------
# Release archives from the projects' own download locations, each checked against a SHA-256
# written here, never one fetched beside the archive. To move a pin, change the version and both
# sums together, and take the sums from the release's published checksums confirmed by a second,
# independent source (docs/container.md says how). The sums below agree with:
#   helm 3.19.4      argoproj/argo-cd hack/installers/checksums/helm-v3.19.4-linux-{amd64,arm64}.tar.gz.sha256
#                    jace-ys/konduit Dockerfile (HELM_SHA256_AMD64, HELM_SHA256_ARM64)
#   kustomize 5.8.0  argoproj/argo-cd hack/installers/checksums/kustomize_5.8.0_linux_{amd64,arm64}.tar.gz.sha256
#                    cashapp/hermit-packages kustomize.hcl (sha256sums)
#                    jace-ys/konduit Dockerfile (KUSTOMIZE_SHA256_AMD64, KUSTOMIZE_SHA256_ARM64)
ARG HELM_VERSION=3.19.4
ARG HELM_SHA256_AMD64=759c656fbd9c11e6a47784ecbeac6ad1eb16a9e76d202e51163ab78504848862
ARG HELM_SHA256_ARM64=9e1064f5de43745bdedbff2722a1674d0397bc4b4d8d8196d52a2b730909fe62
ARG KUSTOMIZE_VERSION=5.8.0
ARG KUSTOMIZE_SHA256_AMD64=4dfa8307358dd9284aa4d2b1d5596766a65b93433e8fa3f9f74498941f01c5ef
ARG KUSTOMIZE_SHA256_ARM64=a4f48b4c3d4ca97d748943e19169de85a2e86e80bcc09558603e2aa66fb15ce1

# --- build: Alpine's Rust toolchain targets musl, so the release binary is static ----------------
FROM rust:1.95-alpine AS build
# The image's Alpine release moves with the rust tag, so apk package versions cannot be pinned
# here without breaking the build at the next rust:1.95-alpine update; the toolchain tag is the pin.
# hadolint ignore=DL3018
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

# --- renderers: download, verify, unpack (nothing of this stage but the two binaries ships) ------
FROM alpine:3.23.3 AS renderers
ARG TARGETARCH
ARG HELM_VERSION
ARG HELM_SHA256_AMD64
ARG HELM_SHA256_ARM64
ARG KUSTOMIZE_VERSION
ARG KUSTOMIZE_SHA256_AMD64
ARG KUSTOMIZE_SHA256_ARM64
WORKDIR /fetch
# The sums are written into a file before anything is downloaded, so a failed or tampered
# download stops the build at `sha256sum -c`, before any archive is opened.
RUN case "$TARGETARCH" in \
      amd64) helm_sum=$HELM_SHA256_AMD64; kustomize_sum=$KUSTOMIZE_SHA256_AMD64 ;; \
      arm64) helm_sum=$HELM_SHA256_ARM64; kustomize_sum=$KUSTOMIZE_SHA256_ARM64 ;; \
      *) echo "no pinned helm and kustomize for architecture '$TARGETARCH' (amd64 and arm64 are)" >&2; exit 1 ;; \
    esac \
 && helm_archive="helm-v${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
 && kustomize_archive="kustomize_v${KUSTOMIZE_VERSION}_linux_${TARGETARCH}.tar.gz" \
 && printf '%s  %s\n' "$helm_sum" "$helm_archive" "$kustomize_sum" "$kustomize_archive" > SHA256SUMS \
 && wget -q -O "$helm_archive" "https://get.helm.sh/$helm_archive" \
 && wget -q -O "$kustomize_archive" \
      "https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv${KUSTOMIZE_VERSION}/$kustomize_archive" \
 && sha256sum -c SHA256SUMS \
 && mkdir -p unpacked /rootfs/usr/local/bin /rootfs/tmp \
 && tar -xzf "$helm_archive" -C unpacked \
 && tar -xzf "$kustomize_archive" -C unpacked \
 && install -m 0755 "unpacked/linux-${TARGETARCH}/helm" /rootfs/usr/local/bin/helm \
 && install -m 0755 unpacked/kustomize /rootfs/usr/local/bin/kustomize \
 && chmod 1777 /rootfs/tmp \
 && /rootfs/usr/local/bin/helm version --short \
 && /rootfs/usr/local/bin/kustomize version

# --- minimal: the binary, CA certificates (for the GitHub API) and a user entry ------------------
FROM scratch AS minimal
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /etc/passwd.keelhaul /etc/passwd
COPY --from=build /etc/group.keelhaul /etc/group
COPY --from=build /usr/local/bin/keelhaul /usr/local/bin/keelhaul
ENV PATH=/usr/local/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /src
VOLUME ["/src"]
ENTRYPOINT ["keelhaul"]
CMD ["scan", "."]

# --- full (default): minimal plus helm and kustomize on PATH, and a /tmp -------------------------
# keelhaul finds `helm` and `kustomize` on PATH (it prefers kustomize to `kubectl kustomize`) and
# builds each overlay through a wrapper kustomization in the temporary directory, so the image
# needs a writable /tmp; helm keeps its cache and configuration under HOME, pointed there too.
FROM minimal AS full
COPY --from=renderers /rootfs/ /
ENV HOME=/tmp
