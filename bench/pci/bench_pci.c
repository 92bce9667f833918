/* SPDX-License-Identifier: MIT */
/*
 * bench-pci: the pci-dma device.
 *
 *  1. DMA engine throughput guest -> guest through fd-mapped guest memory,
 *     as a ratio of memcpy over the same buffers in this process, same run:
 *     one 64 MiB descriptor (copy bandwidth) and a ring of 4 KiB
 *     descriptors (per-descriptor cost: fetch, copy, status write-back).
 *  2. Migration downtime of a device with 64 MiB of memory between two
 *     uvfiod processes, stop-copy only vs pre-copy (idle, and with a
 *     writer dirtying device memory until the stop).  Downtime is the
 *     migration driver's: from the SET STOP_COPY to the destination's SET
 *     RUNNING returning.
 *
 * Prints a table, then one JSON line per benchmark.  uvfiod: UVFIOD or the
 * build's.  Options: --runs N (default 7), --quick (fewer, smaller runs).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uvfio/client.h>
#include <uvfio/pci-dma.h>
#include <uvfio/vfio-user.h>
#include "../common/bench.h"
#include "spawn.h"

#define PCI_COMMAND		0x04
#define CMD_MEM_MASTER		0x0006
#define MSIX_FLAGS		(UVF_PDMA_CAP_MSIX + 2)
#define MSIX_ENABLE		0x8000
#define G			0x100000000ull		/* guest IOVA */
#define MIG_MEM			(64u << 20)

static int runs = 7;

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-pci: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* ---- daemons and clients ----------------------------------------------------------- */

struct daemon {
	pid_t pid;
	char sock[128];
};

static void start(struct daemon *d, const char *name, const char *mem)
{
	char spec[256];
	const char *args[] = { "--log-level", "error", "--device", spec, NULL };

	snprintf(d->sock, sizeof(d->sock), "/tmp/bench-pci-%d-%s.sock", (int)getpid(), name);
	unlink(d->sock);
	snprintf(spec, sizeof(spec), "pci-dma,socket=%s,mem=%s", d->sock, mem);
	d->pid = uvf_spawn_uvfiod(getenv("UVFIOD") ? getenv("UVFIOD") : UVFIOD_PATH, args);
	if (d->pid < 0)
		exit(1);
}

static void stop(struct daemon *d)
{
	uvf_spawn_stop(d->pid);
	unlink(d->sock);
}

static struct uvf_client *connect_to(struct daemon *d, bool remap)
{
	struct uvf_client_opts o = { .precopy_info = true, .precopy_enomsg = true,
				     .remap_irq = remap };
	struct uvf_client *c;
	int r = uvf_client_connect(d->sock, &o, &c);

	if (r)
		die("connect", r);
	return c;
}

static void wr32(struct uvf_client *c, unsigned region, uint64_t off, uint32_t v, unsigned n)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	int r = uvf_client_region_write(c, region, off, b, n);

	if (r)
		die("region write", r);
}

static uint32_t rd32(struct uvf_client *c, uint64_t off)
{
	uint8_t b[4];
	int r = uvf_client_region_read(c, UVF_VFIO_PCI_BAR0_REGION_INDEX, off, b, 4);

	if (r)
		die("region read", r);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void reg(struct uvf_client *c, uint32_t off, uint32_t v)
{
	wr32(c, UVF_VFIO_PCI_BAR0_REGION_INDEX, off, v, 4);
}

static void enable(struct uvf_client *c)
{
	wr32(c, UVF_VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND, CMD_MEM_MASTER, 2);
	wr32(c, UVF_VFIO_PCI_CONFIG_REGION_INDEX, MSIX_FLAGS, MSIX_ENABLE, 2);
	reg(c, UVF_PDMA_REG_CTRL, UVF_PDMA_CTRL_ENABLE);
}

static void wait_efd(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, 30000) != 1 || read(efd, &v, sizeof(v)) != sizeof(v))
		die("waiting for the DONE interrupt", ETIMEDOUT);
}

/* ---- 1. engine throughput ------------------------------------------------------------- */

static void put_desc(uint8_t *d, uint64_t src, uint64_t dst, uint32_t len, uint32_t flags)
{
	for (int i = 0; i < 8; i++) {
		d[i] = (uint8_t)(src >> (8 * i));
		d[8 + i] = (uint8_t)(dst >> (8 * i));
	}
	for (int i = 0; i < 4; i++) {
		d[16 + i] = (uint8_t)(len >> (8 * i));
		d[20 + i] = (uint8_t)(flags >> (8 * i));
		d[24 + i] = 0;
	}
}

static void bench_engine(bool quick)
{
	const size_t big = quick ? 16u << 20 : 64u << 20;
	const uint32_t ring_n = 1024, small = 4096;
	const size_t ring_off = 2 * big, guest = 2 * big + (1u << 20);
	uint64_t eng[64], cpy[64], reng[64], rcpy[64];
	struct uvf_client_mem m;
	struct uvf_client *c;
	struct daemon d;
	uint8_t *g;
	uint32_t tail = 0;
	int efd, r;

	start(&d, "engine", "1M");
	c = connect_to(&d, false);
	enable(c);
	if ((r = uvf_client_mem_alloc(guest, &m)))
		die("guest memory", r);
	g = m.ptr;
	memset(g, 0x5a, guest);		/* fault every page in here, once */
	if ((r = uvf_client_dma_map(c, G, guest, UVF_VU_DMA_MAP_F_READ | UVF_VU_DMA_MAP_F_WRITE,
				    m.fd, 0, g)))
		die("DMA_MAP", r);
	if ((r = uvf_client_irq_eventfd(c, UVF_VFIO_PCI_MSIX_IRQ_INDEX, 0, &efd)))
		die("MSI-X eventfd", r);

	/* One big descriptor (plus a warm-up that faults the daemon's view). */
	for (int i = -1; i < runs; i++) {
		uint64_t t0;

		reg(c, UVF_PDMA_REG_SD_SRC_LO, (uint32_t)G);
		reg(c, UVF_PDMA_REG_SD_SRC_HI, (uint32_t)(G >> 32));
		reg(c, UVF_PDMA_REG_SD_DST_LO, (uint32_t)(G + big));
		reg(c, UVF_PDMA_REG_SD_DST_HI, (uint32_t)((G + big) >> 32));
		reg(c, UVF_PDMA_REG_SD_LEN, (uint32_t)big);
		t0 = now_ns();
		reg(c, UVF_PDMA_REG_SD_FLAGS, UVF_PDMA_DIR_G2G | UVF_PDMA_FLAG_IRQ);
		reg(c, UVF_PDMA_REG_SD_DOORBELL, 1);
		wait_efd(efd);
		if (i >= 0)
			eng[i] = now_ns() - t0;
		if (rd32(c, UVF_PDMA_REG_SD_STATUS) != UVF_PDMA_DS_DONE)
			die("big descriptor", EIO);
		t0 = now_ns();
		memcpy(g + big, g, big);
		if (i >= 0)
			cpy[i] = now_ns() - t0;
	}

	/* A ring full of 4 KiB descriptors, the last one interrupting. */
	reg(c, UVF_PDMA_REG_RING_BASE_LO, (uint32_t)(G + ring_off));
	reg(c, UVF_PDMA_REG_RING_BASE_HI, (uint32_t)((G + ring_off) >> 32));
	reg(c, UVF_PDMA_REG_RING_SIZE, ring_n);
	for (int i = -1; i < runs; i++) {
		uint64_t t0;

		for (uint32_t k = 0; k < ring_n; k++)
			put_desc(g + ring_off + (size_t)k * 32, G + (uint64_t)k * small,
				 G + big + (uint64_t)k * small, small,
				 UVF_PDMA_DIR_G2G | (k == ring_n - 1 ? UVF_PDMA_FLAG_IRQ : 0));
		tail += ring_n;
		t0 = now_ns();
		reg(c, UVF_PDMA_REG_RING_TAIL, tail);
		wait_efd(efd);
		if (i >= 0)
			reng[i] = now_ns() - t0;
		if (rd32(c, UVF_PDMA_REG_RING_HEAD) != tail)
			die("ring", EIO);
		t0 = now_ns();
		for (uint32_t k = 0; k < ring_n; k++)
			memcpy(g + big + (size_t)k * small, g + (size_t)k * small, small);
		if (i >= 0)
			rcpy[i] = now_ns() - t0;
	}

	{
		double e = (double)big / median(eng, runs), cp = (double)big / median(cpy, runs);
		double re = (double)ring_n * small / median(reng, runs);
		double rc = (double)ring_n * small / median(rcpy, runs);
		double dps = ring_n / (median(reng, runs) / 1e9);

		printf("DMA engine, guest -> guest through fd-mapped memory "
		       "(median of %d)\n", runs);
		printf("  %-34s %10s %10s %8s\n", "", "engine", "memcpy", "ratio");
		printf("  %-34s %7.2f GB/s %7.2f GB/s %8.3f\n", "one descriptor", e, cp, e / cp);
		printf("  %-34s %7.2f GB/s %7.2f GB/s %8.3f   (%.0f descriptors/s)\n",
		       "ring of 4 KiB descriptors", re, rc, re / rc, dps);
		printf("{\"bench\":\"pci_dma_g2g_%zum\",\"gb_s\":%.3f,\"memcpy_gb_s\":%.3f,"
		       "\"ratio\":%.3f,\"runs\":%d}\n", big >> 20, e, cp, e / cp, runs);
		printf("{\"bench\":\"pci_dma_ring_4k\",\"gb_s\":%.3f,\"memcpy_gb_s\":%.3f,"
		       "\"ratio\":%.3f,\"desc_per_s\":%.0f,\"runs\":%d}\n",
		       re, rc, re / rc, dps, runs);
	}
	close(efd);
	uvf_client_dma_unmap_all(c);
	uvf_client_close(c);
	uvf_client_mem_free(&m);
	stop(&d);
}

/* ---- 2. migration downtime ------------------------------------------------------------ */

struct writer {
	struct uvf_client *c;
	atomic_bool stop;
	uint64_t writes;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint8_t page[4096];
	uint32_t s = 12345;

	memset(page, 0xa5, sizeof(page));
	while (!atomic_load(&w->stop)) {
		s = s * 1103515245u + 12345u;
		/* Region I/O: the mapping is gone while pre-copying. */
		if (uvf_client_region_write(w->c, UVF_VFIO_PCI_BAR2_REGION_INDEX,
					    (uint64_t)(s % (MIG_MEM / 4096)) * 4096, page,
					    sizeof(page)))
			break;
		w->writes++;
		/* About 1000 pages a second: a device that keeps changing. */
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	return NULL;
}

static int noop_remap(void *arg, const struct uvf_client_region *r)
{
	(void)arg;
	(void)r;
	return 0;	/* the bench holds no mapping */
}

/* One migration A -> B; returns the downtime in ns. */
static uint64_t migrate_once(struct daemon *a, struct daemon *b, bool precopy, bool busy,
			     unsigned *rounds)
{
	struct uvf_client *src = connect_to(a, precopy), *dst = connect_to(b, false);
	struct uvf_migrate_opts mo = { .precopy = precopy };
	struct uvf_client_remap *rm = NULL;
	struct uvf_migrate_stats st;
	struct writer w = { .c = src };
	pthread_t thr;
	int r;

	enable(src);
	enable(dst);
	if (precopy && (r = uvf_client_remap_start(src, noop_remap, NULL, &rm)))
		die("remap handler", r);
	if (busy)
		pthread_create(&thr, NULL, writer_main, &w);
	r = uvf_client_migrate(src, dst, &mo, &st);
	if (busy) {
		atomic_store(&w.stop, true);
		pthread_join(thr, NULL);
	}
	if (r)
		die("migration", r);
	*rounds = st.rounds;
	/* Back to the start: the source runs again (the next run's source). */
	if ((r = uvf_client_mig_set_state(src, UVF_MIG_STATE_RUNNING)))
		die("source back to RUNNING", r);
	uvf_client_remap_stop(rm);
	uvf_client_close(src);
	uvf_client_close(dst);
	return st.downtime_us * 1000;
}

static void bench_downtime(bool quick)
{
	struct daemon a, b;
	struct uvf_client *c;
	uint64_t sc[64], pi[64], pb[64];
	unsigned rounds_i = 0, rounds_b = 0, rr;
	uint8_t *buf;
	const char *mem = quick ? "16M" : "64M";
	size_t size = quick ? 16u << 20 : MIG_MEM;

	start(&a, "mig-a", mem);
	start(&b, "mig-b", mem);
	/* Incompressible contents (the stream does not compress anyway). */
	c = connect_to(&a, false);
	enable(c);
	buf = malloc(size);
	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	if (uvf_client_region_write(c, UVF_VFIO_PCI_BAR2_REGION_INDEX, 0, buf, size))
		die("filling device memory", EIO);
	free(buf);
	uvf_client_close(c);

	for (int i = -1; i < runs; i++) {
		uint64_t t = migrate_once(&a, &b, false, false, &rr);

		if (i >= 0)
			sc[i] = t;
		t = migrate_once(&a, &b, true, false, &rr);
		if (i >= 0) {
			pi[i] = t;
			rounds_i = rr;
		}
		t = migrate_once(&a, &b, true, true, &rr);
		if (i >= 0) {
			pb[i] = t;
			rounds_b = rr;
		}
	}
	{
		double s = median(sc, runs) / 1e6, p = median(pi, runs) / 1e6;
		double q = median(pb, runs) / 1e6;

		printf("\nMigration downtime of a pci-dma device with %zu MiB of memory "
		       "(median of %d)\n", size >> 20, runs);
		printf("  %-46s %10.2f ms\n", "stop-copy only", s);
		printf("  %-46s %10.2f ms  (%u rounds)\n", "pre-copy, idle", p, rounds_i);
		printf("  %-46s %10.2f ms  (%u rounds)\n", "pre-copy, ~1000 pages/s being written",
		       q, rounds_b);
		printf("{\"bench\":\"pci_mig_downtime_%zum\",\"stopcopy_ms\":%.3f,"
		       "\"precopy_idle_ms\":%.3f,\"precopy_busy_ms\":%.3f,"
		       "\"stopcopy_over_precopy\":%.1f,\"runs\":%d}\n",
		       size >> 20, s, p, q, s / p, runs);
	}
	stop(&a);
	stop(&b);
}

int main(int argc, char **argv)
{
	bool quick = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			quick = true;
			runs = 3;
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = atoi(argv[++i]);
			if (runs < 1 || runs > 64)
				runs = 7;
		} else {
			fprintf(stderr, "usage: bench-pci [--runs N] [--quick]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	bench_engine(quick);
	bench_downtime(quick);
	return 0;
}
