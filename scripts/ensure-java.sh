#!/usr/bin/env bash
# Kafka 0.9.0.1 (test broker and the reference GetOffsetShell) needs a Java runtime.
# Installs Debian's headless JRE when none is found and we are allowed to (root with apt-get).
set -euo pipefail

if command -v java >/dev/null && java -version >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ensure-java: no Java runtime found, installing openjdk-17-jre-headless" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >&2
    exit 0
fi
echo "ensure-java: Java 11+ is needed to run the Kafka 0.9.0.1 test broker; install a JRE" >&2
exit 1
