#!/usr/bin/env bash
# The providers' own SDKs for the interoperability tests, pinned exactly in each folder's
# package.json and package-lock.json: Alipay's official Node.js SDK (interop/alipay,
# alipay-sdk) and wechatpay-axios-plugin (interop/wechatpay). The tests compare
# Emporium's signatures with theirs byte for byte and exchange signed (and, for WeChat
# Pay, encrypted) notifications both ways (crates/payments/tests/*_interop.rs). And
# axe-core (interop/axe), which the browser suite injects into every page of its journeys
# (crates/server/tests/browser/harness.rs). Test tools only, never a dependency of the
# product. Needs Node 18+ and npm. Idempotent:
# `npm ci` is skipped while a folder's node_modules matches its lock file.
#
#   .ci/interop.sh            then: CI=true cargo test -p emporium-payments --test alipay_interop --test wechatpay_interop
set -euo pipefail
cd "$(dirname "$0")/.."

install() {
  local dir=$1 package=$2
  if [ -f "$dir/node_modules/.package-lock.json" ] && ! [ "$dir/node_modules/.package-lock.json" -ot "$dir/package-lock.json" ] \
    && node -e "require('./$dir/node_modules/$package/package.json')" 2>/dev/null; then
    echo "$package $(node -p "require('./$dir/node_modules/$package/package.json').version") is installed in $dir"
    return
  fi
  npm ci --prefix "$dir" --no-audit --no-fund
}

install interop/alipay alipay-sdk
install interop/wechatpay wechatpay-axios-plugin
install interop/axe axe-core
