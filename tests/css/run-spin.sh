#!/bin/sh
# Verify model/css/subchannel.pml exhaustively with Spin (safety: assertions
# and invalid end states) at two consumer budgets; fail on any error.
# usage: run-spin.sh SPIN CC MODEL.pml
set -eu
spin=$1 cc=$2 model=$3
dir=$(mktemp -d "${TMPDIR:-/tmp}/uvfio-spin-XXXXXX")
trap 'rm -rf "$dir"' EXIT
cp "$model" "$dir/model.pml"
cd "$dir"
for ops in 5 8; do
	"$spin" -DMAXOPS=$ops -a model.pml >spin.log 2>&1 ||
		{ cat spin.log; exit 1; }
	"$cc" -O2 -DSAFETY -o pan pan.c
	./pan -m1000000 >pan.log 2>&1 || true
	grep -E "errors:|states, stored" pan.log
	if ! grep -q "errors: 0" pan.log; then
		cat pan.log
		[ -f model.pml.trail ] && "$spin" -t -p model.pml | tail -40
		exit 1
	fi
	# A truncated search is not exhaustive.
	if grep -q "max search depth too small" pan.log; then
		echo "search depth exceeded"; exit 1
	fi
done
echo "model verified"
