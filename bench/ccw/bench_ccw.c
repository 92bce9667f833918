/* SPDX-License-Identifier: MIT */
/*
 * bench-ccw - 4 KiB FBA reads per second through the whole ccw-dasd path,
 * against a floor measured in the same run.
 *
 *   device  uvfiod (a separate process) with a ccw-dasd on a temporary
 *           image.  One op = uvf_client_ccw_fba_rw(read, 8 x 512 bytes):
 *           I/O region write (ORB: Define Extent + Locate + 8 data-chained
 *           Reads) -> translation -> SSCH on the simulated channel -> the
 *           worker runs the program (pread of the image) -> doorbell ->
 *           TSCH on the loop -> IRB into the region -> I/O eventfd ->
 *           region read of the IRB -> data copied out of guest memory.
 *   floor   the same client calls (uvf_client_ccw_start + _wait_irb) with
 *           byte-identical messages, answered by a do-nothing peer process
 *           over a socketpair: two socket round trips plus an eventfd
 *           signal (the peer writes the eventfd after answering the region
 *           write, as the device does when status arrives).
 *
 * ratio = time per op / floor time per op (goal: <= 1.5).
 *
 * Pinning: by default this process, the daemon and the floor peer all run
 * on one CPU (sched_setaffinity before forking; children inherit it;
 * --no-pin to turn it off).  On a virtual machine a wake-up on another vCPU
 * costs tens of microseconds (an IPI and a halted vCPU to schedule), and
 * the scheduler's wake-affine placement co-locates the floor's two
 * processes but not the daemon's threads (loop, subchannel worker), so an
 * unpinned ratio measures where threads landed rather than uvfio.  On one
 * CPU both sides pay same-CPU context switches only; the device path still
 * has one more thread hop than the floor (the subchannel worker), which is
 * part of what is measured.
 *
 *   bench-ccw [--uvfiod PATH] [--iters N] [--no-pin]
 *
 * Prints a table and one JSON line.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uvfio/client.h>
#include <uvfio/vfio-user.h>

#include "proto/proto.h"
#include "../common/bench.h"
#include "../common/peer.h"
#include "spawn.h"

#define BS	512u
#define NBLK	8u	/* 4 KiB */
#define BLOCKS	4096u	/* 2 MiB image */

static pid_t start_daemon(const char *uvfiod, const char *sock, const char *image)
{
	char arg[512];
	const char *args[] = { "--log-level", "error", "--device", arg, NULL };

	snprintf(arg, sizeof(arg), "ccw-dasd,socket=%s,image=%s,blocks=%u,blksize=%u", sock,
		 image, BLOCKS, BS);
	return uvf_spawn_uvfiod(uvfiod, args);
}

struct result {
	double ops_per_s;
	uint64_t med, p99;
	double switches;	/* context switches per op, both processes */
};

struct series {
	uint64_t *t;		/* per-op latencies */
	int n;
	uint64_t total;		/* wall time of all rounds */
	uint64_t switches;	/* context switches of both processes */
};

/* Voluntary + involuntary context switches of every thread of pid. */
static uint64_t ctxsw(pid_t pid)
{
	char path[320], line[256];
	uint64_t sum = 0;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned long long v;

			if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
			    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
				sum += v;
		}
		fclose(f);
	}
	closedir(d);
	return sum;
}

static void summarize(struct series *s, struct result *r)
{
	qsort(s->t, (size_t)s->n, sizeof(*s->t), cmp_u64);
	r->med = s->t[s->n / 2];
	r->p99 = s->t[(s->n * 99) / 100];
	r->ops_per_s = (double)s->n * 1e9 / (double)s->total;
	r->switches = (double)s->switches / (double)s->n;
}

/* The ORB uvf_client_ccw_fba_rw sends (the same bytes on the wire). */
static void fba_orb(uint8_t orb[12])
{
	memset(orb, 0, 12);
	orb[0] = 0x12, orb[1] = 0x34, orb[2] = 0x56, orb[3] = 0x78;
	orb[5] = 0x80 | 0x40 | 0x02;
	orb[6] = 0xff;
	orb[8] = (uint8_t)(UVF_CLIENT_CCW_IOVA >> 24);
	orb[9] = (uint8_t)(UVF_CLIENT_CCW_IOVA >> 16);
	orb[10] = (uint8_t)(UVF_CLIENT_CCW_IOVA >> 8);
	orb[11] = (uint8_t)UVF_CLIENT_CCW_IOVA;
}

/* n ops; floor: cc is the fake device (start + wait_irb), else real reads. */
static int round_of(struct uvf_client_ccw *cc, bool floor, int n, uint8_t *buf,
		    struct series *s, pid_t other)
{
	uint8_t orb[12], irb[96] = { 0 };
	uint64_t sw = s ? ctxsw(getpid()) + ctxsw(other) : 0;
	uint64_t t0, all = now_ns();
	static uint32_t block;
	int e = 0;

	fba_orb(orb);
	for (int i = 0; i < n; i++) {
		t0 = now_ns();
		if (floor) {
			if ((e = uvf_client_ccw_start(cc, orb)) ||
			    (e = uvf_client_ccw_wait_irb(cc, irb, 10000)))
				break;
		} else {
			block = (block + NBLK) % BLOCKS;
			if ((e = uvf_client_ccw_fba_rw(cc, false, block, NBLK, buf, irb)))
				break;
		}
		if (s)
			s->t[s->n++] = now_ns() - t0;
	}
	if (e) {
		fprintf(stderr, "bench-ccw: %s failed: %s (dstat %02x cstat %02x)\n",
			floor ? "floor" : "read", strerror(-e), irb[8], irb[9]);
		return -1;
	}
	if (s) {
		s->total += now_ns() - all;
		s->switches += ctxsw(getpid()) + ctxsw(other) - sw;
	}
	return 0;
}

/* Interleaved rounds, so both paths see the same background load. */
static int measure(struct uvf_client_ccw *cc, struct uvf_client_ccw *fc, int iters,
		   uint8_t *buf, pid_t dpid, pid_t ppid, struct result *dev, struct result *flo)
{
	const int rounds = 20, per = iters / rounds;
	struct series d = { .t = malloc(sizeof(uint64_t) * (size_t)iters) };
	struct series f = { .t = malloc(sizeof(uint64_t) * (size_t)iters) };
	int r = -1;

	if (!d.t || !f.t)
		goto out;
	if (round_of(cc, false, iters / 10, buf, NULL, dpid) ||
	    round_of(fc, true, iters / 10, buf, NULL, ppid))
		goto out;	/* warm up */
	for (int i = 0; i < rounds; i++)
		if (round_of(cc, false, per, buf, &d, dpid) || round_of(fc, true, per, buf, &f, ppid))
			goto out;
	summarize(&d, dev);
	summarize(&f, flo);
	r = 0;
out:
	free(d.t);
	free(f.t);
	return r;
}

int main(int argc, char **argv)
{
	const char *uvfiod = getenv("UVFIOD") ? getenv("UVFIOD") : UVFIOD_DEFAULT;
	char sock[128], image[128];
	int iters = 20000, sv[2], efd, ret = 1;
	struct uvf_client *dc = NULL, *fcl = NULL;
	struct uvf_client_ccw cc, fc;
	struct result dev, flo;
	bool pin = true, cc_open = false;
	uint8_t w[NBLK * BS], rd[NBLK * BS];
	pid_t dpid, ppid;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-pin"))
			pin = false;
		else if (!strcmp(argv[i], "--uvfiod") && i + 1 < argc)
			uvfiod = argv[++i];
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench-ccw [--uvfiod PATH] [--iters N] [--no-pin]\n");
			return 2;
		}
	}
	if (iters < 200)
		iters = 200;
	if (pin)
		bench_pin_cpu0("bench-ccw: sched_setaffinity");	/* children inherit it */
	snprintf(sock, sizeof(sock), "/tmp/uvfio-bench-ccw-%d.sock", getpid());
	snprintf(image, sizeof(image), "/tmp/uvfio-bench-ccw-%d.img", getpid());
	unlink(image);
	dpid = start_daemon(uvfiod, sock, image);
	if (dpid < 0)
		goto out_image;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		goto out_daemon;
	ppid = fork();
	if (ppid == 0) {
		close(sv[0]);
		bench_floor_peer(sv[1], efd, 65536);
	}
	close(sv[1]);
	/* connect_fd owns sv[0] from here on, also on failure. */
	if (uvf_client_connect_fd(sv[0], NULL, &fcl) || uvf_client_connect(sock, NULL, &dc)) {
		fprintf(stderr, "bench-ccw: cannot connect\n");
		goto out_clients;
	}
	if (uvf_client_ccw_open(dc, 64 << 10, &cc)) {
		fprintf(stderr, "bench-ccw: cannot open the ccw device\n");
		goto out_clients;
	}
	cc_open = true;
	cc.blksize = BS;
	cc.blocks = BLOCKS;
	memset(&fc, 0, sizeof(fc));
	fc.c = fcl;
	fc.io_efd = efd;

	/* Correctness once: what is written is read back. */
	for (unsigned i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 7 + 3);
	if (uvf_client_ccw_fba_rw(&cc, true, 8, NBLK, w, NULL) ||
	    uvf_client_ccw_fba_rw(&cc, false, 8, NBLK, rd, NULL) || memcmp(w, rd, sizeof(w))) {
		fprintf(stderr, "bench-ccw: write/read check failed\n");
		goto out_clients;
	}
	if (measure(&cc, &fc, iters, rd, dpid, ppid, &dev, &flo))
		goto out_clients;

	printf("%-28s %12s %12s %12s %12s\n", "path", "ops_per_s", "median_ns", "p99_ns",
	       "ctxsw_per_op");
	printf("%-28s %12.0f %12llu %12llu %12.2f\n", "ccw-dasd 4K read (uvfiod)",
	       dev.ops_per_s, (unsigned long long)dev.med, (unsigned long long)dev.p99,
	       dev.switches);
	printf("%-28s %12.0f %12llu %12llu %12.2f\n", "floor (2 RTT + eventfd)", flo.ops_per_s,
	       (unsigned long long)flo.med, (unsigned long long)flo.p99, flo.switches);
	printf("time per op ratio %.2f (median %.2f), %d iterations, %s\n",
	       flo.ops_per_s / dev.ops_per_s, (double)dev.med / (double)flo.med, iters,
	       pin ? "pinned to CPU 0" : "not pinned");
	printf("{\"bench\":\"ccw_fba_read_4k\",\"ops_per_s\":%.0f,\"floor_ops_per_s\":%.0f,"
	       "\"ratio\":%.3f,\"median_ns\":%llu,\"floor_median_ns\":%llu,\"p99_ns\":%llu,"
	       "\"floor_p99_ns\":%llu,\"ctxsw_per_op\":%.2f,\"floor_ctxsw_per_op\":%.2f,"
	       "\"iters\":%d,\"pinned\":%s}\n",
	       dev.ops_per_s, flo.ops_per_s, flo.ops_per_s / dev.ops_per_s,
	       (unsigned long long)dev.med, (unsigned long long)flo.med,
	       (unsigned long long)dev.p99, (unsigned long long)flo.p99, dev.switches,
	       flo.switches, iters,
	       pin ? "true" : "false");
	ret = 0;
out_clients:
	if (cc_open)
		uvf_client_ccw_close(&cc);
	if (dc)
		uvf_client_close(dc);
	if (fcl)
		uvf_client_close(fcl);
	waitpid(ppid, NULL, 0);
	close(efd);
out_daemon:
	uvf_spawn_stop(dpid);
	unlink(sock);
out_image:
	unlink(image);
	return ret;
}
