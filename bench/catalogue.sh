#!/usr/bin/env bash
# Catalogue benchmark: loads N demo products into a fresh database, serves it, and
# measures search latency, product detail and listing throughput with wrk.
#
#   bench/catalogue.sh [sqlite|postgres] [PRODUCTS]
#
# Needs `wrk` (Debian package). PostgreSQL: postgres://postgres@127.0.0.1:5432, a fresh
# database emporium_bench is created. Results are printed; BENCHMARKS.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."
engine="${1:-sqlite}"
products="${2:-100000}"
addr=127.0.0.1:18181
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }

cargo build --release --quiet
bin=target/release/emporium
data=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
export EMPORIUM_DATA_DIR="$data" RUST_LOG=warn
if [ "$engine" = postgres ]; then
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS emporium_bench" -c "CREATE DATABASE emporium_bench"
  export EMPORIUM_DATABASE_URL=postgres://postgres@127.0.0.1:5432/emporium_bench
fi

echo "== $engine: loading $products demo products"
/usr/bin/time -f "   load: %e s, peak RSS %M KB" $bin demo --products "$products"

start=$(date +%s%N)
$bin serve --addr "$addr" > "$data/serve.log" 2>&1 &
server=$!
until curl -sf "http://$addr/readyz" >/dev/null; do sleep 0.05; done
echo "   ready (including the first index build) after $(( ($(date +%s%N) - start) / 1000000 )) ms"

run() { # name, connections, script, path
  echo "== $1 (-c$2)"
  PRODUCTS=$products wrk -t"$(( $2 < 2 ? 1 : 2 ))" -c"$2" -d10s --latency -s "bench/wrk/$3" "http://$addr$4" \
    | grep -E "Requests/sec|Latency  |50%|99%|Non-2xx|Socket errors"
}
echo "== HTTP reference: /healthz (-c64, fixed path)"
wrk -t2 -c64 -d10s --latency "http://$addr/healthz" | grep -E "Requests/sec|50%|99%"
run "product detail" 64 detail.lua /
run "listing" 64 listing.lua /
run "search, latency at 1 connection" 1 search.lua /
run "search throughput" 64 search.lua /
echo "== server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2, $3}')"
