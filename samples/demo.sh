#!/usr/bin/env bash
# The Discovery demo: a local etcd in a temp folder, three EchoServers (two v1, one v2), the EchoClient and the ops
# CLI. Shows the registry (discovery list), calls spreading over the instances, a pause and a resume, a server leaving
# and a new one joining, a weight change, all under load with no failed call, discovery inspect finding a bad record,
# and a version filter; draws the load run as docs/demo-traffic.svg. Everything it starts is stopped and its folder
# removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "building the samples and the CLI"
for project in samples/EchoServer samples/EchoClient samples/DemoChart src/Discovery.Cli; do
  dotnet build "$project" -c Release -nologo -v:q >/dev/null
done
server_dll=samples/EchoServer/bin/Release/net10.0/EchoServer.dll
client_dll=samples/EchoClient/bin/Release/net10.0/EchoClient.dll
chart_dll=samples/DemoChart/bin/Release/net10.0/DemoChart.dll
cli_dll=src/Discovery.Cli/bin/Release/net10.0/Discovery.Cli.dll
# The picture of the load run, committed with the README; this script regenerates it.
chart=docs/demo-traffic.svg
mkdir -p docs

base=/tmp
[ -d /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/discovery-demo.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

client_port=$(free_port)
peer_port=$(free_port)
etcd_url="http://127.0.0.1:$client_port"
say "starting etcd on $etcd_url (data in $work)"
etcd --name demo --data-dir "$work/etcd" \
  --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "demo=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  ETCDCTL_API=3 etcdctl --endpoints "$etcd_url" endpoint health >/dev/null 2>&1 && break
  sleep 0.1
done
ETCDCTL_API=3 etcdctl --endpoints "$etcd_url" endpoint health

declare -A server_pid
start_server() { # id version
  dotnet "$server_dll" --urls http://127.0.0.1:0 \
    --Discovery:Etcd:Endpoints:0="$etcd_url" \
    --Discovery:Registration:ServiceName=echo \
    --Discovery:Registration:InstanceId="$1" \
    --Discovery:Registration:Version="$2" \
    --Discovery:Registration:LeaseTtl=00:00:05 >"$work/$1.log" 2>&1 &
  server_pid[$1]=$!
  pids+=($!)
}
registered() { ETCDCTL_API=3 etcdctl --endpoints "$etcd_url" get --prefix echo/ --keys-only | grep -c . || true; }
wait_registered() { # count
  for _ in $(seq 1 200); do [ "$(registered)" -eq "$1" ] && return 0; sleep 0.1; done
  echo "expected $1 registered instances, found $(registered)" >&2; return 1
}

say "starting EchoServers s1 (v1), s2 (v1), s3 (v2) on port 0"
start_server s1 v1; start_server s2 v1; start_server s3 v2
wait_registered 3
say "what etcd holds (etcd's Go naming format)"
ETCDCTL_API=3 etcdctl --endpoints "$etcd_url" get --prefix echo/

client() { dotnet "$client_dll" --service echo --Discovery:Etcd:Endpoints:0="$etcd_url" "$@" 2>>"$work/client.log"; }
# The ops CLI, as an operator runs it (tables; --output json for scripts).
discovery() { dotnet "$cli_dll" "$@" --endpoints "$etcd_url"; }
# Each event the chart shows: wall-clock seconds and a label.
event() { echo "$(date +%s.%N),$1" >>"$work/events.csv"; echo "-> $1"; }

say "the registry through the CLI: discovery list, then discovery list echo"
discovery list --output table
discovery list echo --output table

say "300 calls, concurrency 4, round_robin: even from the first call"
client --calls 300 --concurrency 4 --picker round_robin | tail -n 1

say "40 s of load (weighted_round_robin, concurrency 4) through a pause, a resume, a rolling change and a weight change"
client --duration 40 --concurrency 4 --picker weighted_round_robin --timeline "$work/calls.csv" >"$work/load.out" &
client_pid=$!
pids+=($client_pid)
sleep 5
event "pause s2"; discovery pause echo s2 --output table
sleep 6
event "resume s2"; discovery resume echo s2 --output table
sleep 6
event "s1 stops (SIGTERM)"; kill -TERM "${server_pid[s1]}"
sleep 4
event "s4 starts"; start_server s4 v1
sleep 7
event "weight s4 300"; discovery weight echo s4 300 --output table
wait "$client_pid" || true
tail -n 1 "$work/load.out"
discovery list echo --output table

say "discovery inspect finds a record a Go client would crash on (metadata as a JSON object)"
ETCDCTL_API=3 etcdctl --endpoints "$etcd_url" put echo/127.0.0.1:9 '{"Op":0,"Addr":"127.0.0.1:9","Metadata":{"id":"bad"}}' >/dev/null
set +e; discovery inspect echo --output table; inspect_status=$?; set -e
echo "inspect exit code: $inspect_status (non-zero: something was flagged)"
ETCDCTL_API=3 etcdctl --endpoints "$etcd_url" del echo/127.0.0.1:9 >/dev/null

say "only version v2"
client --calls 20 --version v2 | tail -n 1

say "pinned to instance s2"
client --calls 10 --instance s2 | tail -n 1

say "the chart of the 40 s run: $chart"
dotnet "$chart_dll" --timeline "$work/calls.csv" --events "$work/events.csv" --out "$chart"

say "done: stopping everything"
