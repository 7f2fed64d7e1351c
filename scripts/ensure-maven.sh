#!/usr/bin/env bash
# The Kafka jars of the tests are fetched with Maven (scripts/fetch-kafka.sh). Installs Debian's maven when none is
# found and we are allowed to (root with apt-get).
set -euo pipefail

if command -v mvn >/dev/null && mvn -v >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ensure-maven: no Maven found, installing Debian's maven" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >&2
    exit 0
fi
echo "ensure-maven: Maven (mvn) is needed to fetch the Kafka test brokers from Maven's registry; install it" >&2
exit 1
