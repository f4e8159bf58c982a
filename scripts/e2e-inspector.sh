#!/usr/bin/env bash
# End-to-end test through a real non-Go MCP client: the MCP Inspector CLI from
# npm drives the built `memory` binary over stdio. Each call starts a new
# server process on the same database, so this also checks that what one
# process stores the next one finds.
#
# Usage: scripts/e2e-inspector.sh [path/to/memory]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -z $bin ]]; then
  bin=$work/memory
  (cd "$here" && go build -o "$bin" ./cmd/memory)
fi
tools=${INSPECTOR_DIR:-$HOME/.cache/mcp-memory-e2e}
# Inspector 0.15.0 runs on Node 20; 2.x needs Node 22.
if [[ ! -x $tools/node_modules/.bin/mcp-inspector ]]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --silent @modelcontextprotocol/inspector@0.15.0 >/dev/null
fi
inspector=$tools/node_modules/.bin/mcp-inspector
db=$work/e2e.db
export MCP_MEMORY_SQLITE_PATH=$db

call() { "$inspector" --cli "$bin" server "$@"; }
fail() { echo "e2e: FAIL: $*" >&2; exit 1; }
passed=0
check() { # check NAME OUTPUT PATTERN
  if grep -q -- "$3" <<<"$2"; then passed=$((passed + 1)); else echo "$2" >&2; fail "$1: output lacks $3"; fi
}
refute() {
  if grep -q -- "$3" <<<"$2"; then echo "$2" >&2; fail "$1: output has $3"; else passed=$((passed + 1)); fi
}

out=$(call --method tools/list)
for t in memory_store memory_store_session memory_search memory_list memory_delete memory_update memory_cleanup memory_health memory_stats; do
  check "tools/list has $t" "$out" "\"$t\""
done
check "tools/list has output schemas" "$out" '"outputSchema"'

out=$(call --method tools/call --tool-name memory_store --tool-arg 'content=Our cat Miso sleeps in cardboard boxes' --tool-arg 'tags=pets,home')
check "store 1" "$out" 'Memory stored'
out=$(call --method tools/call --tool-name memory_store --tool-arg 'content=The production database is backed up every night' --tool-arg 'tags=ops,database')
check "store 2" "$out" 'Memory stored'
out=$(call --method tools/call --tool-name memory_store --tool-arg 'content=Lunch with the design team moved to Thursday' --tool-arg 'tags=work')
check "store 3" "$out" 'Memory stored'

out=$(call --method tools/call --tool-name memory_search --tool-arg 'query=where does the kitten nap' --tool-arg mode=semantic --tool-arg limit=1)
check "search by meaning" "$out" 'Miso'
out=$(call --method tools/call --tool-name memory_search --tool-arg 'tags=ops,work')
check "tags any" "$out" 'Found 2 memories'
out=$(call --method tools/call --tool-name memory_search --tool-arg 'tags=ops,database' --tool-arg tag_match=all)
check "tags all" "$out" 'Found 1 memories'
out=$(call --method tools/call --tool-name memory_search --tool-arg 'query=backup' --tool-arg 'time_expr=today')
check "time expression" "$out" 'backed up'
out=$(call --method tools/call --tool-name memory_search --tool-arg 'query=lunch' --tool-arg 'time_expr=last year')
check "time expression excludes" "$out" 'No memories found'

hash=$(call --method tools/call --tool-name memory_search --tool-arg 'query=design team lunch' --tool-arg limit=1 | grep -o '"content_hash": *"[0-9a-f]\{64\}"' | head -1 | grep -o '[0-9a-f]\{64\}')
[[ -n $hash ]] || fail "no hash found for the lunch memory"
out=$(call --method tools/call --tool-name memory_delete --tool-arg "content_hash=$hash")
check "delete" "$out" 'Deleted 1 memories'
out=$(call --method tools/call --tool-name memory_search --tool-arg 'query=design team' --tool-arg mode=exact)
check "deleted is gone" "$out" 'No memories found'

# The v8 names do the same.
out=$(call --method tools/call --tool-name store_memory --tool-arg 'content=Legacy v8 clients keep working' --tool-arg 'tags=legacy')
check "store_memory" "$out" 'Memory stored'
out=$(call --method tools/call --tool-name retrieve_memory --tool-arg 'query=old clients still work' --tool-arg n_results=1)
check "retrieve_memory" "$out" 'Legacy v8'
out=$(call --method tools/call --tool-name search_by_tag --tool-arg 'tags=legacy')
check "search_by_tag" "$out" 'Legacy v8'
out=$(call --method tools/call --tool-name recall_memory --tool-arg 'query=legacy clients today')
check "recall_memory" "$out" 'Legacy v8'
out=$(call --method tools/call --tool-name delete_by_tag --tool-arg 'tag=legacy')
check "delete_by_tag" "$out" 'Deleted 1 memories'
out=$(call --method tools/call --tool-name exact_match_retrieve --tool-arg 'content=Legacy v8')
check "v8 delete is gone" "$out" 'No memories found'

# Bad input is a tool error and writes nothing.
out=$(call --method tools/call --tool-name memory_search --tool-arg 'query=x' --tool-arg mode=psychic || true)
check "bad mode is an error" "$out" 'isError'
out=$(call --method tools/call --tool-name memory_list)
check "two memories remain" "$out" '"total": 2'

echo "e2e: $passed passed, 0 failed"
