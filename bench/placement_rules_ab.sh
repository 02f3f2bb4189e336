#!/usr/bin/env bash
# bench/placement_rules_ab.sh - issue 11's placement measure for two builds side by side in one
# run: RunTask (count 10, concurrency 16) with and without memberOf + spread, each server with
# N instances in three zones, rows round robin so that outside load touches both alike.
#
#   BEFORE=path/to/old/ecsd AFTER=tmp/bench-build/ecsd bench/placement_rules_ab.sh
#
# (e.g. `git archive OLD | tar -x -C /tmp/old && make -C /tmp/old BUILD=tmp/bench-build OPT=-O2
# tmp/bench-build/ecsd`). Knobs: N (10000), D (s per row, 5), ROUNDS (3). Prints one line per row.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BEFORE:?path of the first ecsd}" "${AFTER:=tmp/bench-build/ecsd}"
D=${D:-5}; N=${N:-10000}; ROUNDS=${ROUNDS:-3}
LG=tmp/bench-build/loadgen
make -s -j"$(nproc)" BUILD=tmp/bench-build OPT=-O2 $LG
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
DB=$(mktemp -d /tmp/ecsd-ab.XXXXXX); DA=$(mktemp -d /tmp/ecsd-ab.XXXXXX)
for d in "$DB" "$DA"; do echo "AKIDBENCH bench-secret 000000000000" > "$d/credentials"; done
PORTB=$(free_port); PORTA=$(free_port)
"$BEFORE" server --listen 127.0.0.1:$PORTB --data-dir "$DB" --credentials "$DB/credentials" --agent-timeout 86400 \
    --log-level warn > "$DB/log" 2>&1 &
PB=$!
"$AFTER" server --listen 127.0.0.1:$PORTA --data-dir "$DA" --credentials "$DA/credentials" --agent-timeout 86400 \
    --log-level warn > "$DA/log" 2>&1 &
PA=$!
trap 'kill $PB $PA 2>/dev/null; wait $PB $PA 2>/dev/null; rm -rf "$DB" "$DA"' EXIT
for p in $PORTB $PORTA; do for _ in $(seq 100); do curl -sf http://127.0.0.1:$p/healthz >/dev/null && break; sleep 0.1; done; done
inst() {
    echo '{"cluster":"rules","totalResources":[{"name":"CPU","type":"INTEGER","integerValue":4096},{"name":"MEMORY","type":"INTEGER","integerValue":16384},{"name":"PORTS","type":"STRINGSET","stringSetValue":["22"]}],"attributes":[{"name":"ecs.availability-zone","value":"'"$1"'"}]}'
}
for p in $PORTB $PORTA; do
    $LG -p $p -t CreateCluster -b '{"clusterName":"rules"}' -n 1 >/dev/null
    for f in $(seq 1 $((ROUNDS * 2))); do
        $LG -p $p -t RegisterTaskDefinition -b '{"family":"f'$f'","containerDefinitions":[{"name":"a","image":"busybox","memory":16,"cpu":4}]}' -n 1 >/dev/null
    done
    for z in a b c; do $LG -p $p -t RegisterContainerInstance -b "$(inst $z)" -c 8 -n $((N / 3)) >/dev/null; done
done
RULES=',"placementConstraints":[{"type":"memberOf","expression":"attribute:ecs.availability-zone in [a, b]"}],"placementStrategy":[{"type":"spread","field":"attribute:ecs.availability-zone"},{"type":"spread","field":"instanceId"}]'
fam=0
echo "round server rules RunTask/s p50_ms p99_ms max_ms non200 load"
for r in $(seq 1 $ROUNDS); do
    for kind in none rules; do
        fam=$((fam + 1)); extra=""; [ $kind = rules ] && extra=$RULES
        for who in after before; do
            p=$PORTA; [ $who = before ] && p=$PORTB
            line=$($LG -p $p -t RunTask -b '{"cluster":"rules","taskDefinition":"f'$fam'","count":10'"$extra"'}' -c 16 \
                -d "$D" --csv)
            echo "$r $who $kind $(cut -d, -f4,5,7,8,9 <<<"$line" | tr , ' ') $(cut -d' ' -f1 /proc/loadavg)"
        done
    done
done
