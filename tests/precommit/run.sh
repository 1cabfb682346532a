#!/usr/bin/env bash
# The hook of .pre-commit-hooks.yaml, run by the real pre-commit in a throwaway repository, the
# way a user's commit runs it: a staged privileged Pod makes `git commit` fail with the KH101
# finding at its file and line, and the same file made safe commits.
#
#   tests/precommit/run.sh        (needs git, cargo and pre-commit on PATH; .ci/run installs
#                                  pre-commit from PyPI when it is missing)
#
# pre-commit clones this checkout at its HEAD commit, so uncommitted changes are not what is
# tested, and builds keelhaul with `cargo install --path .` (the hook is `language: rust`).
# `cargo install` ignores Cargo.lock and resolves the dependencies anew. Offline, it can only
# pick crates already downloaded: on a machine that holds just the locked versions (a fresh CI
# machine) that resolution is the lockfile, checked below, and the build reuses the checkout's
# release build (target/release) for every dependency, compiling keelhaul alone. Elsewhere the
# test makes the build cheap instead (no optimisation, no debug info: how fast the binary runs
# is not under test) in a target directory of its own under target/, which a second run reuses.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
for tool in git cargo pre-commit; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "tests/precommit/run.sh: $tool is not installed" >&2
    exit 1
  fi
done
rev=$(git -C "$root" rev-parse HEAD)
if ! git -C "$root" diff --quiet HEAD -- .pre-commit-hooks.yaml; then
  echo "note: .pre-commit-hooks.yaml has uncommitted changes; pre-commit tests the committed one ($rev)" >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/pre-commit-home"
export PRE_COMMIT_COLOR=never
# Whether an offline resolution gives exactly Cargo.lock: the manifest and sources alone, in a
# directory of their own, locked anew without the network.
offline_is_locked() {
  local probe="$work/resolution"
  mkdir -p "$probe"
  git -C "$root" archive HEAD Cargo.toml src | tar -x -C "$probe"
  (cd "$root" && cargo fetch --locked --quiet) &&
    (cd "$probe" && cargo generate-lockfile --offline --quiet) &&
    cmp -s "$probe/Cargo.lock" "$root/Cargo.lock"
}
if [ -z "${KEELHAUL_HOOK_TARGET_DIR:-}" ] && offline_is_locked; then
  echo "the hook's build resolves to Cargo.lock offline: it reuses target/release"
  export CARGO_NET_OFFLINE=true
  export CARGO_TARGET_DIR="$root/target"
else
  export CARGO_TARGET_DIR="${KEELHAUL_HOOK_TARGET_DIR:-$root/target/pre-commit-hook}"
  export CARGO_PROFILE_RELEASE_OPT_LEVEL=0
  export CARGO_PROFILE_RELEASE_DEBUG=false
  export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256
fi
# Neither the user's git configuration nor the machine's (hooks paths, signing) may change
# what the commits do.
export GIT_CONFIG_GLOBAL=/dev/null
export GIT_CONFIG_NOSYSTEM=1

repo="$work/repo"
git init -q "$repo"
cd "$repo"
git config user.name "keelhaul pre-commit test"
git config user.email "pre-commit-test@keelhaul.invalid"

cat > .pre-commit-config.yaml <<EOF
repos:
  - repo: $root
    rev: $rev
    hooks:
      - id: keelhaul
EOF
git add .pre-commit-config.yaml
git commit -q -m "pre-commit configuration"
pre-commit install

started=$SECONDS
if ! pre-commit install-hooks > "$work/install.log" 2>&1; then
  cat "$work/install.log" >&2
  echo "FAILED: pre-commit could not build the keelhaul hook" >&2
  exit 1
fi
echo "pre-commit built the keelhaul hook in $((SECONDS - started)) s"

fail() {
  echo "FAILED: $1" >&2
  if [ -n "${2:-}" ]; then
    echo "--- output of git commit:" >&2
    cat "$2" >&2
  fi
  exit 1
}

# A privileged Pod and, beside it, a harmless ConfigMap: the hook gets both file names.
mkdir k8s
cat > k8s/debug.yaml <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: debug-shell
spec:
  containers:
    - name: shell
      image: registry.example/tools/shell:1.2.3
      securityContext:
        privileged: true
EOF
cat > k8s/settings.yaml <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  level: info
EOF
line=$(grep -n 'privileged: true' k8s/debug.yaml | cut -d: -f1)
git add k8s
if git commit -m "a privileged pod" > "$work/refused.log" 2>&1; then
  fail "the commit of a privileged Pod went through" "$work/refused.log"
fi
grep -q -- "- hook id: keelhaul" "$work/refused.log" ||
  fail "the commit failed, but not in the keelhaul hook" "$work/refused.log"
grep -q "KH101" "$work/refused.log" ||
  fail "the hook's output does not name KH101" "$work/refused.log"
grep -q "k8s/debug.yaml:$line:" "$work/refused.log" ||
  fail "the hook's output does not point at k8s/debug.yaml:$line" "$work/refused.log"
[ "$(git rev-list --count HEAD)" -eq 1 ] || fail "a commit was made although the hook failed"
echo "pre-commit: the privileged Pod was refused with KH101 at k8s/debug.yaml:$line"

# The same Pod made safe: warnings may remain (KH401: no NetworkPolicy is staged), but nothing
# at the hook's failing level (--fail-on error, keelhaul's default).
cat > k8s/debug.yaml <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: debug-shell
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: shell
      image: registry.example/tools/shell:1.2.3
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: [ALL]
EOF
git add k8s
if ! git commit -m "the pod, made safe" > "$work/accepted.log" 2>&1; then
  fail "the commit of the safe Pod was refused" "$work/accepted.log"
fi
grep -q "^keelhaul\.*Passed" "$work/accepted.log" ||
  fail "the keelhaul hook did not report Passed" "$work/accepted.log"
[ "$(git rev-list --count HEAD)" -eq 2 ] || fail "the safe Pod was not committed"
echo "pre-commit: the safe Pod was committed (keelhaul hook Passed)"
