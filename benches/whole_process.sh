#!/usr/bin/env bash
# Whole-process benchmarks of btyd against lifetimes 0.11.3 (see benches/README.md).
#
# usage: bash benches/whole_process.sh DIR [RUNS]
#   DIR   a scratch folder for the generated inputs and outputs (several GB with the 100M log)
#   RUNS  runs per command (default 5); each figure is the median, with GNU time's peak RSS
#
# Needs GNU time (/usr/bin/time) and, for the lifetimes side, a virtual environment at
# $LIFETIMES_VENV (default DIR/venv, created when missing: pip install "setuptools<82"
# lifetimes==0.11.3 pandas). Set SKIP_LIFETIMES=1 to time btyd alone, SKIP_100M=1 to skip the
# 2.5 GB log.
set -euo pipefail
dir=${1:?usage: whole_process.sh DIR [RUNS]}
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
cargo build --release --quiet --manifest-path "$here/../Cargo.toml" --bin btyd --example gen
target=$(cargo metadata --format-version 1 --no-deps --manifest-path "$here/../Cargo.toml" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
btyd=$target/release/btyd
gen=$target/release/examples/gen

cd "$dir"
[ -f s1m.csv ] || "$gen" summary 1000000 1 s1m.csv
[ -f s10m.csv ] || "$gen" summary 10000000 2 s10m.csv
[ -f log10m.csv ] || "$gen" log 10000000 1000000 3 log10m.csv
if [ -z "${SKIP_100M:-}" ]; then
    [ -f log100m.csv ] || "$gen" log 100000000 10000000 4 log100m.csv
fi

# time_it NAME CMD...: RUNS runs, prints the median wall seconds and peak RSS (MB).
time_it() {
    local name=$1
    shift
    local out=()
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o time.txt "$@" >/dev/null 2>&1
        out+=("$(cat time.txt)")
    done
    printf '%s\n' "${out[@]}" | python3 -c '
import statistics, sys
rows = [line.split() for line in sys.stdin if line.strip()]
wall = statistics.median(float(r[0]) for r in rows)
rss = statistics.median(int(r[1]) for r in rows) / 1024
print(f"{sys.argv[1]:<44} {wall:8.2f} s {rss:8.0f} MB  ({len(rows)} runs)")' "$name"
}

echo "command                                      median wall   peak RSS"
"$btyd" fit s1m.csv --model bg-nbd -o bg1m.json >/dev/null 2>&1
"$btyd" fit s1m.csv --model gamma-gamma -o gg1m.json >/dev/null 2>&1
time_it "btyd summary (10M rows)" "$btyd" summary log10m.csv -o sum10m.csv
[ -n "${SKIP_100M:-}" ] || time_it "btyd summary (100M rows)" "$btyd" summary log100m.csv -o sum100m.csv
time_it "btyd fit bg-nbd (1M customers)" "$btyd" fit s1m.csv --model bg-nbd -o bg1m.json
time_it "btyd fit gamma-gamma (1M customers)" "$btyd" fit s1m.csv --model gamma-gamma -o gg1m.json
time_it "btyd fit bg-nbd (10M customers)" "$btyd" fit s10m.csv --model bg-nbd -o bg10m.json
time_it "btyd predict --horizon 39 (1M)" "$btyd" predict bg1m.json s1m.csv --horizon 39 -o p1m.csv
time_it "btyd clv --horizon 52 (1M)" "$btyd" clv bg1m.json gg1m.json s1m.csv --horizon 52 \
    --discount-rate 0.1 --annual -o c1m.csv

[ -z "${SKIP_LIFETIMES:-}" ] || exit 0
venv=${LIFETIMES_VENV:-$dir/venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "setuptools<82" lifetimes==0.11.3 pandas
fi
py=$venv/bin/python
params=$(python3 -c 'import json; d = json.load(open("bg1m.json"))
print(" ".join(str(p["estimate"]) for p in d["parameters"]))')
time_it "lifetimes summary (10M rows)" "$py" "$here/lifetimes/summary.py" log10m.csv lt_sum10m.csv
time_it "lifetimes BetaGeoFitter (1M customers)" "$py" "$here/lifetimes/fit.py" s1m.csv bg-nbd
time_it "lifetimes GammaGammaFitter (1M customers)" "$py" "$here/lifetimes/fit.py" s1m.csv gamma-gamma
# shellcheck disable=SC2086
time_it "lifetimes predict, 39 weeks (1M)" "$py" "$here/lifetimes/predict.py" s1m.csv $params 39 lt_p1m.csv
