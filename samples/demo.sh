#!/usr/bin/env bash
# The Discovery demo: a local etcd in a temp folder, three EchoServers (two v1, one v2) and the EchoClient.
# Shows calls spreading over the instances, a server leaving and a new one joining with no failed call,
# and a version filter. Everything it starts is stopped and its folder removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "building the samples"
dotnet build samples/EchoServer -c Release -nologo -v:q >/dev/null
dotnet build samples/EchoClient -c Release -nologo -v:q >/dev/null
server_dll=samples/EchoServer/bin/Release/net10.0/EchoServer.dll
client_dll=samples/EchoClient/bin/Release/net10.0/EchoClient.dll

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

client() { dotnet "$client_dll" --service echo --Discovery:Etcd:Endpoints:0="$etcd_url" "$@" 2>"$work/client.log"; }

say "300 calls, concurrency 4, round_robin: even from the first call"
client --calls 300 --concurrency 4 --picker round_robin | tail -n 1

say "a rolling change under load: s1 leaves (SIGTERM), s4 joins; the client runs 12 s at concurrency 4"
client --duration 12 --concurrency 4 >"$work/rolling.out" &
client_pid=$!
pids+=($client_pid)
sleep 3
echo "-> SIGTERM s1"; kill -TERM "${server_pid[s1]}"
sleep 3
echo "-> starting s4 (v1)"; start_server s4 v1
wait "$client_pid" || true
cat "$work/rolling.out"

say "only version v2"
client --calls 20 --version v2 | tail -n 1

say "pinned to instance s2"
client --calls 10 --instance s2 | tail -n 1

say "done: stopping everything"
