#!/usr/bin/env bash
# Installs the pinned wechatpay-axios-plugin for the WeChat Pay interoperability test
# (crates/payments/tests/wechatpay_interop.rs), exactly as package-lock.json says.
# Idempotent: `npm ci` removes and reinstalls interop/wechatpay/node_modules each run.
# Then: CI=true cargo test -p emporium-payments --test wechatpay_interop
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix interop/wechatpay --no-audit --no-fund
