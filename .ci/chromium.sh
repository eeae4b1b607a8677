#!/usr/bin/env bash
# Installs Debian's chromium for the web console's browser tests
# (internal/console, chromedp) when it is missing, with a font that has
# Chinese glyphs for the zh screenshots. Idempotent.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-droid-fallback >/dev/null
command -v chromium >/dev/null
