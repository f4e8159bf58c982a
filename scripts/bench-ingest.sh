#!/usr/bin/env bash
# bench-ingest.sh measures document ingestion end to end through the CLI:
# it writes a 100-page manual as HTML (seeded pseudo-English prose), prints
# it to PDF with headless Chromium (a real PDF writer), then times
# `memory ingest` of the PDF alone and of the HTML into fresh databases,
# and prints pages/s and chunks/s.
#
#   scripts/bench-ingest.sh [path/to/memory]
#
# Needs chromium (apt-get install chromium). Nothing is kept.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -z $bin ]]; then
  bin=$work/memory
  (cd "$here" && go build -o "$bin" ./cmd/memory)
fi
command -v chromium >/dev/null || { echo "bench-ingest: chromium is not installed" >&2; exit 1; }

pages=100
awk -v pages=$pages 'BEGIN {
  srand(7)
  n = split("the pump station valve pressure winter generator fuel delivery lighthouse keeper storm lens logbook harbour museum night shift backup maintenance schedule inspection report engineer northern southern coastal weather record signal lamp automatic oil wick clockwork rotation beacon vessel captain crew", w, " ")
  print "<html><head><meta charset=\"utf-8\"><style>body{font-family:serif;font-size:11pt} h2{page-break-before:always}</style></head><body>"
  for (c = 1; c <= pages; c++) {
    printf "<h2>Chapter %d</h2>\n", c
    for (p = 0; p < 6; p++) {
      printf "<p>"
      for (s = 0; s < 5; s++) {
        k = 8 + int(rand() * 11)
        for (i = 0; i < k; i++) { x = w[1 + int(rand() * n)]; if (i == 0) x = toupper(substr(x, 1, 1)) substr(x, 2); printf "%s%s", x, (i < k - 1 ? " " : ". ") }
      }
      print "</p>"
    }
  }
  print "</body></html>"
}' >"$work/manual.html"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-pdf-header-footer \
  --print-to-pdf="$work/manual.pdf" "file://$work/manual.html" >/dev/null 2>&1

run() { # run NAME FILE: ingest FILE into a fresh database, print the figures
  local db=$work/$1.db t0 t1 out chunks ms
  t0=$(date +%s%N)
  out=$(MCP_MEMORY_SQLITE_PATH=$db "$bin" ingest "$2" 2>&1)
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
  chunks=$(grep 'files ingested' <<<"$out" | grep -o '[0-9]* stored,' | grep -o '[0-9]*')
  printf '%-5s %7d bytes  %5d ms (process start to exit)  %5d chunks  %7.0f chunks/s' \
    "$1" "$(stat -c %s "$2")" "$ms" "$chunks" "$(echo "$chunks * 1000 / $ms" | bc -l)"
  if [[ $1 == pdf ]]; then printf '  %5.0f pages/s' "$(echo "$pages * 1000 / $ms" | bc -l)"; fi
  echo
}
echo "memory ingest, $pages-page manual, built-in embedder, fresh SQLite database each:"
run pdf "$work/manual.pdf"
run html "$work/manual.html"
