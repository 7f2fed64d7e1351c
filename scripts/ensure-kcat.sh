#!/usr/bin/env bash
# The benchmark compares get-offset with kcat -Q (Debian package kcat). Installs it when missing and allowed.
set -euo pipefail
if command -v kcat >/dev/null; then
    command -v kcat
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get install -y -qq kcat || { apt-get update -qq && apt-get install -y -qq kcat; }; } >&2
    command -v kcat
    exit 0
fi
echo "ensure-kcat: kcat is not installed and cannot be installed here" >&2
exit 1
