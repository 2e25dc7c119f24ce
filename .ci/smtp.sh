#!/usr/bin/env bash
# The SMTP server the email tests send to: aiosmtpd, pinned, from PyPI, in a virtualenv
# under the target dir (<target-dir>/venv-smtp), where the tests find its python and run
# .ci/smtp_sink.py, one server per test on a free port (crates/testkit/src/smtp.rs).
# Idempotent: a virtualenv with the pinned version is kept.
#
#   .ci/smtp.sh                      then: cargo test -p emporium-server --test api -- messages::
set -euo pipefail
cd "$(dirname "$0")/.."

AIOSMTPD_VERSION=1.4.6
TARGET_DIR=${CARGO_TARGET_DIR:-target}
VENV=$TARGET_DIR/venv-smtp

if "$VENV/bin/python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
  echo "aiosmtpd $AIOSMTPD_VERSION is installed in $VENV"
  exit 0
fi
rm -rf "$VENV"
# Debian's python3 keeps venv in a package of its own.
python3 -m venv --help >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
}
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
"$VENV/bin/python" -c "import aiosmtpd; print('aiosmtpd', aiosmtpd.__version__, 'installed in $VENV')"
