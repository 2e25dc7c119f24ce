#!/usr/bin/env bash
# Schema fuzzing: schemathesis (pinned, from PyPI, in a virtualenv under the target dir)
# against the served /api/openapi.json of a real `emporium serve --demo`, once on a fresh
# SQLite data dir and once on a fresh PostgreSQL database, each time authenticated as the
# demo customer and as staff, with every phase (examples, coverage, fuzzing, stateful).
# Fails on any 5xx, any response that does not match the document, and any invalid input
# that is accepted. One worker: Hypothesis' lambda-source cache is not thread-safe (with
# two, schemathesis 4.32.5 sometimes fails with "AST constructor recursion depth
# mismatch"), and the server needs the other core anyway. Prints what was sent and what the server answered (from its /metrics).
#
#   .ci/schemathesis.sh                    both engines
#   FUZZ_ENGINES=sqlite .ci/schemathesis.sh
#   FUZZ_MAX_EXAMPLES=50 FUZZ_SEED=7 .ci/schemathesis.sh
#   FUZZ_BIN=path/to/emporium .ci/schemathesis.sh   skip the build
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
TARGET_DIR=${CARGO_TARGET_DIR:-target}
VENV=$TARGET_DIR/venv-schemathesis
ENGINES=${FUZZ_ENGINES:-sqlite postgres}
# Examples per operation in the fuzzing phase; the coverage phase adds its own set of
# boundary cases per operation. Chosen so one engine stays under ~6 minutes on 2 cores.
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-25}
SEED=${FUZZ_SEED:-20261202}
PG_ADMIN_URL=${FUZZ_POSTGRES_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_DB=emporium_fuzz
OUT=$TARGET_DIR/schemathesis
mkdir -p "$OUT"

say() { printf '\n== schemathesis: %s\n' "$*"; }

say "virtualenv $VENV (schemathesis $SCHEMATHESIS_VERSION)"
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
  rm -rf "$VENV"
  # Debian's python3 keeps venv in a package of its own.
  python3 -m venv --help >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  }
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$VENV/bin/schemathesis" --version

# FUZZ_BIN runs an already built binary instead (when iterating on the server).
BIN=${FUZZ_BIN:-}
if [ -z "$BIN" ]; then
  say "building emporium"
  cargo build --locked -p emporium-cli --bin emporium
  BIN=$TARGET_DIR/debug/emporium
fi

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
trap stop_server EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The JSON field `token` of a login answer.
login() {
  curl -fsS -H 'Content-Type: application/json' \
    -d "{\"username\":\"$2\",\"password\":\"$3\"}" "$1/api/v1/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# Requests the server counted under /api routes, and how many 5xx it answered in all
# (its own count, emporium_http_server_errors_total, which includes panics and the
# answers of layers outside the routes).
server_counts() {
  curl -fsS "$1/metrics" | python3 -c '
import re, sys
total = errors = 0
for line in sys.stdin:
    m = re.match(r"emporium_http_requests_total\{(.*)\} (\d+)", line)
    if m and "route=\"/api/" in m.group(1):
        total += int(m.group(2))
    m = re.match(r"emporium_http_server_errors_total\{.*\} (\d+)", line)
    if m:
        errors += int(m.group(1))
print(total, errors)'
}

# Checks: all of them, less those that cannot hold for this API by design:
# - positive_data_acceptance: some rules are not expressible in JSON Schema (text that is
#   blank or has control characters, limits counted after trimming, min_price ≤ max_price,
#   a refund above what is left, an order that does not hold the reviewed product, a
#   wrong current password), so schema-valid input may still be a 422; the document lists
#   that 422 for each operation that takes input.
# - use_after_free: DELETE /products/{id} archives (API.md: "kept in past orders"), and
#   staff still read an archived product by id, as documented; customers get the 404.
# - ensure_resource_availability: schemathesis infers a link product → POST
#   /products/{id}/reviews on its own, and reads the review's 404 for an `order_id` that
#   is not the caller's (`"order not found"`) as the new product being missing.
# - object_level_authorization needs two identities in one run; one user's data being a
#   404 to another is tested in crates/server/tests/api (the role × route matrix).
EXCLUDED_CHECKS=positive_data_acceptance,use_after_free,ensure_resource_availability,object_level_authorization

runs=0
failures=0
summary=()

fuzz_engine() {
  local engine=$1 data_dir port base database_url=() customer staff throwaway
  data_dir=$(mktemp -d "${TMPDIR:-/tmp}/emporium-fuzz-$engine.XXXXXX")
  port=$(free_port)
  base="http://127.0.0.1:$port"
  if [ "$engine" = postgres ]; then
    psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB"
    database_url=(--database-url "postgres://postgres@127.0.0.1:5432/$PG_DB")
  fi
  say "$engine: emporium serve --demo on $base (data dir $data_dir)"
  # The lowest bcrypt cost: the fuzzer registers and logs in many times.
  # Write limits off: the fuzzer sends thousands of writes a minute from one address, and
  # a 429 would stop it from reaching the handlers (the limits have their own tests).
  EMPORIUM_WRITE_LIMIT_PER_ADDRESS=0 EMPORIUM_WRITE_LIMIT_PER_SESSION=0 \
  EMPORIUM_BCRYPT_COST=10 "$BIN" serve --demo --addr "127.0.0.1:$port" --data-dir "$data_dir" \
    "${database_url[@]}" >"$OUT/server-$engine.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server-$engine.log"; return 1; }
    sleep 1
  done
  curl -fsS "$base/readyz" >/dev/null
  customer=$(login "$base" demo demo-password)
  staff=$(login "$base" staff staff-password)
  # Logged in now: after fuzzing, the demo account may be locked out for a while by the
  # fuzzer's failed logins (that throttle is working as it should).
  throwaway=$(login "$base" demo demo-password)
  # Orders, a payment and a refund of the customer's own, so that the links the stateful
  # phase follows from lists (the first order, the first refund) have something to reach.
  python3 .ci/schemathesis_seed.py "$base" "$customer"

  local identity token before after
  for identity in customer staff; do
    if [ "$identity" = customer ]; then token=$customer; else token=$staff; fi
    read -r before _ < <(server_counts "$base")
    say "$engine as $identity"
    local status=0
    # Logging out would end the very session the run uses: it is fuzzed with a throwaway
    # token below instead. Blocking a customer (by any id the fuzzer tries) would block
    # the demo customer whose throwaway session the logout run needs; it has its stories
    # in crates/server/tests/api/staff.rs and its row in the matrix.
    "$VENV/bin/schemathesis" --config-file .ci/schemathesis.toml run "$base/api/openapi.json" \
      --header "Authorization: Bearer $token" \
      --phases examples,coverage,fuzzing,stateful \
      --checks all --exclude-checks "$EXCLUDED_CHECKS" \
      --exclude-path /api/v1/auth/logout \
      --exclude-path '/api/v1/customers/{id}/block' \
      --max-examples "$MAX_EXAMPLES" --seed "$SEED" \
      --workers 1 --no-color \
      --report junit,ndjson --report-dir "$OUT/$engine-$identity" \
      >"$OUT/$engine-$identity.log" 2>&1 || status=$?
    tail -n 25 "$OUT/$engine-$identity.log"
    read -r after errors < <(server_counts "$base")
    local sent=$((after - before))
    summary+=("$engine $identity: exit $status, $sent API requests, server 5xx so far: $errors")
    runs=$((runs + 1))
    if [ "$status" -ne 0 ] || [ "$errors" -ne 0 ]; then failures=$((failures + 1)); fi
  done

  # Logout with a session of its own, so its success ends nobody else's run.
  local status=0
  "$VENV/bin/schemathesis" --config-file .ci/schemathesis.toml run "$base/api/openapi.json" \
    --header "Authorization: Bearer $throwaway" --include-path /api/v1/auth/logout \
    --phases examples,coverage,fuzzing \
    --checks all --exclude-checks "$EXCLUDED_CHECKS" --max-examples 10 --seed "$SEED" --no-color \
    >"$OUT/$engine-logout.log" 2>&1 || status=$?
  summary+=("$engine logout: exit $status")
  runs=$((runs + 1))
  [ "$status" -eq 0 ] || { tail -n 25 "$OUT/$engine-logout.log"; failures=$((failures + 1)); }

  stop_server
  rm -rf "$data_dir"
}

for engine in $ENGINES; do
  fuzz_engine "$engine"
done

say "summary (logs and reports in $OUT)"
printf '  %s\n' "${summary[@]}"
echo "schemathesis: $((runs - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
