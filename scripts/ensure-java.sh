#!/usr/bin/env bash
# The Kafka test brokers (0.9.0.1 from npm; 2.8, 3.9 and 4.1 from Maven's registry) and Kafka's own tools, the
# tests' reference, need a Java runtime: 17 or newer (Kafka 4's broker needs 17). Installs Debian's headless JDK 17
# when none is found and we are allowed to (root with apt-get).
set -euo pipefail

major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}
if command -v java >/dev/null && [ "$(major)" -ge 17 ] 2>/dev/null; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ensure-java: no Java 17+ runtime found, installing openjdk-17-jdk-headless" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >&2
    exit 0
fi
echo "ensure-java: Java 17+ is needed to run the Kafka test brokers and Kafka's tools; install a JDK" >&2
exit 1
