#!/usr/bin/env bash
# The container images against the render fixtures of testdata/render: the full image renders
# their Helm charts and Kustomize overlays (findings come back mapped from both tools, and none
# says a chart or overlay was left unrendered or failed to render), and the minimal image says
# it could not render them (KH007). Both run as uid 65532 with the fixtures mounted read-only.
#
#   docker build -t keelhaul:full .
#   docker build --target minimal -t keelhaul:minimal .
#   tests/container/smoke.sh keelhaul:full keelhaul:minimal
#
# Needs docker, and base images from Docker Hub to build; the release workflow runs it before
# it pushes the images (docs/container.md).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
full=${1:?usage: tests/container/smoke.sh FULL_IMAGE [MINIMAL_IMAGE]}
minimal=${2:-}

fail() {
  echo "FAILED: $1" >&2
  exit 1
}

scan_fixtures() {
  local image=$1
  shift
  docker run --rm -v "$root/testdata/render:/src:ro" "$image" scan --format json --fail-on never "$@" .
}

for image in "$full" ${minimal:+"$minimal"}; do
  user=$(docker image inspect --format '{{.Config.User}}' "$image")
  [ "$user" = "65532:65532" ] || fail "$image runs as '$user', not 65532:65532"
  docker run --rm "$image" --version
done

docker run --rm --entrypoint helm "$full" version --short
docker run --rm --entrypoint kustomize "$full" version

out=$(scan_fixtures "$full" --require-render)
grep -q '"tool":"helm"' <<<"$out" || fail "$full: no finding came from a Helm render"
grep -q '"tool":"kustomize"' <<<"$out" || fail "$full: no finding came from a Kustomize build"
if grep -q -e '"rule":"KH007"' -e '"rule":"KH010"' <<<"$out"; then
  fail "$full: a chart or overlay was not rendered (KH007) or failed to render (KH010): $out"
fi
echo "smoke: $full rendered the charts and overlays of testdata/render"

if [ -n "$minimal" ]; then
  out=$(scan_fixtures "$minimal")
  grep -q '"rule":"KH007"' <<<"$out" || fail "$minimal: expected KH007 (not rendered) without helm and kustomize"
  echo "smoke: $minimal reports the charts and overlays as not rendered (KH007)"
fi
