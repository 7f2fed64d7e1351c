#!/usr/bin/env bash
# The Kafka test brokers (0.9.0.1 from npm; 2.8, 3.9, 4.1 and 4.4 from Maven's registry) and Kafka's own tools, the
# tests' reference, need a Java runtime: 17 or newer (Kafka 4's broker needs 17); the streams-group tests compile a
# small Kafka Streams application, which needs javac. Installs Debian's headless JDK 17 when either is missing and we
# are allowed to (root with apt-get).
set -euo pipefail

major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}
if command -v java >/dev/null && command -v javac >/dev/null && [ "$(major)" -ge 17 ] 2>/dev/null; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ensure-java: no Java 17+ JDK (java and javac) found, installing openjdk-17-jdk-headless" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >&2
    exit 0
fi
echo "ensure-java: a Java 17+ JDK is needed to run the Kafka test brokers and Kafka's tools; install one" >&2
exit 1
