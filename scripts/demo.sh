#!/usr/bin/env bash
# `make demo`: runs the tools for real against embedded development brokers (librdkafka's mock cluster, three
# brokers on loopback, topics with timestamped messages; a second one as the new cluster of a migration), then
# stops them. The binaries are in target/debug (`make demo` builds them first).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${OFFSET_TOOLS_BIN:-$root/target/debug}"
out=$(mktemp)
new_out=$(mktemp)
"$bin/dev-broker" --brokers 3 --topic orders:6:20 --topic payments:3:5 --topic __consumer_offsets:2:0 >"$out" 2>&1 &
broker=$!
# The new cluster of the migration: the same records (a copy), under the same names.
"$bin/dev-broker" --brokers 1 --topic orders:6:20 >"$new_out" 2>&1 &
new_broker=$!
cleanup() {
    local rc=$?
    kill $broker $new_broker 2>/dev/null || true
    wait $broker $new_broker 2>/dev/null || true
    rm -f "$out" "$new_out"
    exit $rc
}
trap cleanup EXIT
for file in "$out" "$new_out"; do
    for _ in $(seq 1 100); do
        [ -s "$file" ] && break
        kill -0 $broker 2>/dev/null && kill -0 $new_broker 2>/dev/null || { cat "$out" "$new_out" >&2; exit 1; }
        sleep 0.1
    done
done
bootstrap=$(head -1 "$out")
new_bootstrap=$(head -1 "$new_out")
echo "dev-broker: 3 mock brokers at $bootstrap; the new cluster of the migration at $new_bootstrap"

show() {
    echo
    echo "\$ $*"
    set +e
    "$@"
    local code=$?
    set -e
    echo "(exit code $code)"
}

cd "$bin"
show ./get-offset --bootstrap-server "$bootstrap" --topic orders
show ./get-offset --bootstrap-server "$bootstrap" --topic-partitions 'orders:0-2,payments' --time earliest
show ./get-offset --bootstrap-server "$bootstrap" --exclude-internal-topics --format csv
show ./get-offset --bootstrap-server "$bootstrap" --topic payments --format json
show ./get-offset --bootstrap-server "$bootstrap" --topic nosuch
show ./get-offset --bootstrap-server "$bootstrap" --topic orders --time yesterday

echo
echo "--- reset-offsets: plan (dry run), execute, then the get-offset | reset-offsets pipeline"
echo "    (the development broker cannot describe groups, hence the Warn: line; real brokers can)"
show ./reset-offsets --bootstrap-server "$bootstrap" --group billing --topic orders:0,1 --to-offset 7 --dry-run
show ./reset-offsets --bootstrap-server "$bootstrap" --group billing --topic orders --to-offset 25 --execute
show ./reset-offsets --bootstrap-server "$bootstrap" --group billing --topic orders --shift-by -5 --execute --export
echo
echo "\$ ./get-offset --bootstrap-server \$B --topic payments --time earliest --format csv | ./reset-offsets --bootstrap-server \$B --group audit --from-file - --execute"
./get-offset --bootstrap-server "$bootstrap" --topic payments --time earliest --format csv \
    | ./reset-offsets --bootstrap-server "$bootstrap" --group audit --from-file - --execute
echo "(exit code $?)"
show ./reset-offsets --bootstrap-server "$bootstrap" --group billing --topic nosuch --to-earliest --execute

echo
echo "--- migrate-groups: billing from the first cluster to the second, which holds a copy of its records"
show ./migrate-groups --from "$bootstrap" --to "$new_bootstrap" --group billing --topic orders --by-record
show ./migrate-groups --from "$bootstrap" --to "$new_bootstrap" --group billing --topic orders --by-record --execute
show ./migrate-groups --from "$bootstrap" --to "$new_bootstrap" --group billing --topic orders --to-earliest
