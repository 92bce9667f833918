#!/bin/sh
# Run uvfiod under valgrind through a client session (info, I/O, two
# clients in sequence, a client that leaves mid-message) and require no
# definite leaks and no errors.
set -e
UVFIOD=$1; UVFIOCTL=$2
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
D=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$D"' EXIT
valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
	--log-file="$D/vg.log" "$UVFIOD" --device mem,socket="$D/s",size=1M > "$D/out" &
PID=$!
for i in $(seq 200); do grep -q ready "$D/out" 2>/dev/null && break; sleep 0.05; done
grep -q ready "$D/out"
"$UVFIOCTL" info "$D/s" > /dev/null
"$UVFIOCTL" write "$D/s" 0 0 0102030405060708
"$UVFIOCTL" read "$D/s" 0 0 8 > /dev/null
"$UVFIOCTL" info "$D/s" --json > /dev/null
# A client that sends half a header and leaves.
python3 -c "
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b'\x01\x00\x01\x00'); s.close()" "$D/s"
"$UVFIOCTL" info "$D/s" > /dev/null
kill -TERM $PID
wait $PID; rc=$?
cat "$D/vg.log" | grep -E "definitely lost|ERROR SUMMARY" || true
[ $rc -eq 0 ] || { cat "$D/vg.log"; exit 1; }
grep -q "ERROR SUMMARY: 0 errors" "$D/vg.log"
