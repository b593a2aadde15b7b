#!/usr/bin/env bash
# Discovery's two set-up commands on a fresh Debian machine, and one for maintainers:
#   ./run.sh demo   starts a local etcd in a temp folder, EchoServers and the EchoClient, then cleans up
#   ./run.sh test   builds Release with warnings as errors, packs the packages into artifacts/packages, and runs
#                   every test, one test project at a time
#   ./run.sh schema rewrites each package's ConfigurationSchema.json from its options and their XML docs
set -euo pipefail
cd "$(dirname "$0")"

need_packages() {
  local missing=()
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  /usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || missing+=(python3-grpcio)
  /usr/bin/python3 -c 'import etcd3' >/dev/null 2>&1 || missing+=(python3-etcd3)
  if [ "${1:-}" = test ]; then
    # The Go interop test builds a stock Go client of etcd's resolver in GOPATH mode from Debian's Go sources.
    command -v go >/dev/null 2>&1 || missing+=(golang-go)
    [ -d /usr/share/gocode/src/go.etcd.io/etcd/clientv3/naming/resolver ] || missing+=(golang-etcd-server-dev)
    [ -d /usr/share/gocode/src/google.golang.org/grpc/resolver ] || missing+=(golang-google-grpc-dev)
    # The CLI's watch test runs `discovery watch` in a real terminal.
    command -v tmux >/dev/null 2>&1 || missing+=(tmux)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

case "${1:-}" in
  test)
    need_packages test
    dotnet build Discovery.sln -c Release -warnaserror -nologo -v:q
    # What a release publishes: a .nupkg and a .snupkg per src project (tests/Discovery.Packaging.Tests packs its own
    # copy, with a version of its own, and checks it from the outside).
    dotnet pack Discovery.sln -c Release --no-build -warnaserror -nologo -v:q
    status=0
    log=$(mktemp)
    # One test project at a time: the integration tests start etcd and server processes, and 2 cores are enough
    # only when they do not compete.
    for project in tests/*.Tests/*.csproj; do
      # Minimal console verbosity: a failed test is printed with its message, stack and output.
      dotnet test "$project" -c Release --no-build --nologo --logger "console;verbosity=minimal" 2>&1 | tee -a "$log" || status=1
    done
    # Second scenario pass, under etcd auth with the least-privilege server/client/ops users (about 3 min; its
    # tests count again in the totals). Delete this line to drop the pass.
    DISCOVERY_SCENARIOS_AUTH=roles dotnet test tests/Discovery.Scenarios.Tests/Discovery.Scenarios.Tests.csproj -c Release --no-build --nologo --filter "AuthMode!=excluded" --logger "console;verbosity=minimal" 2>&1 | tee -a "$log" || status=1
    # Only the runner's summary lines count (a failed test's own output may say "Failed: 3").
    summaries=$(grep -E '^(Passed|Failed)! +- ' "$log" || true)
    passed=$(grep -oE 'Passed: +[0-9]+' <<<"$summaries" | awk '{s+=$2} END {print s+0}')
    failed=$(grep -oE 'Failed: +[0-9]+' <<<"$summaries" | awk '{s+=$2} END {print s+0}')
    skipped=$(grep -oE 'Skipped: +[0-9]+' <<<"$summaries" | awk '{s+=$2} END {print s+0}')
    rm -f "$log"
    echo "tests: $passed passed, $failed failed, $skipped skipped"
    exit $status
    ;;
  schema)
    # The schema tests write the files instead of failing on a stale one; the rest of the run checks them.
    for project in tests/Discovery.Etcd.Tests tests/Discovery.Hosting.Tests tests/Discovery.ClientFactory.Tests; do
      dotnet build "$project" -c Release -warnaserror -nologo -v:q
      DISCOVERY_UPDATE_SCHEMA=1 dotnet test "$project" -c Release --no-build --nologo \
        --filter "FullyQualifiedName~ConfigurationSchemaTests.ConfigurationSchema_CheckedInFile"
      dotnet test "$project" -c Release --no-build --nologo --filter "FullyQualifiedName~ConfigurationSchemaTests"
    done
    git status --short -- 'src/*/ConfigurationSchema.json'
    ;;
  demo)
    need_packages
    exec bash samples/demo.sh
    ;;
  *)
    echo "usage: ./run.sh demo | ./run.sh test | ./run.sh schema" >&2
    exit 2
    ;;
esac
