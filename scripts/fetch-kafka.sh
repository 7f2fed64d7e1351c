#!/usr/bin/env bash
# Makes Apache Kafka VERSION (2.8.2, 3.9.1, 4.1.1 or 4.4.0) available under .cache/kafka-VERSION/libs for the tests and
# benchmarks: the broker, its tools, MirrorMaker 2 and a log binding, as Maven resolves scripts/kafka/pom-VERSION.xml
# (every version pinned there). The jars come from Maven's registry through a repository kept under .cache/m2.
# Idempotent: once a fetch of the same pom completed, it prints the directory and exits without any network.
set -euo pipefail

version=${1:?usage: fetch-kafka.sh VERSION (2.8.2, 3.9.1, 4.1.1, 4.4.0)}
root=$(cd "$(dirname "$0")/.." && pwd)
pom="$root/scripts/kafka/pom-$version.xml"
[ -f "$pom" ] || { echo "fetch-kafka: no pom for Kafka $version (scripts/kafka/pom-$version.xml)" >&2; exit 2; }
cache="$root/.cache"
dest="$cache/kafka-$version"
stamp=$(sha256sum "$pom" | cut -d' ' -f1)

"$root/scripts/ensure-java.sh" >&2

if [ -f "$dest/complete" ] && [ "$(cat "$dest/complete")" = "$stamp" ]; then
    echo "$dest"
    exit 0
fi

"$root/scripts/ensure-maven.sh" >&2
mkdir -p "$cache"
# One fetch at a time per version (test binaries may start together).
exec 9>"$cache/kafka-$version.lock"
flock 9
if [ -f "$dest/complete" ] && [ "$(cat "$dest/complete")" = "$stamp" ]; then
    echo "$dest"
    exit 0
fi
work=$(mktemp -d "$cache/fetch-kafka.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$(date +%s)
if ! mvn -B -q -f "$pom" -Dmaven.repo.local="$cache/m2" dependency:copy-dependencies \
        -DoutputDirectory="$work/libs" >"$work/mvn.log" 2>&1; then
    tail -30 "$work/mvn.log" >&2
    echo "fetch-kafka: Maven could not resolve Kafka $version (see above)" >&2
    exit 1
fi
[ -n "$(ls "$work/libs"/kafka_2.13-"$version".jar 2>/dev/null)" ] \
    || { echo "fetch-kafka: the broker's jar is missing from what Maven resolved" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
mv "$work/libs" "$dest/libs"
echo "$stamp" >"$dest/complete"
echo "fetch-kafka: Kafka $version: $(ls "$dest/libs" | wc -l) jars in $(( $(date +%s) - started )) s" >&2
echo "$dest"
