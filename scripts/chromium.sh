#!/usr/bin/env bash
# Sourced by test.sh: makes sure Debian's Chromium and ChromeDriver are present for the web console's browser test
# (tests/Executables/WebConsole). Installs both when missing and this runs as root with apt-get; otherwise says what
# is missing, and the browser test fails naming it.

concord_ensure_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    return 0
  fi

  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== Chromium: installing (apt-get install chromium chromium-driver)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-upgrade chromium chromium-driver >/dev/null 2>&1 \
      || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-upgrade chromium chromium-driver >/dev/null 2>&1; } \
      || { echo "test.sh: could not install Chromium" >&2; return 1; }
    return 0
  fi

  echo "test.sh: /usr/bin/chromium and /usr/bin/chromedriver are missing and cannot be installed here (needs root and apt-get);" >&2
  echo "test.sh: install Debian's chromium and chromium-driver, or the web console's browser test fails." >&2
  return 1
}
