#!/usr/bin/env bash
# Browser tests and PNG export use Debian's chromium (never a downloaded browser).
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null \
    && exit 0
  echo "warning: could not install chromium" >&2
else
  echo "warning: chromium is not installed (sudo apt-get install chromium); browser tests will be skipped" >&2
fi
# Outside CI the browser tests skip with a reason; in CI they fail loudly.
exit 0
