#!/bin/sh
# The demo behind `make run`: two daemons, each with a ccw disk (sharing
# one image file, as shared storage), a PCI DMA device and a mem device; a
# client doing channel I/O on the disk and register/memory I/O on the PCI
# device; live migrations of all three from the first daemon to the second.
set -e
B=${BUILD:-build}
D=$(mktemp -d /tmp/uvfio-demo.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT INT TERM
say() { printf '\n== %s\n' "$*"; }

start() {	# name
	mkdir -p "$D/$1"
	"$B/tools/uvfiod" \
		--device ccw-dasd,socket="$D/$1/ccw.sock",image="$D/disk.img",blocks=8192,devno=0.0.1234 \
		--device pci-dma,socket="$D/$1/pci.sock",mem=16M \
		--device mem,socket="$D/$1/mem.sock",size=16M > "$D/$1.out" &
	PIDS="$PIDS $!"
	for i in $(seq 100); do grep -q ready "$D/$1.out" 2>/dev/null && return 0; sleep 0.05; done
	echo "uvfiod $1 did not start"; exit 1
}

start src
start dst
say "two uvfiod daemons, each with a ccw-dasd (shared image $D/disk.img), a pci-dma and a mem device"
"$B/tools/uvfioctl" info "$D/src/ccw.sock"
"$B/tools/uvfioctl" info "$D/src/pci.sock"

say "channel I/O: write blocks 100-103 (Define Extent, Locate, Write chain), read block 101 back"
"$B/tools/uvfioctl" ccw "$D/src/ccw.sock" write 100 4
"$B/tools/uvfioctl" ccw "$D/src/ccw.sock" read 101 1 | head -2

say "pci-dma: enable memory space + bus master in config space, read the ID register (BAR0), write device memory (BAR2)"
"$B/tools/uvfioctl" write "$D/src/pci.sock" 7 4 0600
"$B/tools/uvfioctl" read "$D/src/pci.sock" 0 0 4
"$B/tools/uvfioctl" write "$D/src/pci.sock" 2 0x100 7063692d646d612d6d656d6f727921

say "pci-dma: live migration with pre-copy (BAR2 unmapped through the remap IRQ meanwhile)"
"$B/tools/uvfioctl" migrate "$D/src/pci.sock" "$D/dst/pci.sock" --precopy --progress
# Config space is the VMM's (external state, not in the stream): it
# restores it on the destination, then the memory reads back.
"$B/tools/uvfioctl" write "$D/dst/pci.sock" 7 4 0600
"$B/tools/uvfioctl" read "$D/dst/pci.sock" 2 0x100 16

say "mem device: write a marker, live-migrate it with pre-copy to the second daemon"
"$B/tools/uvfioctl" write "$D/src/mem.sock" 0 0x2000 757666696f2d6d6967726174656421
"$B/tools/uvfioctl" migrate "$D/src/mem.sock" "$D/dst/mem.sock" --precopy --progress
"$B/tools/uvfioctl" read "$D/dst/mem.sock" 0 0x2000 16

say "ccw disk: migrate its device state (the image is shared), then read on the destination"
"$B/tools/uvfioctl" migrate "$D/src/ccw.sock" "$D/dst/ccw.sock" --precopy
"$B/tools/uvfioctl" ccw "$D/dst/ccw.sock" read 101 1 | head -2
say "done"
