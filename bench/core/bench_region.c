/* Region read/write latency through uvfiod, against a floor: the same
 * byte-identical messages bounced by a do-nothing peer over a socketpair,
 * measured in the same run with the same client code.
 *
 *   bench-region [--uvfiod PATH] [--iters N]
 *
 * Prints a table and one JSON line per benchmark.
 *
 * By default the bench, the daemon and the floor peer all run pinned to
 * one CPU (--no-pin to turn that off): on a virtual machine a wake-up on
 * another vCPU costs tens of microseconds, and the scheduler co-locates
 * the floor's two ends but not a separately started daemon, so unpinned
 * ratios measure placement luck rather than uvfio. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "proto/sock.h"

struct stats {
	uint64_t min, med, p99;
};

static int measure(struct uvf_client *c, bool write, size_t size, int iters, uint8_t *buf,
		   struct stats *st)
{
	uint64_t *t = malloc(sizeof(*t) * (size_t)iters);

	for (int i = 0; i < iters / 10 + 1; i++)	/* warm up */
		if ((write ? uvf_client_region_write(c, 0, 0, buf, size)
			   : uvf_client_region_read(c, 0, 0, buf, size)))
			return -1;
	for (int i = 0; i < iters; i++) {
		uint64_t t0 = now_ns();
		int r = write ? uvf_client_region_write(c, 0, 0, buf, size)
			      : uvf_client_region_read(c, 0, 0, buf, size);

		if (r) {
			fprintf(stderr, "bench-region: %s of %zu bytes failed: %s\n",
				write ? "write" : "read", size, strerror(-r));
			free(t);
			return -1;
		}
		t[i] = now_ns() - t0;
	}
	qsort(t, (size_t)iters, sizeof(*t), cmp_u64);
	st->min = t[0];
	st->med = t[iters / 2];
	st->p99 = t[(iters * 99) / 100];
	free(t);
	return 0;
}

static pid_t start_daemon(const char *uvfiod, const char *sock)
{
	char arg[512];
	const char *args[] = { "--log-level", "error", "--device", arg, NULL };

	snprintf(arg, sizeof(arg), "mem,socket=%s,size=2M", sock);
	return uvf_spawn_uvfiod(uvfiod, args);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 4, 4096, 65536, 1 << 20 };
	const char *uvfiod = getenv("UVFIOD") ? getenv("UVFIOD") : UVFIOD_DEFAULT;
	char sock[128];
	int iters = 2000, sv[2], ret = 0;
	struct uvf_client *dc, *fc;
	uint8_t *buf;
	pid_t dpid, ppid;

	bool pin = true;

	/* The floor peer runs as a freshly exec'd process, as uvfiod does, so
	 * both sides start from the same kind of address space. */
	if (argc == 3 && !strcmp(argv[1], "--peer"))
		bench_floor_peer(atoi(argv[2]), -1, 1 << 20);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-pin"))
			pin = false;
		else if (!strcmp(argv[i], "--uvfiod") && i + 1 < argc)
			uvfiod = argv[++i];
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = atoi(argv[++i]);
	}
	if (iters < 10)
		iters = 10;
	if (pin)
		bench_pin_cpu0("bench-region: sched_setaffinity");	/* children inherit it */
	snprintf(sock, sizeof(sock), "/tmp/uvfio-bench-%d.sock", getpid());
	dpid = start_daemon(uvfiod, sock);
	if (dpid < 0)
		return 1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	ppid = fork();
	if (ppid == 0) {
		char fdarg[16];

		close(sv[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
		execl("/proc/self/exe", argv[0], "--peer", fdarg, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	if (uvf_client_connect(sock, NULL, &dc) || uvf_client_connect_fd(sv[0], NULL, &fc)) {
		fprintf(stderr, "bench-region: cannot connect\n");
		return 1;
	}
	buf = calloc(1, 1 << 20);

	printf("%-6s %8s %12s %12s %12s %12s %8s %8s\n", "op", "size", "min_ns", "median_ns",
	       "p99_ns", "floor_med", "ratio", "p99_ratio");
	for (int w = 0; w < 2 && !ret; w++) {
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			int n = sizes[k] >= (1 << 20) ? iters / 10 : iters;
			struct stats s, f;

			if (measure(dc, w, sizes[k], n, buf, &s) || measure(fc, w, sizes[k], n, buf, &f)) {
				ret = 1;
				break;
			}
			printf("%-6s %8zu %12llu %12llu %12llu %12llu %8.2f %8.2f\n",
			       w ? "write" : "read", sizes[k], (unsigned long long)s.min,
			       (unsigned long long)s.med, (unsigned long long)s.p99,
			       (unsigned long long)f.med, (double)s.med / (double)f.med,
			       (double)s.p99 / (double)f.p99);
			printf("{\"bench\":\"region_%s_%zu\",\"min_ns\":%llu,\"median_ns\":%llu,"
			       "\"p99_ns\":%llu,\"floor_min_ns\":%llu,\"floor_median_ns\":%llu,"
			       "\"floor_p99_ns\":%llu,\"ratio_median\":%.3f,\"ratio_min\":%.3f}\n",
			       w ? "write" : "read", sizes[k], (unsigned long long)s.min,
			       (unsigned long long)s.med, (unsigned long long)s.p99,
			       (unsigned long long)f.min, (unsigned long long)f.med,
			       (unsigned long long)f.p99, (double)s.med / (double)f.med,
			       (double)s.min / (double)f.min);
		}
	}
	/* A 256 KiB write in one message must work. */
	if (!ret && uvf_client_region_write(dc, 0, 4096, buf, 256 << 10)) {
		fprintf(stderr, "bench-region: 256 KiB write failed\n");
		ret = 1;
	}
	uvf_client_close(dc);
	uvf_client_close(fc);
	uvf_spawn_stop(dpid);
	waitpid(ppid, NULL, 0);
	free(buf);
	return ret;
}
