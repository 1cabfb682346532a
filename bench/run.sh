#!/usr/bin/env bash
# keelhaul performance report.
#
# Builds keelhaul and the bare_parse baseline (examples/bare_parse.rs: walk + read + saphyr-parser
# events, single-threaded, nothing else), then times, with /usr/bin/time, interleaved and REPS
# times each (median reported):
#   synthetic corpus (bench/gen_corpus.py, FILES files; reused from bench/.corpus if present)
#     a. bare_parse
#     b. keelhaul scan --format json --fail-on never            (default threads)
#     c. keelhaul scan --format json --fail-on never --threads 1
#   real corpus (../shared/corpus from the repo root)
#     d. bare_parse, and keelhaul scan (default threads)
#     f. keelhaul scan with the ten ValidatingAdmissionPolicies of bench/policies.yaml (--policy),
#        three validations each, bound to every namespace
#   half-size synthetic corpus (SMALL_FILES files; bench/.corpus-SMALL_FILES if present)
#     e. keelhaul scan (default threads), to see whether memory grows with the number of files
#        and of findings (half the files, half the findings)
# and prints the raw figures and the ratios against the targets, each marked PASS or MISS.
# It is a report, not a test: it exits 0 whether or not the targets are met (non-zero only if
# the build or the corpus generation fails).
#
# Environment: REPS (3), FILES (20000), SMALL_FILES (10000), SEED (1),
#              KEEP_CORPUS=1 to generate into bench/.corpus and bench/.corpus-SMALL_FILES
#              (git-ignored) for reuse,
#              KH=PATH to time another keelhaul binary (an earlier build, to compare).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
REPS=${REPS:-3}
FILES=${FILES:-20000}
SMALL_FILES=${SMALL_FILES:-10000}
SEED=${SEED:-1}
REAL=../shared/corpus
BARE=target/release/examples/bare_parse
KH=${KH:-target/release/keelhaul}
TIME=/usr/bin/time

if [[ ! -x $TIME ]]; then
    echo "run.sh: $TIME (GNU time) is required" >&2
    exit 1
fi

echo "== building (release)"
if ! cargo build --release --example bare_parse --bin keelhaul; then
    echo "run.sh: build failed, nothing to measure" >&2
    exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/keelhaul-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

corpus_for() { # $1 = reuse dir, $2 = files
    local reuse=$1 files=$2 dir
    if [[ -d $reuse ]]; then
        echo "== reusing $reuse" >&2
        echo "$reuse"
        return 0
    fi
    if [[ ${KEEP_CORPUS:-0} == 1 ]]; then dir=$reuse; else dir=$WORK/corpus-$files; fi
    echo "== generating $files files into $dir" >&2
    python3 bench/gen_corpus.py "$dir" --files "$files" --seed "$SEED" >&2 || return 1
    echo "$dir"
}

CORPUS=$(corpus_for bench/.corpus "$FILES") || { echo "run.sh: corpus generation failed" >&2; exit 1; }
SMALL=$(corpus_for "bench/.corpus-$SMALL_FILES" "$SMALL_FILES") || { echo "run.sh: corpus generation failed" >&2; exit 1; }

# Charts and overlays: a 300-file slice of the synthetic monorepo (its overlays are rendered
# with kustomize, or kubectl, when one is on PATH) plus ten copies of the test chart `web`,
# rendered by a stand-in helm that replays the chart's committed output (no helm here: the
# stand-in leaves helm's own cost out and measures keelhaul's side, which is scanning the
# output and mapping every finding to its template line).
RT=$WORK/render-tree
python3 bench/gen_corpus.py "$RT" --files 300 --seed "$SEED" > /dev/null 2>&1 || { echo "run.sh: corpus generation failed" >&2; exit 1; }
mkdir -p "$RT/charts" "$WORK/bin"
for i in 1 2 3 4 5 6 7 8 9 10; do cp -r testdata/render/helm/web "$RT/charts/web$i"; done
REPLAY=$PWD/testdata/render/helm-rendered/web.yaml
printf '#!/bin/sh\nexec cat "%s"\n' "$REPLAY" > "$WORK/bin/helm"
chmod +x "$WORK/bin/helm"
RENDERERS=$( (command -v kustomize || command -v kubectl) 2> /dev/null | head -n 1)

# label | command (corpus paths substituted below). The corpus runs pass --no-render: they
# measure the manifest scanner; rendering is measured on its own tree.
LABELS=(bare_syn kh_syn kh_syn_t1 kh_sarif kh_policies bare_real kh_real kh_real_warm kh_real_cold kh_small kh_quiet kh_quiet_small kh_norender kh_render)
# The render cache of the warm runs (filled once before the timed runs).
RCACHE=$WORK/render-cache
cmd_for() {
    case $1 in
        bare_syn)  echo "$BARE $CORPUS" ;;
        kh_syn)    echo "$KH scan $CORPUS --format json --fail-on never --no-render" ;;
        kh_syn_t1) echo "$KH scan $CORPUS --format json --fail-on never --threads 1 --no-render" ;;
        # SARIF: the same findings, with GitHub's line fingerprints and the SARIF model.
        kh_sarif)  echo "$KH scan $CORPUS --format sarif --fail-on never --no-render" ;;
        # The cluster's own admission policies evaluated against every object.
        kh_policies) echo "$KH scan $CORPUS --format json --fail-on never --no-render --policy bench/policies.yaml" ;;
        bare_real) echo "$BARE $REAL" ;;
        kh_real)   echo "$KH scan $REAL --format json --fail-on never --no-render" ;;
        # Rendering on: every overlay from a warm render cache, and with no cache at all.
        kh_real_warm) echo "$KH scan $REAL --format json --fail-on never --cache-dir $RCACHE" ;;
        kh_real_cold) echo "$KH scan $REAL --format json --fail-on never --no-cache" ;;
        kh_small)  echo "$KH scan $SMALL --format json --fail-on never --no-render" ;;
        # Only KH001 enabled: no findings to hold, so what remains is the per-file working set.
        kh_quiet)  echo "$KH scan $CORPUS --format json --fail-on never --select KH001 --no-render" ;;
        kh_quiet_small) echo "$KH scan $SMALL --format json --fail-on never --select KH001 --no-render" ;;
        # The render tree as plain files, then rendered (charts by the stand-in helm).
        kh_norender) echo "$KH scan $RT --format json --fail-on never --no-render" ;;
        kh_render) echo "env PATH=$WORK/bin:$PATH $KH scan $RT --format json --fail-on never" ;;
    esac
}
if [[ ! -d $REAL ]]; then
    echo "== $REAL not found: skipping the real-corpus runs"
    LABELS=(bare_syn kh_syn kh_syn_t1 kh_sarif kh_policies kh_small kh_quiet kh_quiet_small kh_norender kh_render)
fi
# Their reports are kept (the render notice says what the render phase and the tools took).
SAVED=" kh_real_warm kh_real_cold "

# Warm the page cache so the first timed run is not the only one reading from disk.
echo "== warming up"
$BARE "$CORPUS" > "$WORK/bare_syn.out" 2>&1
$BARE "$SMALL" > /dev/null 2>&1
[[ -d $REAL ]] && $BARE "$REAL" > "$WORK/bare_real.out" 2>&1
[[ -d $REAL ]] && $KH scan "$REAL" --format json --fail-on never --cache-dir "$RCACHE" > /dev/null 2>&1

# A stub or half-written binary can "pass" by doing nothing: check once that keelhaul accepts the
# options and writes JSON (the timed runs send stdout to /dev/null).
KH_NOTE=""
$KH scan "$SMALL" --format json --fail-on never --no-render > "$WORK/kh_check.json" 2> "$WORK/kh_check.err"
rc=$?
if [[ $rc -ne 0 ]]; then
    KH_NOTE="keelhaul scan --format json --fail-on never exited $rc: $(head -c 300 "$WORK/kh_check.err")"
elif ! python3 -c '
import json, sys
text = open(sys.argv[1]).read()
if not text.strip():
    sys.exit(1)
try:
    json.loads(text)
except ValueError:
    [json.loads(line) for line in text.splitlines() if line.strip()]
' "$WORK/kh_check.json" 2> /dev/null; then
    KH_NOTE="keelhaul scan --format json wrote no JSON on the small corpus ($(wc -c < "$WORK/kh_check.json") bytes): its figures are not meaningful"
fi
[[ -n $KH_NOTE ]] && echo "== WARNING: $KH_NOTE"

echo "== measuring: ${#LABELS[@]} commands x $REPS runs, interleaved"
for ((rep = 1; rep <= REPS; rep++)); do
    for label in "${LABELS[@]}"; do
        # shellcheck disable=SC2046  # word splitting of the command is intended (no spaces in paths)
        out=/dev/null
        [[ $SAVED == *" $label "* ]] && out=$WORK/$label.out.$rep
        $TIME -f '%e %U %S %M' -o "$WORK/$label.time.$rep" $(cmd_for "$label") \
            > "$out" 2> "$WORK/$label.err.$rep"
        echo $? > "$WORK/$label.rc.$rep"
        printf '   run %d %-10s %s\n' "$rep" "$label" "$(tail -n 1 "$WORK/$label.time.$rep")"
    done
done

# What the rendered run rendered (its summary), for the report.
env PATH="$WORK/bin:$PATH" $KH scan "$RT" --format json --fail-on never > "$WORK/kh_render.json" 2> /dev/null

# A pull request that changes one overlay: a copy of the corpus with a warm cache, one
# kustomization file changed (a comment added: new content), scanned once.
PR_SIM=""
if [[ -d $REAL && -n $RENDERERS ]]; then
    cp -r "$REAL" "$WORK/pr-tree"
    $KH scan "$WORK/pr-tree" --format json --fail-on never --cache-dir "$WORK/pr-cache" > /dev/null 2>&1
    changed=$(cd "$WORK/pr-tree" && find . -name kustomization.yaml -path '*/kustomize/tests/*' | sort | head -n 1)
    if [[ -n $changed ]]; then
        printf '\n# changed by the benchmark\n' >> "$WORK/pr-tree/$changed"
        PR_SIM=$($KH scan "$WORK/pr-tree" --format json --fail-on never --cache-dir "$WORK/pr-cache" 2> /dev/null |
            python3 -c 'import json, re, sys
rep = json.load(sys.stdin)
m = [n["message"] for n in rep["notices"] if n["file"] == "<render>"]
f = re.search(r"(\d+) chart and overlay render.*?(\d+) run, (\d+) from the render cache", m[0]) if m else None
print(f"{sys.argv[1]}: {f.group(1)} renders, {f.group(2)} run, {f.group(3)} from the cache" if f else "no render notice")' "$changed")
    fi
fi

KH_NOTE=$KH_NOTE RENDERERS=$RENDERERS PR_SIM=$PR_SIM python3 - "$WORK" "$REPS" "$CORPUS" "$SMALL" "$REAL" "${LABELS[@]}" <<'PY'
import os, statistics, sys

work, reps, corpus, small, real, labels = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
kh_note = os.environ.get("KH_NOTE", "")

def load(label):
    runs, failures = [], []
    for r in range(1, reps + 1):
        rc = int(open(f"{work}/{label}.rc.{r}").read().strip() or 1)
        last = open(f"{work}/{label}.time.{r}").read().strip().splitlines()[-1:]
        if rc != 0 or not last:
            err = open(f"{work}/{label}.err.{r}", errors="replace").read().strip().splitlines()
            failures.append((rc, err[:3]))
            continue
        wall, user, sys_, rss = last[0].split()
        runs.append((float(wall), float(user), float(sys_), int(rss)))
    if not runs:
        return None, failures
    med = lambda i: statistics.median(x[i] for x in runs)
    return {"wall": med(0), "user": med(1), "sys": med(2),
            "cpu": statistics.median(x[1] + x[2] for x in runs),
            "rss_mb": statistics.median(x[3] for x in runs) / 1024,
            "rss_max_mb": max(x[3] for x in runs) / 1024, "n": len(runs)}, failures

def tree(path):
    files = size = 0
    for dp, _, fn in os.walk(path):
        for f in fn:
            if f.endswith((".yaml", ".yml", ".json")):
                files += 1
                size += os.path.getsize(os.path.join(dp, f))
    return files, size

R, F = {}, {}
for l in labels:
    R[l], F[l] = load(l)

names = {
    "bare_syn": "bare_parse  synthetic, 1 thread",
    "kh_syn": "keelhaul    synthetic, default threads",
    "kh_syn_t1": "keelhaul    synthetic, --threads 1",
    "kh_sarif": "keelhaul    synthetic, --format sarif",
    "kh_policies": "keelhaul    synthetic, 10 admission policies (--policy)",
    "bare_real": "bare_parse  real, 1 thread",
    "kh_real": "keelhaul    real, default threads",
    "kh_real_warm": "keelhaul    real, rendered, warm render cache",
    "kh_real_cold": "keelhaul    real, rendered, --no-cache",
    "kh_small": "keelhaul    half synthetic, default threads",
    "kh_quiet": "keelhaul    synthetic, no findings (--select KH001)",
    "kh_quiet_small": "keelhaul    half synthetic, no findings",
    "kh_norender": "keelhaul    render tree, --no-render",
    "kh_render": "keelhaul    render tree, charts + overlays rendered",
}
print()
print(f"keelhaul benchmark: {os.cpu_count()} cores, median of {reps} interleaved runs")
for tag, path in (("synthetic", corpus), ("small", small), ("real", real)):
    if os.path.isdir(path):
        n, b = tree(path)
        print(f"  {tag:9} {path}: {n} files, {b / 1e6:.1f} MB")
for l, p in (("bare_syn", "synthetic"), ("bare_real", "real")):
    out = f"{work}/{l}.out"
    if os.path.exists(out):
        print(f"  bare_parse on {p}: {open(out).read().strip()}")
print()
print(f"{'run':48} {'wall s':>8} {'user s':>8} {'sys s':>8} {'cpu s':>8} {'RSS MB':>8}")
for l in labels:
    r = R[l]
    if r:
        print(f"{names[l]:48} {r['wall']:8.2f} {r['user']:8.2f} {r['sys']:8.2f} {r['cpu']:8.2f} {r['rss_mb']:8.1f}")
    else:
        rc, err = F[l][0]
        print(f"{names[l]:48} {'FAILED (exit ' + str(rc) + ')':>44}")
        for line in err:
            print(f"{'':50}{line[:100]}")

print()
print("targets")
rows = []
def ratio(num, den, key):
    if R.get(num) and R.get(den) and R[den][key] > 0:
        return R[num][key] / R[den][key]
    return None
if kh_note:
    print(f"  (keelhaul figures unusable: {kh_note})")
def row(what, value, target, ok, fmt="{:.2f}"):
    if kh_note:
        value = None
    mark = "n/a " if value is None else ("PASS" if ok(value) else "MISS")
    shown = "n/a" if value is None else fmt.format(value)
    print(f"  {mark}  {what:58} {shown:>8}   target {target}")

row("synthetic: keelhaul CPU / bare CPU (default threads)", ratio("kh_syn", "bare_syn", "cpu"), "<= 1.5", lambda v: v <= 1.5)
row("synthetic: keelhaul CPU / bare CPU (--threads 1)", ratio("kh_syn_t1", "bare_syn", "cpu"), "<= 1.5", lambda v: v <= 1.5)
row("synthetic: keelhaul wall / bare single-thread wall", ratio("kh_syn", "bare_syn", "wall"), "< 1", lambda v: v < 1)
row("synthetic: SARIF CPU / JSON CPU (the cost of SARIF)", ratio("kh_sarif", "kh_syn", "cpu"), "<= 1.5", lambda v: v <= 1.5)
row("synthetic: 10 admission policies CPU / without them", ratio("kh_policies", "kh_syn", "cpu"), "<= 1.3", lambda v: v <= 1.3)
if "kh_real" in labels:
    row("real: keelhaul CPU / bare CPU (default threads)", ratio("kh_real", "bare_real", "cpu"), "<= 1.5", lambda v: v <= 1.5)
    row("real: keelhaul wall / bare single-thread wall", ratio("kh_real", "bare_real", "wall"), "< 1", lambda v: v < 1)
kh_runs = [l for l in labels if l.startswith("kh_") and R[l]]
peak = max((R[l]["rss_max_mb"] for l in kh_runs), default=None)
row("peak RSS of any keelhaul run, MB", peak, "< 300", lambda v: v < 300, "{:.1f}")
for l in labels:
    if l.startswith("kh_"):
        v = R[l]["rss_max_mb"] if R[l] else None
        row(f"  peak RSS, {names[l].split(None, 1)[1]}, MB", v, "< 300", lambda v: v < 300, "{:.1f}")

print()
print("rendering (information, not a target)")
try:
    import json
    rep = json.load(open(f"{work}/kh_render.json"))
    counts = {}
    for f in rep["findings"]:
        if f.get("rendered"):
            counts[f["rendered"]["tool"]] = counts.get(f["rendered"]["tool"], 0) + 1
    print(f"  kustomize/kubectl: {os.environ.get('RENDERERS') or 'not found (overlays not rendered)'}")
    print(f"  mapped findings by tool: {counts}; KH010 render failures: {sum(1 for f in rep['findings'] if f['rule'] == 'KH010')}")
except Exception as e:
    print(f"  (no render report: {e})")
if R.get("kh_render") and R.get("kh_norender") and not kh_note:
    a, b = R["kh_norender"], R["kh_render"]
    print(f"  rendered / --no-render: wall {b['wall'] / a['wall']:.1f}x, CPU {b['cpu'] / a['cpu']:.1f}x"
          f" ({a['wall']:.2f} s -> {b['wall']:.2f} s wall; the difference is the renders, mostly the tools' own processes)")

print()
print("render cache (../shared/corpus with rendering on)")
import re
def notice_figures(label):
    """(render phase s, tools' CPU s, threads, run, from cache) of each saved report."""
    out = []
    for r in range(1, reps + 1):
        try:
            rep = json.load(open(f"{work}/{label}.out.{r}"))
        except Exception:
            continue
        for n in rep.get("notices", []):
            m = re.search(r"rendering took ([0-9.]+) s.*?(\d+) run, (\d+) from the render cache"
                          r"(?:.*?the tools used ([0-9.]+) s of CPU on (\d+) thread)?", n["message"])
            if n.get("file") == "<render>" and m:
                took, ran, cached, cpu, threads = m.groups()
                out.append((float(took), float(cpu) if cpu else None, int(threads or 0), int(ran), int(cached)))
    return out
import json
if "kh_real_warm" in labels and not kh_note:
    warm = notice_figures("kh_real_warm")
    if warm:
        print(f"  warm: {warm[0][3]} render(s) run, {warm[0][4]} from the cache")
    w = R["kh_real_warm"]["wall"] if R.get("kh_real_warm") else None
    row("real, warm render cache: wall, s", w, "<= 1.0", lambda v: v <= 1.0)
    row("real, warm render cache: wall / --no-render wall", ratio("kh_real_warm", "kh_real", "wall"), "<= 1.5", lambda v: v <= 1.5)
    cold = [c for c in notice_figures("kh_real_cold") if c[1]]
    if cold:
        ratios = [took / (cpu / threads) for took, cpu, threads, _, _ in cold if cpu > 0 and threads > 0]
        med = statistics.median(ratios) if ratios else None
        t = cold[len(cold) // 2]
        print(f"  cold: render phase {t[0]:.1f} s wall, the tools {t[1]:.1f} s of CPU on {t[2]} threads, {t[3]} run")
        row("real, no cache: render wall / (tools' CPU / threads)", med, "<= 1.1", lambda v: v <= 1.1)
    pr = os.environ.get("PR_SIM", "")
    if pr:
        print(f"  a pull request changing one overlay ({pr})")

print()
print("the cost of findings (issue 17: all rules on, the 20,000-file corpus, against the bare parse)")
row("synthetic: keelhaul CPU / bare CPU (--threads 1)", ratio("kh_syn_t1", "bare_syn", "cpu"), "<= 1.3", lambda v: v <= 1.3)
row("synthetic: keelhaul CPU / bare CPU (default threads)", ratio("kh_syn", "bare_syn", "cpu"), "<= 1.3", lambda v: v <= 1.3)
row("synthetic: peak RSS, MB", R["kh_syn"]["rss_max_mb"] if R.get("kh_syn") else None, "<= 64", lambda v: v <= 64, "{:.1f}")
row("synthetic: peak RSS / peak RSS of half the files (and findings)",
    ratio("kh_syn", "kh_small", "rss_mb"), "<= 1.1 (flat)", lambda v: v <= 1.1)

print()
print("memory scaling (information, not a target)")
ns, _ = tree(small) if os.path.isdir(small) else (0, 0)
nb, _ = tree(corpus)
if R.get("kh_small") and R.get("kh_syn") and not kh_note:
    a, b = R["kh_small"]["rss_mb"], R["kh_syn"]["rss_mb"]
    grow = b / a if a else float("inf")
    files_ratio = nb / ns if ns else float("nan")
    verdict = ("roughly flat: memory does not follow the number of files" if grow < 1.5
               else "grows with the number of files" if grow > 0.6 * files_ratio
               else "grows sub-linearly with the number of files")
    print(f"  {ns} files: {a:.1f} MB   {nb} files: {b:.1f} MB   RSS ratio {grow:.2f} for {files_ratio:.1f}x the files -> {verdict}")
else:
    print("  n/a (keelhaul runs failed)")
if R.get("kh_quiet_small") and R.get("kh_quiet") and not kh_note:
    a, b = R["kh_quiet_small"]["rss_mb"], R["kh_quiet"]["rss_mb"]
    print(f"  without findings: {ns} files: {a:.1f} MB   {nb} files: {b:.1f} MB   RSS ratio {b / a:.2f}"
          " (the rest: what the cross-resource rules keep of the objects they read, which --select KH001"
          " turns off, and findings held for suppressions, fixes or mapping; the others are streamed)")
PY

# Instruction counts do not depend on the machine's load: callgrind on a small corpus gives a
# ratio that is stable from run to run, unlike the timings above.
if [[ ${CALLGRIND:-1} == 1 ]] && command -v valgrind > /dev/null; then
    CG=$WORK/corpus-cg
    python3 bench/gen_corpus.py "$CG" --files "${CG_FILES:-2000}" --seed "$SEED" > /dev/null 2>&1
    count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
    bare_i=$(count "$BARE" "$CG")
    kh_i=$(count "$KH" scan "$CG" --format json --fail-on never --threads 1 --no-render)
    echo
    echo "instructions (callgrind, ${CG_FILES:-2000} synthetic files, one thread, --no-render as the synthetic rows)"
    python3 -c "import sys; b, k = int(sys.argv[1]), int(sys.argv[2]); print(f'  bare_parse {b:,}   keelhaul {k:,}   ratio {k / b:.2f}')" "$bare_i" "$kh_i"
fi
exit 0
