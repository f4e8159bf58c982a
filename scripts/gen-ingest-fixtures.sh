#!/usr/bin/env bash
# gen-ingest-fixtures.sh regenerates the PDF and DOCX fixtures of
# ingest/document from the sources in ingest/document/testdata/src:
#   report.html -> report.pdf (Chromium, three pages, non-ASCII text);
#   report.pdf  -> encrypted-aes256.pdf, encrypted-rc4.pdf (user password
#                  "secret") and restricted.pdf (owner password only: opens
#                  without a password) with qpdf;
#   guide.md    -> guide.docx (pandoc: headings, a table, lists).
# It installs chromium, pandoc and qpdf from Debian when missing (as root or
# with sudo). The text fixtures (txt, md, json, csv, html) are kept by hand.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$repo/ingest/document/testdata
export DEBIAN_FRONTEND=noninteractive
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

log() { printf 'gen-ingest-fixtures: %s\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo -n "$@"
	else log "need root to run: $*"; exit 1
	fi
}

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v pandoc >/dev/null || missing+=(pandoc)
command -v qpdf >/dev/null || missing+=(qpdf)
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	as_root apt-get update -qq
	as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "report.pdf"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
	--no-pdf-header-footer --user-data-dir="$work/profile" \
	--print-to-pdf="$work/report.pdf" "file://$dir/src/report.html" 2>/dev/null
# Drop the document ID and dates so that the file only changes with its source.
qpdf --deterministic-id "$work/report.pdf" "$dir/report.pdf"

log "encrypted-aes256.pdf, encrypted-rc4.pdf, restricted.pdf"
qpdf --static-aes-iv --static-id --encrypt secret owner 256 -- "$dir/report.pdf" "$dir/encrypted-aes256.pdf"
qpdf --static-id --allow-weak-crypto --encrypt secret owner 128 --use-aes=n -- "$dir/report.pdf" "$dir/encrypted-rc4.pdf"
qpdf --static-id --allow-weak-crypto --encrypt "" owner 128 --use-aes=n --print=none -- "$dir/report.pdf" "$dir/restricted.pdf"

log "guide.docx"
pandoc --from markdown --to docx --output "$dir/guide.docx" "$dir/src/guide.md"

log "done"
