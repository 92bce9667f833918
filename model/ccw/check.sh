#!/bin/sh
# Check the Spin models of the vfio-ccw mediated layer (model/ccw).
#
# usage: check.sh MODEL [SPIN [CC...]]
#   race_free        the uvfio design (src/ccw/fsm.c, the table of fsm.h):
#                    every configuration below must verify with 0 errors,
#                    exhaustively.
#   kernel_deferred  the upstream Linux design: Spin must find the HALT/CLEAR
#                    collision; passes iff it does and the replayed trail
#                    shows it (printed).
#   coverage         not a meson test: which paths of fsm.c the race_free
#                    model reaches (its reached(n) probes, listed in
#                    race_free.pml); fails if one is not as listed there.
# SPIN defaults to `spin`, CC to `cc`.  Exit 77 (skip) without spin.
set -u
model=${1:?usage: check.sh race_free|kernel_deferred|coverage [SPIN [CC...]]}
spin=${2:-spin}
if [ $# -ge 2 ]; then shift 2; else shift $#; fi
if [ $# -eq 0 ]; then set -- cc; fi
# "$@" is now the C compiler command (word-split on purpose below)

if ! command -v "$spin" >/dev/null 2>&1; then
	echo "spin not installed: skipped"
	exit 77
fi

src=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/uvfio-ccw-spin-XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1

# Safety search, exhaustive; 1 GB at most (pan stops rather than swap, and
# the check fails as incomplete).  COLLAPSE: states stored compressed.
# The deepest search is ~800 steps: -m100000 is ample.
PANCC="-O2 -DSAFETY -DCOLLAPSE -DMEMLIM=1024"
PANRUN="-m100000"

# gen NAME PML PANFLAGS SPINFLAGS...: spin -a and compile pan
gen() {
	gname=$1 gpml=$2 gpan=$3
	shift 3
	rm -f pan pan.* ./*.trail
	if ! "$spin" "$@" -a "$src/$gpml" >spin.log 2>&1; then
		cat spin.log
		echo "FAIL $gname: spin -a"
		exit 1
	fi
	if ! $CC $PANCC $gpan -o pan pan.c >cc.log 2>&1; then
		cat cc.log
		echo "FAIL $gname: compiling pan"
		exit 1
	fi
}
CC="$*"

# replay PML SPINFLAGS...: the trail's printf lines and failed assertions
replay() {
	rpml=$1
	shift
	"$spin" "$@" -k "$rpml.trail" -t "$src/$rpml" 2>&1 |
		sed -n '/^#processes/q;p' | sed 's/^ *//'
}

# verify NAME PANFLAGS [PANRUNFLAGS] -- SPINFLAGS...: must be error-free
verify() {
	vname=$1 vpan=$2 vrun=$3
	shift 4
	gen "$vname" race_free.pml "$vpan" "$@"
	start=$(date +%s)
	./pan $PANRUN $vrun >pan.log 2>&1
	end=$(date +%s)
	stored=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.log)
	mem=$(sed -n 's/^ *\([0-9]*\)\.[0-9]*	total actual memory usage.*/\1/p' pan.log)
	echo "$vname: $stored states, $((end - start)) s, $mem MB ($*)"
	if ! grep -q "errors: 0" pan.log; then
		cat pan.log
		[ -f race_free.pml.trail ] && replay race_free.pml "$@"
		echo "FAIL $vname: errors found"
		exit 1
	fi
	# a truncated search is not exhaustive
	if grep -qE "search depth too small|out of memory|memory limit|reached -DMEMLIM|Bit statespace" pan.log; then
		cat pan.log
		echo "FAIL $vname: search incomplete"
		exit 1
	fi
}

case $model in
race_free)
	# Bounds: see race_free.pml.  Environment: device gone (G), one
	# unsolicited status (U), a device that stops answering (H).
	verify env-all-3ops "" "" -- \
		-DLIFECYCLE=1 -DMAXOPS=3 -DGONE=1 -DUNSOL=1 -DHANG=2
	verify gone-unsol-4ops "" "" -- \
		-DLIFECYCLE=1 -DMAXOPS=4 -DGONE=1 -DUNSOL=1
	verify hang-5ops "" "" -- \
		-DLIFECYCLE=1 -DMAXOPS=5 -DHANG=2
	verify answering-6ops "" "" -- \
		-DLIFECYCLE=1 -DMAXOPS=6
	# No cycles at all (no progress labels: every cycle is a
	# non-progress cycle), so every run is finite and the quiescence
	# checks of `quiet` cover every run's end: that is the liveness
	# argument.
	PANCC="-O2 -DNP -DCOLLAPSE -DMEMLIM=1024"
	verify no-cycles-env-all-3ops "" "-l" -- \
		-DLIFECYCLE=1 -DMAXOPS=3 -DGONE=1 -DUNSOL=1 -DHANG=2
	echo "race_free: verified"
	;;
kernel_deferred)
	gen kernel_deferred kernel_deferred.pml "-DBFS"
	./pan $PANRUN >pan.log 2>&1
	grep -E "assertion violated|errors:|states, stored" pan.log
	if grep -q "errors: 0" pan.log || [ ! -f kernel_deferred.pml.trail ]; then
		cat pan.log
		echo "FAIL kernel_deferred: Spin found no counterexample"
		exit 1
	fi
	replay kernel_deferred.pml >trail.txt
	echo "--- shortest counterexample (spin -t) ---"
	echo "(requests: 3 START, 4 HALT, 5 CLEAR, 6 READ; fn: 1 start,"
	echo " 2 halt, 3 clear; state: 2 IDLE, 4 CP_PENDING)"
	sed '/Error: assertion violated/q' trail.txt
	echo "---"
	if ! grep -q "failed assertion: assert(!(clear_status_taken_as_end_of_later_start))" trail.txt ||
	   ! grep -q "failed assertion: assert(!(live_program_freed))" trail.txt ||
	   ! grep -q "CSCH -> cc 0" trail.txt ||
	   ! grep -q "SSCH program [0-9]* -> cc 0" trail.txt; then
		cat trail.txt
		echo "FAIL kernel_deferred: the trail is not the HALT/CLEAR collision"
		exit 1
	fi
	echo "kernel_deferred: collision found as expected (clear status ended a later start, live program freed)"
	;;
coverage)
	# Probe n (race_free.pml, reached(n)) is an assertion under -DPROBE=n:
	# a trail to it means the path is reachable.  Expected unreachable:
	# the list in race_free.pml; every other probe must be reached.
	flags="-DLIFECYCLE=1 -DMAXOPS=3 -DGONE=1 -DUNSOL=1 -DHANG=2"
	unreach=" $(sed -n 's/^ \* *unreachable probes: *//p' "$src/race_free.pml") "
	nprobes=$(grep -o 'reached([0-9]*)' "$src/race_free.pml" | tr -dc '0-9\n' | sort -n | tail -1)
	bad=0
	n=1
	while [ "$n" -le "$nprobes" ]; do
		gen "probe-$n" race_free.pml "" -DPROBE=$n $flags
		./pan $PANRUN >pan.log 2>&1
		if grep -q "assertion violated ($n!=$n)" pan.log; then
			got=reached
		elif grep -q "errors: 0" pan.log &&
		     ! grep -qE "out of memory|reached -DMEMLIM" pan.log; then
			got=unreached
		else
			cat pan.log
			echo "FAIL probe $n: the search failed"
			exit 1
		fi
		case $unreach in
		*" $n "*) want=unreached ;;
		*) want=reached ;;
		esac
		[ "$got" = "$want" ] || bad=1
		echo "probe $n: $got$([ "$got" = "$want" ] || echo " (listed: $want)")"
		n=$((n + 1))
	done
	[ $bad -eq 0 ] || { echo "FAIL coverage: probes not as listed in race_free.pml"; exit 1; }
	echo "coverage: as listed ($flags)"
	;;
*)
	echo "unknown model $model"
	exit 2
	;;
esac
