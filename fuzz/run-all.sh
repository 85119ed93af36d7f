#!/usr/bin/env bash
# Runs every fuzz target in turn, one process each (-jobs=1), RUNS executions per target
# (default 1,000,000), on the stable toolchain with `--sanitizer none`, and prints libFuzzer's
# final stats and the wall time of each. See docs/fuzzing.md.
#
#   fuzz/run-all.sh                 # all targets, 1,000,000 runs each
#   RUNS=10000000 fuzz/run-all.sh base_url
set -euo pipefail
cd "$(dirname "$0")"
RUNS="${RUNS:-1000000}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_responses session_id_path base_url webhook_verify)
cargo fuzz build --sanitizer none
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  start=$(date +%s)
  if cargo fuzz run "$t" --sanitizer none "corpus/$t" "seeds/$t" -- \
      -runs="$RUNS" -jobs=1 -print_final_stats=1 > "fuzz-$t.log" 2>&1; then
    result=ok
  else
    result="CRASH (see fuzz-$t.log and artifacts/$t/)"; status=1
  fi
  # With -jobs=1 libFuzzer writes the worker's own output to fuzz-0.log.
  [ -f fuzz-0.log ] && cat fuzz-0.log >> "fuzz-$t.log" && rm -f fuzz-0.log
  echo "== $t: $result in $(( $(date +%s) - start ))s"
  grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)' "fuzz-$t.log" | sort -u || true
done
exit $status
