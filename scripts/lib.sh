# Shared by the end-to-end scripts: source it after setting NAME (the
# prefix of messages) and with the binary's path (or nothing) in $1.
# Sets here, bin, work; cleans up daemons and files on exit; provides
# fail and start_daemon.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "$NAME: FAIL: $*" >&2; exit 1; }
if [[ -z $bin ]]; then
  bin=$work/memory
  (cd "$here" && go build -o "$bin" ./cmd/memory)
fi

# start_daemon LOG [VAR=value…]: runs `memory server --http` on a free
# port with the given environment, its log in $work/LOG.log, and sets
# $url to its base URL.
start_daemon() {
  local log=$work/$1.log; shift
  env "$@" "$bin" server --http --port 0 >"$log" 2>&1 &
  pids+=($!)
  url=
  for _ in $(seq 100); do
    url=$(grep -o 'serving http://[0-9.:]*' "$log" | head -1 | cut -d' ' -f2 || true)
    [[ -n $url ]] && return 0
    sleep 0.1
  done
  cat "$log" >&2
  fail "the daemon ($log) did not start"
}
