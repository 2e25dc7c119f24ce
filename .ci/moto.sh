#!/usr/bin/env bash
# The S3 server the media bucket's tests run against: moto in server mode, pinned, from
# PyPI, in a virtualenv under the target dir (<target-dir>/venv-moto), where the tests
# find `moto_server` (crates/testkit/src/moto.rs) and start one per test on a free port.
# Only S3's extra and the two web packages its server mode needs are installed, not
# `moto[server]`, which brings every AWS service's dependencies (about 1.5 min more here).
# Idempotent: a virtualenv with the pinned version is kept.
#
#   .ci/moto.sh                      then: cargo test -p emporium-app --test media_s3
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.5
TARGET_DIR=${CARGO_TARGET_DIR:-target}
VENV=$TARGET_DIR/venv-moto

if "$VENV/bin/python" -c "import flask, flask_cors, moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "moto $MOTO_VERSION is installed in $VENV"
  exit 0
fi
rm -rf "$VENV"
# Debian's python3 keeps venv in a package of its own.
python3 -m venv --help >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
}
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  "moto[s3]==$MOTO_VERSION" "flask==3.1.3" "flask-cors==6.0.5"
"$VENV/bin/python" -c "import moto; print('moto', moto.__version__, 'installed in $VENV')"
