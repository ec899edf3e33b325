#!/bin/bash
# SPDX-License-Identifier: MIT
# fuzz.sh: builds the libFuzzer harnesses in tests/fuzz with clang
# (AddressSanitizer and UBSan on) and runs each for SECONDS (default 20).
#
#   contrib/fuzz.sh [SECONDS]
#
# The corpora live in build/fuzz/corpus-NAME and grow from run to run.
# Exit status 1 when a harness fails to build or finds a crash.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
SECS=${1:-20}
OUT=$ROOT/build/fuzz
mkdir -p "$OUT"
cd "$ROOT" || exit 1
# The build's config.h: FUZZ_CONFIG_DIR (make check-fuzz passes its build
# directory), else the first of build/plain, build/dev and the tree.
CFG=${FUZZ_CONFIG_DIR:-}
if [[ -z $CFG ]]; then
	for d in build/plain build/dev .; do
		[[ -f $d/config.h ]] && { CFG=$d; break; }
	done
fi
[[ -n $CFG && -f $CFG/config.h ]] || {
	echo "fuzz.sh: configure first (config.h is needed)"; exit 1; }
LIBSRC=()
for f in src/*.c; do
	[[ $f =~ /(webhookd|webhookctl|dispatcher|pool|fcgi_io)\.c$ ]] || LIBSRC+=("$f")
done
read -r -a CFLAGS <<<"$(pkg-config --cflags json-c libmariadb libcurl fcgi)"
read -r -a LIBS <<<"$(pkg-config --libs json-c libcurl uuid libgcrypt libmariadb nettle fcgi)"
rc=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	echo "== $name: build"
	if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -I"$CFG" \
		"${CFLAGS[@]}" "$src" "${LIBSRC[@]}" -o "$OUT/$name" "${LIBS[@]}" \
		>"$OUT/$name.build.log" 2>&1; then
		echo "   FAIL: cannot build $name (see $OUT/$name.build.log)"
		rc=1
		continue
	fi
	mkdir -p "$OUT/corpus-$name"
	echo "== $name: ${SECS}s"
	if "$OUT/$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$OUT/$name-" "$OUT/corpus-$name" \
		>"$OUT/$name.log" 2>&1; then
		echo "   ok: $(grep -E '^Done' "$OUT/$name.log" | tail -1)"
	else
		echo "   FAIL: $name found a problem:"
		tail -30 "$OUT/$name.log" | sed 's/^/   | /'
		rc=1
	fi
done
exit $rc
