#!/usr/bin/env bash
# Alipay's official Node.js SDK (alipay-sdk, pinned exactly in interop/alipay/package.json
# and its package-lock.json) for the interoperability test, which compares Emporium's
# signatures with the SDK's byte for byte (crates/payments/tests/alipay_interop.rs).
# Needs Node 18+ and npm. Idempotent: `npm ci` is skipped while node_modules matches
# the lock file (npm writes node_modules/.package-lock.json after an install).
#
#   .ci/interop_alipay.sh            then: CI=true cargo test -p emporium-payments --test alipay_interop
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=interop/alipay
if [ -f "$DIR/node_modules/.package-lock.json" ] && ! [ "$DIR/node_modules/.package-lock.json" -ot "$DIR/package-lock.json" ] \
  && node -e "require('./$DIR/node_modules/alipay-sdk/package.json')" 2>/dev/null; then
  echo "alipay-sdk $(node -p "require('./$DIR/node_modules/alipay-sdk/package.json').version") is installed in $DIR"
  exit 0
fi
npm ci --prefix "$DIR" --no-audit --no-fund
