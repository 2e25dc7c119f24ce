#!/usr/bin/env bash
# Web pages benchmark: the server time of the shopper's pages, logged in as the demo
# shopper, for one or more builds of the binary on copies of the same demo database
# (made by the first binary), alternating builds round by round so drift hits all alike.
#
#   bench/pages.sh BIN [BIN...]        e.g. bench/pages.sh /tmp/base/emporium target/release/emporium
#
# Needs `wrk` (Debian package) and curl. Prints requests/s and the median latency per
# page at 4 connections; BENCHMARKS.md records them.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/pages.sh BIN [BIN...]" >&2; exit 2; }
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
rounds="${ROUNDS:-3}"
addr=127.0.0.1:18182
work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export RUST_LOG=warn

echo "== making the demo database with $1"
EMPORIUM_DATA_DIR="$work/seed" "$1" demo > "$work/seed.log" 2>&1

pages=(/ /products "/products?category=Electronics" "/products?q=%E6%89%8B%E6%9C%BA" /products/5 /cart /orders ORDER)
for round in $(seq "$rounds"); do
  for bin in "$@"; do
    rm -rf "$work/data" && cp -a "$work/seed" "$work/data"
    EMPORIUM_DATA_DIR="$work/data" "$bin" serve --addr "$addr" > "$work/serve.log" 2>&1 &
    server=$!
    until curl -sf "http://$addr/readyz" >/dev/null; do sleep 0.1; done
    jar="$work/cookies"
    rm -f "$jar"
    csrf=$(curl -s -c "$jar" -b "$jar" "http://$addr/login" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
    curl -s -c "$jar" -b "$jar" -o /dev/null -H "origin: http://$addr" \
      --data-urlencode "csrf=$csrf" --data-urlencode username=demo --data-urlencode password=demo-password "http://$addr/login"
    cookie=$(sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF >= 7 { printf "%s=%s; ", $6, $7 }')
    order=$(curl -s -H "cookie: $cookie" "http://$addr/orders" | grep -o 'href="/orders/[0-9]*"' | head -1 | sed 's/href="//; s/"$//')
    # Warm the caches the way a running shop has them.
    for page in "${pages[@]}"; do
      path=${page/ORDER/$order}
      curl -s -o /dev/null -H "cookie: $cookie" "http://$addr$path"
    done
    for page in "${pages[@]}"; do
      path=${page/ORDER/$order}
      out=$(wrk -t1 -c4 -d"${SECONDS_PER_PAGE:-6}"s --latency -H "cookie: $cookie" "http://$addr$path")
      rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
      p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
      bad=$(echo "$out" | awk '/Non-2xx/ { print " non-2xx: " $NF }')
      printf "round %s  %-28s %-34s %10s req/s  p50 %s%s\n" "$round" "$(basename "$(dirname "$bin")")/$(basename "$bin")" "$page" "$rps" "$p50" "$bad"
    done
    kill $server; wait $server 2>/dev/null || true
  done
done
