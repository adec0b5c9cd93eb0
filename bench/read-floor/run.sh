#!/bin/bash
# The read floor (issue 17): what the cheapest possible client pays per event, for comparison with
# the server's cost per event. A C client (client.c: epoll + read into one buffer, no parsing beyond
# counting lines) holds N raw-TCP streams to tcp-floor; the server broadcasts RATE events/s for
# SECONDS; both CPU times are read from the kernel. Not part of npm test (needs a C compiler).
#   bash bench/read-floor/run.sh [clients=1000] [rate=50] [seconds=5]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
clients=${1:-1000} rate=${2:-50} secs=${3:-5}
work=$(mktemp -d)
trap 'kill $spid 2>/dev/null || true; rm -rf "$work"' EXIT
cc -O2 -o "$work/client" "$root/bench/read-floor/client.c"
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
PORT=$port node --import tsx "$root/servers/node/tcp-floor.ts" >/dev/null 2>&1 &
spid=$!
until curl -sf "127.0.0.1:$port/healthz" >/dev/null; do sleep 0.05; done
mkfifo "$work/go"
"$work/client" "$port" "$clients" "$(echo "$secs + 1.5" | bc)" < "$work/go" > "$work/out" 2>/dev/null &
cpid=$!
exec 3>"$work/go"
sleep 1.5
tick=$(getconf CLK_TCK)
s0=$(awk '{print $14+$15}' /proc/$spid/stat)
echo go >&3
count=$((rate * secs))
curl -s -XPOST "127.0.0.1:$port/control/broadcast" -d "{\"rate\":$rate,\"count\":$count,\"bytes\":128,\"event\":\"e\"}" >/dev/null
sleep "$(echo "$secs + 1.6" | bc)"
s1=$(awk '{print $14+$15}' /proc/$spid/stat)
wait $cpid
events=$((count * clients))
echo "client: $(cat "$work/out")"
echo "server: cpu_us=$(( (s1 - s0) * 1000000 / tick )) per_event_us=$(echo "scale=2; ($s1 - $s0) * 1000000 / $tick / $events" | bc) (events=$events)"
