#!/usr/bin/env bash
# keelhaul's cost against the size of its input: does doubling the input double the time?
#
# For each input shape of bench/shapes.py (the ones that once cost far more than their size:
# merges of big anchors, long lines of quoted scalars or of JSON, `# Source:` comments, `---`
# lines, suppression comments, many namespaces, a chart's long render...), writes the input at
# size N and 2N, scans each REPS times with /usr/bin/time (interleaved), and prints per shape
# the least CPU time (user + sys) and wall time at N and 2N, their ratio, and the peak memory.
# A ratio above LIMIT (2.5) is marked SLOW: linear cost gives 2, quadratic 4. The one-line JSON
# list is scanned in each output format (human, json, sarif, github); the chart's render goes
# through a stand-in `helm` that prints the rendered text, so that mapping the findings back to
# the template is measured, not helm.
#
# It is a report, not a test: it exits 0 whatever the ratios (non-zero only if the build or
# the generation fails). Times below a tenth of a second are too coarse for a ratio;
# SCALE raises every N.
#
# Environment: REPS (3), SCALE (1: multiplies every N), SHAPES (comma-separated names; all by
#              default, `python3 bench/shapes.py --list` lists them), LIMIT (2.5),
#              TIMEOUT (120: seconds a run may take before it is stopped and marked so),
#              KH=PATH to time another keelhaul binary (an earlier build, to compare; nothing is
#              built then).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
REPS=${REPS:-3}
SCALE=${SCALE:-1}
LIMIT=${LIMIT:-2.5}
TIMEOUT=${TIMEOUT:-120}
TIME=/usr/bin/time

if [[ ! -x $TIME ]]; then
    echo "doubling.sh: $TIME (GNU time) is required" >&2
    exit 1
fi
if [[ -z ${KH:-} ]]; then
    echo "== building (release)"
    if ! cargo build --release --bin keelhaul; then
        echo "doubling.sh: build failed, nothing to measure" >&2
        exit 1
    fi
    KH=${CARGO_TARGET_DIR:-target}/release/keelhaul
fi
KH=$(cd "$(dirname "$KH")" && pwd)/$(basename "$KH")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/keelhaul-doubling.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ALL=$(python3 bench/shapes.py --list | awk '{print $1}' | paste -sd, -)
IFS=, read -r -a SHAPE_LIST <<< "${SHAPES:-$ALL}"

# A chart whose render a stand-in helm replays (HELM_REPLAY names the text to print).
mkdir -p "$WORK/chart/templates" "$WORK/bin"
printf 'apiVersion: v2\nname: chart\nversion: 0.1.0\n' > "$WORK/chart/Chart.yaml"
printf 'count: 1\n' > "$WORK/chart/values.yaml"
cat > "$WORK/chart/templates/pods.yaml" << 'EOF'
{{- range until (int .Values.count) }}
---
apiVersion: v1
kind: Pod
metadata:
  name: p{{ . }}
spec:
  containers:
    - name: c
      image: nginx:1.25
      securityContext:
        privileged: true
{{- end }}
EOF
# shellcheck disable=SC2016  # $HELM_REPLAY is for the script to expand, when helm is run
printf '#!/bin/sh\nexec cat "$HELM_REPLAY"\n' > "$WORK/bin/helm"
chmod +x "$WORK/bin/helm"

# Rows: label|shape|format|times N. The JSON list is scanned in every format, the machine
# formats on four times as many pods (they cost far less than the human report).
ROWS=()
for shape in "${SHAPE_LIST[@]}"; do
    if [[ $shape == json_list ]]; then
        ROWS+=("$shape/human|$shape|human|1")
        for fmt in json sarif github; do ROWS+=("$shape/$fmt|$shape|$fmt|4"); done
    else
        ROWS+=("$shape|$shape|human|1")
    fi
done

echo "== writing the inputs (N and 2N, SCALE=$SCALE)"
for row in "${ROWS[@]}"; do
    IFS='|' read -r _ shape _ times <<< "$row"
    [[ -f $WORK/$shape-$times.1.yaml ]] && continue
    base=$(python3 bench/shapes.py --list | awk -v s="$shape" '$1 == s {print $2}')
    if [[ -z $base ]]; then
        echo "doubling.sh: no shape $shape (python3 bench/shapes.py --list)" >&2
        exit 1
    fi
    n=$(python3 -c "print(max(1, int($base * $times * $SCALE)))")
    for k in 1 2; do
        python3 bench/shapes.py "$shape" $((n * k)) "$WORK/$shape-$times.$k.yaml" || exit 1
        echo "$((n * k))" > "$WORK/$shape-$times.$k.n"
    done
done

run() { # $1 label, $2 input (shape-times), $3 format, $4 k (1 or 2), $5 rep
    local label=${1//\//_} input=$2 fmt=$3 k=$4 rep=$5 target
    local out="$WORK/$label.$k.$rep"
    if [[ $input == helm_render-* ]]; then
        target=$WORK/chart
        HELM_REPLAY=$WORK/$input.$k.yaml PATH=$WORK/bin:$PATH \
            $TIME -f '%e %U %S %M' -o "$out.time" timeout "$TIMEOUT" \
            "$KH" scan "$target" --format "$fmt" --fail-on never > /dev/null 2> "$out.err"
    else
        target=$WORK/$input.$k.yaml
        $TIME -f '%e %U %S %M' -o "$out.time" timeout "$TIMEOUT" \
            "$KH" scan "$target" --format "$fmt" --fail-on never > /dev/null 2> "$out.err"
    fi
    echo $? > "$out.rc"
}

echo "== measuring: ${#ROWS[@]} rows x 2 sizes x $REPS runs, interleaved"
for ((rep = 1; rep <= REPS; rep++)); do
    for row in "${ROWS[@]}"; do
        IFS='|' read -r label shape fmt times <<< "$row"
        for k in 1 2; do
            run "$label" "$shape-$times" "$fmt" "$k" "$rep"
            printf '   run %d %-22s %s  %s\n' "$rep" "$label" "${k}N" \
                "$(tail -n 1 "$WORK/${label//\//_}.$k.$rep.time" 2> /dev/null)"
        done
    done
done

python3 - "$WORK" "$REPS" "$LIMIT" "$TIMEOUT" "$KH" "${ROWS[@]}" << 'PY'
import os, sys

work, reps, limit, timeout, kh, rows = (sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                                         sys.argv[4], sys.argv[5], sys.argv[6:])

def runs(label, k):
    """(least cpu, least wall, peak RSS MB) over the runs that finished, or the failure."""
    done, failed = [], None
    for r in range(1, reps + 1):
        base = f"{work}/{label}.{k}.{r}"
        rc = int(open(base + ".rc").read().strip() or 1)
        last = open(base + ".time").read().strip().splitlines()[-1:]
        if rc != 0 or not last or len(last[0].split()) != 4:
            failed = "timeout" if rc == 124 else f"exit {rc}"
            continue
        wall, user, sys_, rss = last[0].split()
        done.append((float(user) + float(sys_), float(wall), int(rss) / 1024))
    if not done:
        return None, failed
    return (min(d[0] for d in done), min(d[1] for d in done), max(d[2] for d in done)), None

print()
print(f"keelhaul cost against input size: {kh}")
print(f"least of {reps} runs; CPU = user + sys seconds; ratio = 2N / N; SLOW above {limit}")
print()
head = f"{'shape':22} {'N':>9} {'bytes':>10} {'CPU N':>7} {'CPU 2N':>7} {'ratio':>6} {'wall N':>7} {'wall 2N':>7} {'RSS MB N':>9} {'2N':>7}"
print(head)
slow = []
for row in rows:
    label, shape, _, times = row.split("|")
    key = label.replace("/", "_")
    n = open(f"{work}/{shape}-{times}.1.n").read().strip()
    size = os.path.getsize(f"{work}/{shape}-{times}.1.yaml")
    a, fa = runs(key, 1)
    b, fb = runs(key, 2)
    if a is None or b is None:
        print(f"{label:22} {n:>9} {size:>10}  {'N: ' + (fa or 'ok'):>12} {'2N: ' + (fb or 'ok'):>12}   (stopped after {timeout} s or failed)")
        slow.append(label)
        continue
    ratio = b[0] / max(a[0], 0.01)
    mark = ""
    if a[0] < 0.1:
        mark = "  (too fast to tell: raise SCALE)"
    elif ratio > limit:
        mark = "  SLOW"
        slow.append(label)
    print(f"{label:22} {n:>9} {size:>10} {a[0]:7.2f} {b[0]:7.2f} {ratio:6.2f} {a[1]:7.2f} {b[1]:7.2f} {a[2]:9.1f} {b[2]:7.1f}{mark}")
print()
print("all ratios within the limit" if not slow else f"over the limit or not finished: {', '.join(slow)}")
PY
exit 0
