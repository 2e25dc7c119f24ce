#!/usr/bin/env bash
# Web pages, counted in instructions: what each page view costs the server, measured
# with valgrind's callgrind, for one or more builds on copies of one demo database.
# Instruction counts do not move with the machine's load (other builds, a noisy
# neighbour), which wall-clock rates on a shared 2-core machine do by a quarter; the
# server's background jobs still run during the count, so repeat a run to see the noise.
#
#   bench/pages-callgrind.sh SEED_DIR BIN [BIN...]    VIEWS (default 60), WARM (default 20)
#
# SEED_DIR is a data directory made by `emporium demo` (copied, never changed); every
# BIN must be able to open it (made by the oldest). Logged in as the demo shopper.
# Needs valgrind (Debian package) and curl.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bench/pages-callgrind.sh SEED_DIR BIN [BIN...]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "install valgrind (apt-get install valgrind)" >&2; exit 1; }
seed=$1; shift
views=${VIEWS:-60}; warm=${WARM:-20}
addr=127.0.0.1:18190
export RUST_LOG=warn
pages=(/ /products "/products?category=Electronics" "/products?q=%E6%89%8B%E6%9C%BA" /products/5 /cart /orders ORDER)
for bin in "$@"; do
  work=$(mktemp -d)
  cp -a "$seed" "$work/data"
  # Counting starts switched off: only the views below are counted.
  EMPORIUM_DATA_DIR="$work/data" valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$work/cg.out" "$bin" serve --addr "$addr" > "$work/serve.log" 2>&1 &
  vg=$!
  until curl -sf "http://$addr/readyz" >/dev/null; do sleep 0.5; done
  jar="$work/cookies"
  csrf=$(curl -s -c "$jar" -b "$jar" "http://$addr/login" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -s -c "$jar" -b "$jar" -o /dev/null -H "origin: http://$addr" \
    --data-urlencode "csrf=$csrf" --data-urlencode username=demo --data-urlencode password=demo-password "http://$addr/login"
  cookie=$(sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF >= 7 { printf "%s=%s; ", $6, $7 }')
  order=$(curl -s -H "cookie: $cookie" "http://$addr/orders" | grep -o 'href="/orders/[0-9]*"' | head -1 | sed 's/href="//; s/"$//')
  sleep 5 # the search index catches up after a start
  for page in "${pages[@]}"; do
    path=${page/ORDER/$order}
    for _ in $(seq "$warm"); do curl -s -o /dev/null -H "cookie: $cookie" "http://$addr$path"; done
    callgrind_control -i on $vg >/dev/null 2>&1
    callgrind_control -z $vg >/dev/null 2>&1
    for _ in $(seq "$views"); do curl -s -o /dev/null -H "cookie: $cookie" "http://$addr$path"; done
    callgrind_control -d $vg >/dev/null 2>&1
    callgrind_control -i off $vg >/dev/null 2>&1
    sleep 0.5
    dump=$(ls -t "$work"/cg.out* | head -1)
    total=$(grep -E '^(summary|totals):' "$dump" | head -1 | awk '{print $2}')
    bytes=$(curl -s -H "cookie: $cookie" "http://$addr$path" | wc -c)
    printf "%-28s %-34s %10d instructions/view %7d bytes\n" "$(basename "$(dirname "$bin")")/$(basename "$bin")" "$page" $((total / views)) "$bytes"
    rm -f "$dump"
  done
  kill $vg; wait $vg 2>/dev/null || true
  rm -rf "$work"
done
