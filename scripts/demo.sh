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
lab=""
cleanup() {
    local rc=$?
    if [ -n "$lab" ]; then
        exec 7>&-
        wait "$lab" 2>/dev/null || true
        rm -rf "$lab_dir"
    fi
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
show ./migrate-groups --from "$bootstrap" --to "$new_bootstrap" --group billing --topic orders --to-earliest
echo "(refused, as it should be: --to-earliest says nothing was copied, so billing's unread records would stay behind)"
show ./migrate-groups --from "$bootstrap" --to "$new_bootstrap" --group billing --topic orders --by-record
show ./migrate-groups --from "$bootstrap" --to "$new_bootstrap" --group billing --topic orders --by-record --execute

# The runbook of docs/migration-guide.md, on two real Kafka 4.4 brokers (the embedded ones above cannot create
# topics or describe groups). kafka-lab stops them when its stdin, a pipe this script holds, closes.
echo
echo "--- The migration runbook (docs/migration-guide.md) between two Kafka 4.4 clusters started here"
lab_dir=$(mktemp -d)
mkfifo "$lab_dir/stdin"
exec 7<>"$lab_dir/stdin"
# (7>&-: the lab and its brokers must not hold the pipe's writing end themselves)
"$bin/kafka-lab" start orders:3 <"$lab_dir/stdin" >"$lab_dir/out" 2>"$lab_dir/err" 7>&- &
lab=$!
until [ -s "$lab_dir/out" ]; do
    kill -0 $lab 2>/dev/null || { cat "$lab_dir/err" >&2; exit 1; }
    sleep 0.2
done
read -r old new <"$lab_dir/out"
echo "Kafka 4.4: the old cluster at $old (topic orders, 3 partitions), the new one at $new"
since=$((($(date +%s) - 3600) * 1000))
produce() { "$bin/kafka-lab" produce "$1" orders 3 "$2" "$3" "$since"; }
produce "$old" 0 40
echo "The producers wrote 40 records to each partition of orders on the old cluster; billing's consumers have read 30"
echo "(their commits are played by reset-offsets here):"
./reset-offsets --bootstrap-server "$old" --group billing --topic orders --to-offset 30 --execute >/dev/null

echo
echo "1. Create the topics on the new cluster"
show ./copy-topics --from "$old" --to "$new" --execute
echo
echo "2. Copy the records (MirrorMaker 2 in the guide; played by kafka-lab here: the same 40 records), then switch the"
echo "   producers: their first 5 records per partition go to the new cluster"
produce "$new" 0 40
produce "$new" 1000 5
echo
echo "3. Let the consumers drain the old cluster: billing still has 10 records to read on each partition"
show ./describe-groups --bootstrap-server "$old" --describe --group billing
show ./migrate-groups --from "$old" --to "$new" --group billing --by-record
echo "(a dry run: billing could move now, at the copy of its next record; but its consumers still read the old cluster)"
echo
echo "4. Move billing as soon as it has drained: migrate-groups waits, and its consumers read the rest meanwhile"
echo "\$ ./migrate-groups --from \$OLD --to \$NEW --group billing --by-record --execute --wait-drained --wait-interval 500"
./migrate-groups --from "$old" --to "$new" --group billing --by-record --execute --wait-drained --wait-interval 500 7>&- &
waiting=$!
sleep 2
echo "(billing's consumers read the last 10 records of each partition and commit)"
./reset-offsets --bootstrap-server "$old" --group billing --topic orders --to-latest --execute >/dev/null
set +e
wait $waiting
code=$?
set -e
echo "(exit code $code)"
echo
echo "5. Restart billing's consumers on the new cluster: they start at the switched producers' first record"
show ./describe-groups --bootstrap-server "$new" --describe --group billing
