#!/usr/bin/env bash
# Installs the keelhaul binary for this machine from a release, verified against the release's
# SHA256SUMS and, where the GitHub CLI can do it, against the release's build provenance
# attestation; or builds it from this checkout with cargo when there is no prebuilt binary.
# The GitHub Action (action.yml) runs it; it works the same on a workstation:
#
#   bash scripts/install.sh                       # the version in ./Cargo.toml
#   KEELHAUL_VERSION=0.2.0 bash scripts/install.sh
#
# Settings (environment variables, all optional):
#   KEELHAUL_VERSION         1.2.3 or v1.2.3; "latest" (the newest GitHub release); empty: the
#                            version in the Cargo.toml beside this script, i.e. the release of the
#                            ref the action was pinned to.
#   KEELHAUL_TARGET          a target triple, instead of the one detected from RUNNER_OS and
#                            RUNNER_ARCH (when set) or uname -s / uname -m.
#   KEELHAUL_REPOSITORY      owner/name of the GitHub repository whose releases hold the
#                            binaries (default keelhaul-dev/keelhaul).
#   KEELHAUL_RELEASE_BASE    the URL of the directory holding the archives and SHA256SUMS
#                            (default https://github.com/$KEELHAUL_REPOSITORY/releases/download/v$VERSION);
#                            https:// or file://, e.g. an internal mirror.
#   KEELHAUL_INSTALL_DIR     where to put the binary (default $RUNNER_TEMP/keelhaul/bin on a
#                            runner, else $HOME/.local/bin).
#   KEELHAUL_BUILD_FROM_SOURCE
#                            1: always build with `cargo install --locked` from this checkout;
#                            0: never (fail when there is no prebuilt binary);
#                            unset or "auto": build only when the release has no binary for
#                            this target and version. A checksum or attestation failure never
#                            falls back.
#   KEELHAUL_VERIFY_ATTESTATION
#                            1: the build provenance attestation must be verified: fail when gh
#                            is missing, cannot reach GitHub (no GH_TOKEN and not logged in) or
#                            has no `attestation` command;
#                            0: do not check it (the checksum alone);
#                            unset or "auto": check it when gh is installed and has a token
#                            (GH_TOKEN, GITHUB_TOKEN or `gh auth login`), else say it was not.
#                            Whenever it is checked, a failure stops the install.
#   GH_TOKEN, GITHUB_TOKEN   given to gh alone, for the attestation; removed from the
#                            environment of everything else the script runs.
#
# What is verified (docs/github.md, "What the install verifies"):
# - the archive's SHA-256 against SHA256SUMS. Both come from the same place, so this proves the
#   download is whole, not who made it: whoever can replace the archive can replace the sums;
# - the archive's build provenance attestation, with `gh attestation verify ARCHIVE --repo
#   $KEELHAUL_REPOSITORY --signer-workflow $KEELHAUL_REPOSITORY/.github/workflows/release.yml`:
#   the archive, byte for byte, was built by that repository's release workflow on GitHub
#   Actions, and signed by Sigstore for it. This holds wherever the archive was downloaded from
#   (a mirror named by KEELHAUL_RELEASE_BASE too), since the attestation is fetched from GitHub.
# The last lines say which of the two were verified.
#
# The archive is keelhaul-$VERSION-$TARGET.tar.gz (.zip for Windows). The script downloads it
# to a file, verifies it and only then unpacks it: nothing downloaded is ever run by a shell.
# The binary is checked to run (--version) before it is put in place. The directory is
# appended to $GITHUB_PATH when that is set (later steps find `keelhaul` on PATH), and the
# binary's path is written to $GITHUB_OUTPUT as `bin` when that is set.
set -euo pipefail

# The token is for gh alone: nothing else the script runs (curl, tar, cargo, the binary) sees it.
gh_token=${GH_TOKEN:-${GITHUB_TOKEN:-}}
unset GH_TOKEN GITHUB_TOKEN

readonly SUPPORTED_TARGETS="x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-msvc"
readonly DEFAULT_REPOSITORY="keelhaul-dev/keelhaul"

say() {
  printf 'keelhaul-install: %s\n' "$*"
}

die() {
  if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
    # An annotation on the run, besides the log line. Only %, CR and LF need escaping here.
    local msg=$*
    msg=${msg//'%'/'%25'}
    msg=${msg//$'\r'/'%0D'}
    msg=${msg//$'\n'/'%0A'}
    printf '::error title=keelhaul install::%s\n' "$msg"
  fi
  printf 'keelhaul-install: error: %s\n' "$*" >&2
  exit 1
}

have() {
  command -v "$1" >/dev/null 2>&1
}

script_dir=$(cd "$(dirname "$0")" && pwd)
action_dir=$(cd "$script_dir/.." && pwd)

# --- platform -------------------------------------------------------------------------------

host_os=${RUNNER_OS:-}
if [ -z "$host_os" ]; then
  case "$(uname -s)" in
    Linux) host_os=Linux ;;
    Darwin) host_os=macOS ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) host_os=Windows ;;
    *) host_os=$(uname -s) ;;
  esac
fi
host_arch=${RUNNER_ARCH:-}
if [ -z "$host_arch" ]; then
  case "$(uname -m)" in
    x86_64 | amd64) host_arch=X64 ;;
    aarch64 | arm64) host_arch=ARM64 ;;
    *) host_arch=$(uname -m) ;;
  esac
fi

target=${KEELHAUL_TARGET:-}
if [ -z "$target" ]; then
  case "$host_os/$host_arch" in
    Linux/X64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    # Windows on Arm runs x86-64 programs under emulation.
    Windows/X64 | Windows/ARM64) target=x86_64-pc-windows-msvc ;;
    *) target="" ;;
  esac
fi

exe_suffix() { # TARGET-OR-OS
  case "$1" in
    *windows* | Windows) printf '.exe' ;;
    *) printf '' ;;
  esac
}

# --- version --------------------------------------------------------------------------------

package_version() { # CARGO_TOML: the version of its [package] section
  awk '
    /^[[:space:]]*\[/ { in_package = ($0 ~ /^[[:space:]]*\[package\][[:space:]]*$/) }
    in_package && /^[[:space:]]*version[[:space:]]*=/ {
      split($0, parts, "\""); print parts[2]; exit
    }
  ' "$1"
}

repository=${KEELHAUL_REPOSITORY:-$DEFAULT_REPOSITORY}
[[ "$repository" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] ||
  die "KEELHAUL_REPOSITORY must be owner/name, got '$repository'"

case "${KEELHAUL_VERIFY_ATTESTATION:-auto}" in
  1 | true | yes | require) attestation_mode=require ;;
  0 | false | no | never) attestation_mode=never ;;
  auto | "") attestation_mode=auto ;;
  *) die "KEELHAUL_VERIFY_ATTESTATION must be 1, 0 or auto, got '${KEELHAUL_VERIFY_ATTESTATION}'" ;;
esac

version=${KEELHAUL_VERSION:-}
if [ -z "$version" ]; then
  [ -f "$action_dir/Cargo.toml" ] || die "no KEELHAUL_VERSION given and no Cargo.toml in $action_dir to read it from"
  version=$(package_version "$action_dir/Cargo.toml")
  [ -n "$version" ] || die "no version found in $action_dir/Cargo.toml"
fi

fetch() { # URL FILE
  curl --fail --silent --show-error --location \
    --proto '=https,file' --proto-redir '=https' \
    --retry 3 --connect-timeout 30 \
    --output "$2" "$1"
}

if [ "$version" = "latest" ]; then
  [ -z "${KEELHAUL_RELEASE_BASE:-}" ] ||
    die "KEELHAUL_VERSION=latest cannot be used with KEELHAUL_RELEASE_BASE; name the version"
  have curl || die "curl is needed to find the latest release"
  # github.com/<owner>/<name>/releases/latest redirects to .../releases/tag/vX.Y.Z (no API call,
  # so no rate limit and no token).
  latest_url=$(curl --fail --silent --show-error --location --proto '=https' --proto-redir '=https' \
    --retry 3 --connect-timeout 30 --output /dev/null --write-out '%{url_effective}' \
    "https://github.com/$repository/releases/latest") ||
    die "could not find the latest release of $repository; set KEELHAUL_VERSION to a version"
  case "$latest_url" in
    */releases/tag/*) version=${latest_url##*/} ;;
    *) die "$repository has no release yet; set KEELHAUL_VERSION, or KEELHAUL_BUILD_FROM_SOURCE=1" ;;
  esac
fi
version=${version#v}
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] ||
  die "not a keelhaul version: '$version' (use 1.2.3, v1.2.3 or latest)"

# --- where to --------------------------------------------------------------------------------

if [ -n "${KEELHAUL_INSTALL_DIR:-}" ]; then
  install_dir=$KEELHAUL_INSTALL_DIR
elif [ -n "${RUNNER_TEMP:-}" ]; then
  install_dir=$RUNNER_TEMP/keelhaul/bin
elif [ -n "${HOME:-}" ]; then
  install_dir=$HOME/.local/bin
else
  die "set KEELHAUL_INSTALL_DIR: there is no RUNNER_TEMP or HOME to install under"
fi
case "$install_dir" in
  /* | [A-Za-z]:*) ;;
  *) install_dir=$PWD/$install_dir ;;
esac

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/keelhaul-install.XXXXXX")
cleanup() {
  rm -rf "$work"
}
trap cleanup EXIT
# Relative names from here on: GNU tar takes "C:\..." for a remote host name.
cd "$work"

# --- install a verified binary ---------------------------------------------------------------

put_in_place() { # BINARY EXE_NAME
  local bin=$1 name=$2
  # It must run on this machine before it replaces anything.
  local reported
  reported=$("$bin" --version 2>&1) || die "the keelhaul binary does not run on this machine ($host_os/$host_arch): $reported"
  mkdir -p "$install_dir"
  install_dir=$(cd "$install_dir" && pwd)
  cp "$bin" "$install_dir/.$name.partial"
  chmod 755 "$install_dir/.$name.partial"
  mv -f "$install_dir/.$name.partial" "$install_dir/$name"
  say "installed $reported at $install_dir/$name"

  if [ -n "${GITHUB_PATH:-}" ]; then
    local path_entry=$install_dir
    if [ "$host_os" = "Windows" ] && have cygpath; then
      path_entry=$(cygpath -w "$install_dir")
    fi
    printf '%s\n' "$path_entry" >>"$GITHUB_PATH"
    say "added $path_entry to PATH for the next steps"
  else
    say "add it to your PATH: export PATH=\"$install_dir:\$PATH\""
  fi
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf 'bin=%s\n' "$install_dir/$name" >>"$GITHUB_OUTPUT"
  fi
}

build_from_source() {
  have cargo || die "building keelhaul from source needs cargo, which is not installed (install a Rust toolchain first, or use a released version)"
  [ -f "$action_dir/Cargo.toml" ] || die "no Cargo.toml in $action_dir to build from"
  local source_version
  source_version=$(package_version "$action_dir/Cargo.toml")
  if [ "$source_version" != "$version" ]; then
    say "warning: $version was asked for, but the source in $action_dir is version ${source_version:-unknown}"
  fi
  say "building keelhaul ${source_version:-} from $action_dir with cargo install --locked (this takes a few minutes)"
  cargo install --locked --path "$action_dir" --root "$work/cargo-root" --bin keelhaul ||
    die "cargo install failed"
  local name
  name=keelhaul$(exe_suffix "$host_os")
  put_in_place "$work/cargo-root/bin/$name" "$name"
  say "built from the source in $action_dir: no release archive was downloaded, so there was no checksum or attestation to verify (cargo checks the crates against Cargo.lock)"
}

# Called when no prebuilt binary can be had; builds from source unless that is turned off.
no_prebuilt() { # REASON
  case "${KEELHAUL_BUILD_FROM_SOURCE:-auto}" in
    0 | false | no) die "$1; building from source is turned off (KEELHAUL_BUILD_FROM_SOURCE=${KEELHAUL_BUILD_FROM_SOURCE})" ;;
    *)
      say "$1; building from source instead"
      build_from_source
      ;;
  esac
}

# Runs gh with the token, when there is one.
run_gh() {
  if [ -n "$gh_token" ]; then
    GH_TOKEN=$gh_token gh "$@"
  else
    gh "$@"
  fi
}

# Sets `attestation` to what was verified, or dies when a check that was to be made fails.
verify_attestation() { # ARCHIVE
  local asset=$1 why_not=""
  attestation=""
  if [ "$attestation_mode" = never ]; then
    attestation="not verified (KEELHAUL_VERIFY_ATTESTATION=${KEELHAUL_VERIFY_ATTESTATION})"
    return
  fi
  if ! have gh; then
    why_not="the GitHub CLI (gh) is not installed"
  elif [ -z "$gh_token" ] && ! gh auth token >/dev/null 2>&1; then
    why_not="gh has no token (set GH_TOKEN, or run gh auth login)"
  elif ! gh attestation verify --help >/dev/null 2>&1; then
    why_not="this gh has no attestation command (gh 2.49 or later has)"
  fi
  if [ -n "$why_not" ]; then
    if [ "$attestation_mode" = require ]; then
      die "KEELHAUL_VERIFY_ATTESTATION=${KEELHAUL_VERIFY_ATTESTATION} but $why_not: nothing was installed"
    fi
    attestation="not verified: $why_not"
    return
  fi
  local workflow="$repository/.github/workflows/release.yml" out
  say "verifying the build provenance attestation of $asset (gh attestation verify)"
  if ! out=$(run_gh attestation verify "$asset" --repo "$repository" --signer-workflow "$workflow" 2>&1); then
    printf '%s\n' "$out" >&2
    die "the build provenance attestation of $asset does not verify: it was not built by $workflow, or GitHub could not be asked. Nothing was installed (KEELHAUL_VERIFY_ATTESTATION=0 skips this check)."
  fi
  attestation="verified: built by $workflow (gh attestation verify)"
  say "attestation $attestation"
}

sha256_of() { # FILE
  # Read from standard input: sha256sum escapes the line of a file name holding a backslash.
  if have sha256sum; then
    sha256sum <"$1" | awk '{ print $1 }'
  elif have shasum; then
    shasum -a 256 <"$1" | awk '{ print $1 }'
  else
    die "neither sha256sum nor shasum is installed: cannot verify the download"
  fi
}

install_prebuilt() {
  local ext=tar.gz
  case "$target" in *windows*) ext=zip ;; esac
  local asset="keelhaul-$version-$target.$ext"
  local base=${KEELHAUL_RELEASE_BASE:-https://github.com/$repository/releases/download/v$version}
  base=${base%/}

  have curl || die "curl is needed to download keelhaul"
  say "downloading $base/$asset"
  if ! fetch "$base/$asset" "$asset"; then
    rm -f "$asset"
    no_prebuilt "no release asset $asset at $base"
    return
  fi
  fetch "$base/SHA256SUMS" SHA256SUMS ||
    die "could not download $base/SHA256SUMS: refusing to install $asset without verifying its checksum"

  # Lines are "<hex>  <name>" (or "<hex> *<name>" in binary mode).
  local expected actual
  expected=$(awk -v name="$asset" '$2 == name || $2 == "*" name { print tolower($1); exit }' SHA256SUMS)
  [ -n "$expected" ] || die "SHA256SUMS at $base lists no checksum for $asset: refusing to install it"
  actual=$(sha256_of "$asset")
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual. The file is corrupt or was altered; nothing was installed."
  fi
  say "checksum verified: $asset $actual"
  verify_attestation "$asset"

  mkdir unpacked
  case "$ext" in
    tar.gz) tar -xzf "$asset" -C unpacked || die "could not unpack $asset" ;;
    zip)
      if have unzip; then
        unzip -q "$asset" -d unpacked || die "could not unpack $asset"
      elif have 7z; then
        7z x -y -ounpacked "$asset" >/dev/null || die "could not unpack $asset"
      else
        die "unzip or 7z is needed to unpack $asset"
      fi
      ;;
  esac

  local name bin
  name=keelhaul$(exe_suffix "$target")
  bin=$(find unpacked -type f -name "$name" -print -quit)
  [ -n "$bin" ] || die "$asset holds no file named $name"
  chmod +x "$bin"
  put_in_place "$work/$bin" "$name"
  say "SHA-256: verified against SHA256SUMS from $base (the download is whole; the sums came from the same place)"
  say "build provenance attestation: $attestation"
}

case "${KEELHAUL_BUILD_FROM_SOURCE:-auto}" in
  1 | true | yes)
    say "KEELHAUL_BUILD_FROM_SOURCE=${KEELHAUL_BUILD_FROM_SOURCE}: not downloading a release"
    build_from_source
    ;;
  *)
    if [ -z "$target" ]; then
      no_prebuilt "no prebuilt keelhaul binary for this platform ($host_os/$host_arch); prebuilt targets: $SUPPORTED_TARGETS"
    elif [[ " $SUPPORTED_TARGETS " != *" $target "* ]]; then
      no_prebuilt "no prebuilt keelhaul binary for target $target; prebuilt targets: $SUPPORTED_TARGETS"
    else
      install_prebuilt
    fi
    ;;
esac
