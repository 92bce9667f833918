#!/bin/sh
# The demo behind `make run`: a daemon with the test device, uvfioctl on it.
set -e
B=${BUILD:-build}
D=$(mktemp -d /tmp/uvfio-demo.XXXXXX)
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$D"' EXIT INT TERM
"$B/tools/uvfiod" --device mem,socket="$D/mem.sock",size=1M > "$D/uvfiod.out" &
PID=$!
for i in $(seq 50); do grep -q ready "$D/uvfiod.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$D/uvfiod.out" || { echo "uvfiod did not start"; exit 1; }
echo "== uvfiod serving a mem device at $D/mem.sock"
echo "== uvfioctl info"
"$B/tools/uvfioctl" info "$D/mem.sock"
echo "== uvfioctl write region 0 offset 0x10: 75766669 6f21"
"$B/tools/uvfioctl" write "$D/mem.sock" 0 0x10 757666696f21
echo "== uvfioctl read region 0 offset 0 size 32"
"$B/tools/uvfioctl" read "$D/mem.sock" 0 0 32
