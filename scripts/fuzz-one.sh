#!/bin/sh
# Run one libFuzzer target for $2 seconds from the seed corpus $3 (left
# untouched: new inputs go to a scratch directory).
set -e
exe=$1; secs=$2; seeds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# libFuzzer exits 77 on a crash by default, which meson reads as "skipped".
"$exe" -max_total_time="$secs" -print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="$work/" "$work" "$seeds"
