#!/usr/bin/env bash
# `make demo`: runs the tools for real against an embedded development broker (librdkafka's mock cluster,
# three brokers on loopback, topics with timestamped messages), then stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/debug"
out=$(mktemp)
"$bin/dev-broker" --brokers 3 --topic orders:6:20 --topic payments:3:5 --topic __consumer_offsets:2:0 >"$out" 2>&1 &
broker=$!
cleanup() {
    local rc=$?
    kill $broker 2>/dev/null || true
    wait $broker 2>/dev/null || true
    rm -f "$out"
    exit $rc
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    [ -s "$out" ] && break
    kill -0 $broker 2>/dev/null || { cat "$out" >&2; exit 1; }
    sleep 0.1
done
bootstrap=$(head -1 "$out")
echo "dev-broker: 3 mock brokers at $bootstrap"

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
