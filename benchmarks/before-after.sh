#!/usr/bin/env bash
# Benchmark ratios of two checked-out trees in one run: the same JMH cases (lcl4j and its peer in
# the same fork) from each tree's own benchmarks jar, the trees alternating case set by case set,
# ROUNDS times, so that machine drift hits both alike. Used for issue 14's "behaviour does not
# change" check (a refactor must leave the ratios where they were).
#
#   benchmarks/before-after.sh BEFORE_DIR AFTER_DIR [OUT_DIR]
#
# Each tree must have been built first (from its root):
#   mvn -B -q package -Dmaven.test.skip=true -Dlcl4j.ctest.skip=true -Dlcl4j.cuda=OFF -Dinvoker.skip=true -pl benchmarks -am
# Run on an idle machine. Prints one table: case, tree, round, ours, peer, ratio.
set -euo pipefail
before=${1:?BEFORE_DIR}; after=${2:?AFTER_DIR}; out=${3:-/tmp/before-after}
rounds=${ROUNDS:-2}
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
for d in "$before" "$after"; do
  [[ -f $d/benchmarks/target/lcl4j-benchmarks.jar ]] || { echo "no benchmarks jar in $d (build it first)" >&2; exit 2; }
done

# case name | JMH include regex | JMH parameters
cases=(
  "attention fwd+bwd causal B4 H8 L1024 D64|AttentionBench\.forwardBackward$|-p impl=lcl4j,sdpa -p seqLen=1024 -p headDim=64 -p causal=true -p tokens=4096"
  "attention fwd causal B4 H8 L1024 D64|AttentionBench\.forward$|-p impl=lcl4j,sdpa -p seqLen=1024 -p headDim=64 -p causal=true -p tokens=4096"
  "attention fwd+bwd full B16 H8 L256 D64|AttentionBench\.forwardBackward$|-p impl=lcl4j,sdpa -p seqLen=256 -p headDim=64 -p causal=false -p tokens=4096"
  "infonce fwd+bwd N8192 D512|InfoNceBench\.forwardBackward$|-p impl=lcl4j,libtorch -p n=8192"
  "LCL step lcl-tiny|StepBench\.step$|-p impl=fused,libtorch -p config=lcl-tiny"
)

{ lscpu | grep -E 'Model name|^CPU\(s\)'
  echo "ISA flags: $(grep -o -w -E 'avx2|fma|avx512f|avx512bw|avx512vl|avx512_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  echo "before: $before ($(git -C "$before" rev-parse --short HEAD))"
  echo "after:  $after ($(git -C "$after" rev-parse --short HEAD))"
  date -u; uptime; } | tee "$out/machine.txt"

for r in $(seq 1 "$rounds"); do
  for side in before after; do
    dir=$before; [[ $side == after ]] && dir=$after
    for i in "${!cases[@]}"; do
      IFS='|' read -r name regex params <<<"${cases[$i]}"
      echo "[before-after] round $r $side: $name"
      # shellcheck disable=SC2086
      java -cp "$dir/benchmarks/target/lcl4j-benchmarks.jar:$dir/benchmarks/target/lib/*" org.openjdk.jmh.Main \
        "$regex" -f 1 -wi 1 -w 1s -i 6 -r 1s $params -rf json -rff "$out/r$r-$side-$i.json" > "$out/r$r-$side-$i.log" 2>&1
    done
  done
done

python3 - "$out" "$rounds" "${#cases[@]}" <<'PY'
import json, sys
out, rounds, ncases = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names = {}
print("| case | tree | round | ours (ms) | peer (ms) | ratio ours/peer |")
print("|---|---|---|---|---|---|")
for i in range(ncases):
    for side in ("before", "after"):
        for r in range(1, rounds + 1):
            rows = json.load(open(f"{out}/r{r}-{side}-{i}.json"))
            score = {x["params"]["impl"]: x["primaryMetric"]["score"] for x in rows}
            ours = score.get("lcl4j", score.get("fused"))
            peer = [v for k, v in score.items() if k not in ("lcl4j", "fused")][0]
            bench = rows[0]["benchmark"].split(".")[-2:]
            p = rows[0]["params"]
            label = ".".join(bench) + " " + " ".join(f"{k}={v}" for k, v in sorted(p.items()) if k != "impl")
            print(f"| {label} | {side} | {r} | {ours:.2f} | {peer:.2f} | {ours / peer:.3f} |")
PY
