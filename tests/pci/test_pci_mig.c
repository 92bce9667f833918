/* SPDX-License-Identifier: MIT */
/*
 * test_pci_mig.c - migrating pci-dma between two uvfiod processes:
 *
 *  - live, with pre-copy, while a workload thread (the "vCPU") keeps
 *    writing device memory (through the BAR2 mmap when it has one, region
 *    I/O otherwise) and running DMA descriptors; the client library's
 *    remap handler takes the mapping away and gives it back; guest memory
 *    follows the DMA dirty log.  Afterwards both engines finish what was
 *    in flight and device memory, registers and guest memory must match;
 *  - stop-copy only, for a VMM that never heard of the remap IRQ, with
 *    ring work latched across the move;
 *  - `uvfioctl migrate --precopy` on a device a previous VMM left behind.
 *
 * Both daemons live for the whole run; every test resets the devices it
 * uses and checks fds on both sides.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dma_test.h"
#include "pci/regs.h"
#include "testutil.h"

#define MEM		(4u << 20)
#define GUEST		(4u << 20)
#define G		TD_GUEST_IOVA
#define PG		4096u
#define SRC_AREA	0u			/* written by the CPU */
#define SRC_LEN		(1u << 20)
#define DMA_AREA	(1u << 20)		/* written by the engine only */
#define DMA_LEN		(2u << 20)
#define RING_OFF	(3u << 20)		/* written by the CPU */
#define RING_N		64u
#define S(x)		UVF_MIG_STATE_##x

static struct tdaemon dA, dB;
static int fds_test, fds_a, fds_b;

static int group_setup(void **state)
{
	(void)state;
	td_start(&dA, "mig-a.sock", "mem=4M");
	td_start(&dB, "mig-b.sock", "mem=4M");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	td_stop(&dA);
	td_stop(&dB);
	return 0;
}

static struct uvf_client *fresh(struct tdaemon *d, bool remap)
{
	struct uvf_client *c = tc_connect(d->sock, remap);

	assert_int_equal(uvf_client_reset(c), 0);
	return c;
}

static int setup(void **state)
{
	struct uvf_client *c;

	(void)state;
	/* Daemon baselines with one client connected: the daemon has handled
	 * every earlier disconnect before it accepts the next client. */
	fds_test = uvf_test_count_fds();
	c = fresh(&dA, false);
	fds_a = td_fds(&dA);
	uvf_client_close(c);
	c = fresh(&dB, false);
	fds_b = td_fds(&dB);
	uvf_client_close(c);
	return 0;
}

static int teardown(void **state)
{
	struct uvf_client *c;

	(void)state;
	assert_int_equal(uvf_test_count_fds(), fds_test);
	c = tc_connect(dA.sock, false);
	assert_int_equal(td_fds(&dA), fds_a);
	uvf_client_close(c);
	c = tc_connect(dB.sock, false);
	assert_int_equal(td_fds(&dB), fds_b);
	uvf_client_close(c);
	return 0;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void fill(void *p, size_t len, uint32_t seed)
{
	uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)rnd(&seed);
}

static void regs_snapshot(struct uvf_client *c, uint8_t *out)
{
	assert_int_equal(uvf_client_region_read(c, UVF_VFIO_PCI_BAR0_REGION_INDEX, 0, out,
						UVF_PDMA_REGS_END), 0);
}

static void ring_setup(struct uvf_client *c)
{
	tc_wr(c, UVF_PDMA_REG_RING_BASE_LO, (uint32_t)(G + RING_OFF));
	tc_wr(c, UVF_PDMA_REG_RING_BASE_HI, (uint32_t)((G + RING_OFF) >> 32));
	tc_wr(c, UVF_PDMA_REG_RING_SIZE, RING_N);
}

/* ---- the workload ------------------------------------------------------------------ */

struct wl {
	struct uvf_client *c;
	struct tguest *g;
	pthread_rwlock_t maplock;	/* bar2/frozen vs. the remap handler */
	uint8_t *bar2;			/* NULL while the device wants it unmapped */
	size_t bar2_len;
	bool frozen;			/* the mapping came back: migration is over */
	unsigned remaps;
	atomic_bool stop;
	atomic_uint io_writes, mmap_writes, dmas;
	uint32_t tail, seed;
	/* Progress callback: wait until the workload has run in pre-copy. */
	pthread_mutex_t lock;
	pthread_cond_t cv;
	bool precopy_seen;
	unsigned dmas_before;		/* when pre-copy began */
	bool exited;
	/* Guest memory sync (the VMM's RAM migration). */
	struct tguest *g2;
	bool first_sync, final_sync;
	uint64_t synced_pages;
};

static int wl_remap(void *arg, const struct uvf_client_region *r)
{
	struct wl *w = arg;

	pthread_rwlock_wrlock(&w->maplock);
	w->remaps++;
	if (w->bar2) {
		munmap(w->bar2, w->bar2_len);
		w->bar2 = NULL;
	}
	if (r->flags & UVF_VFIO_REGION_INFO_FLAG_MMAP) {
		/* Given back at the end of the migration: the vCPUs of a
		 * real VMM are paused by now; ours stops writing. */
		w->frozen = true;
		w->bar2 = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
			       (off_t)r->offset);
		if (w->bar2 == MAP_FAILED)
			w->bar2 = NULL;
		w->bar2_len = r->size;
	}
	pthread_rwlock_unlock(&w->maplock);
	return 0;
}

/* Device memory write the way a guest does it: through the mapping if
 * there is one, else trapped by the VMM into region I/O.  false when the
 * workload must stop. */
static bool wl_mem_write(struct wl *w, uint64_t off, const void *buf, size_t len)
{
	bool ok = true;

	pthread_rwlock_rdlock(&w->maplock);
	if (w->frozen) {
		ok = false;
	} else if (w->bar2) {
		memcpy(w->bar2 + off, buf, len);
		atomic_fetch_add(&w->mmap_writes, 1);
	} else {
		ok = uvf_client_region_write(w->c, UVF_VFIO_PCI_BAR2_REGION_INDEX, off, buf,
					     len) == 0;
		atomic_fetch_add(&w->io_writes, 1);
	}
	pthread_rwlock_unlock(&w->maplock);
	return ok;
}

static bool wl_read(struct wl *w, uint32_t off, uint32_t *v)
{
	uint8_t b[4];

	if (uvf_client_region_read(w->c, UVF_VFIO_PCI_BAR0_REGION_INDEX, off, b, 4))
		return false;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return *v != 0xffffffffu;	/* all-ones: the device stopped */
}

/* One descriptor through the ring, waited for.  false: stop. */
static bool wl_dma(struct wl *w, uint64_t src, uint64_t dst, uint32_t len, uint32_t flags)
{
	uint8_t b[4];
	uint32_t head = 0, t = w->tail + 1;
	uint64_t end = tc_now_ms() + TD_WAIT_MS;

	tc_desc(w->g, RING_OFF, RING_N, w->tail, src, dst, len, flags);
	b[0] = (uint8_t)t;
	b[1] = (uint8_t)(t >> 8);
	b[2] = (uint8_t)(t >> 16);
	b[3] = (uint8_t)(t >> 24);
	if (uvf_client_region_write(w->c, UVF_VFIO_PCI_BAR0_REGION_INDEX, UVF_PDMA_REG_RING_TAIL,
				    b, 4))
		return false;
	w->tail = t;
	do {
		if (!wl_read(w, UVF_PDMA_REG_RING_HEAD, &head))
			return false;
		if (tc_now_ms() > end)
			return false;	/* the engine is held (P2P): keep it pending */
	} while (head != t);
	atomic_fetch_add(&w->dmas, 1);
	return true;
}

static void *wl_main(void *arg)
{
	struct wl *w = arg;
	uint8_t buf[8192];

	while (!atomic_load(&w->stop)) {
		uint32_t op = rnd(&w->seed) % 4, len = 1 + rnd(&w->seed) % sizeof(buf);
		uint64_t doff = rnd(&w->seed) % (MEM - sizeof(buf));
		uint64_t soff = SRC_AREA + rnd(&w->seed) % (SRC_LEN - sizeof(buf));
		uint64_t goff = DMA_AREA + rnd(&w->seed) % (DMA_LEN - sizeof(buf));
		bool ok;

		switch (op) {
		case 0:
			fill(buf, 64, rnd(&w->seed));
			ok = wl_mem_write(w, doff, buf, 64);
			break;
		case 1:
			fill((uint8_t *)w->g->m.ptr + soff, len, rnd(&w->seed));
			ok = wl_dma(w, G + soff, doff, len, UVF_PDMA_DIR_G2D);
			break;
		case 2:
			ok = wl_dma(w, doff, G + goff, len, UVF_PDMA_DIR_D2G | UVF_PDMA_FLAG_IRQ);
			break;
		default:
			ok = wl_dma(w, G + soff, G + goff, len, UVF_PDMA_DIR_G2G);
			break;
		}
		if (!ok)
			break;
		pthread_mutex_lock(&w->lock);
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->lock);
	}
	pthread_mutex_lock(&w->lock);
	atomic_store(&w->stop, true);
	w->exited = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Wait (bounded) for `cond` under w->lock. */
static bool wl_wait(struct wl *w, bool (*cond)(struct wl *w))
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += TD_WAIT_MS / 1000;
	pthread_mutex_lock(&w->lock);
	while (!(ok = cond(w)))
		if (pthread_cond_timedwait(&w->cv, &w->lock, &ts))
			break;
	pthread_mutex_unlock(&w->lock);
	return ok;
}

static bool wl_exited(struct wl *w)
{
	return w->exited;
}

static bool wl_warm(struct wl *w)
{
	return w->exited || (atomic_load(&w->mmap_writes) >= 5 && atomic_load(&w->dmas) >= 5);
}

static bool wl_busy_in_precopy(struct wl *w)
{
	return w->exited ||
	       (atomic_load(&w->io_writes) >= 20 && atomic_load(&w->dmas) - w->dmas_before >= 20);
}

/* After the first pre-copy round: let the workload run there a while,
 * through region I/O (its mapping is gone) and the engine. */
static void wl_progress(void *arg, const struct uvf_migrate_progress *p)
{
	struct wl *w = arg;

	if (p->phase != 0 || w->precopy_seen)
		return;
	w->precopy_seen = true;
	w->dmas_before = atomic_load(&w->dmas);
	wl_wait(w, wl_busy_in_precopy);
}

/* The VMM's RAM migration of the part only the engine writes: all of it
 * once logging runs, then what the device reports dirty.  (The parts the
 * vCPU writes go over when it has stopped; a VMM tracks those itself.) */
static void wl_dirty(void *arg, const struct uvf_client_range *rg, uint64_t page,
		     const uint64_t *bitmap)
{
	struct wl *w = arg;
	uint8_t *from = w->g->m.ptr, *to = w->g2->m.ptr;

	enum uvf_mig_state st = UVF_MIG_STATE_ERROR;

	if (w->first_sync) {
		w->first_sync = false;
		memcpy(to + DMA_AREA, from + DMA_AREA, DMA_LEN);
		return;
	}
	for (uint64_t p = DMA_AREA / page; p < (DMA_AREA + DMA_LEN) / page &&
					   p < rg->length / page; p++)
		if (bitmap[p / 64] & 1ull << (p % 64)) {
			memcpy(to + p * page, from + p * page, page);
			w->synced_pages++;
		}
	/* The last sync (the device is in STOP_COPY, the destination not yet
	 * running): the vCPU has stopped, so what it wrote goes over now. */
	assert_int_equal(uvf_client_mig_get_state(w->c, &st), 0);
	if (st != UVF_MIG_STATE_STOP_COPY)
		return;
	atomic_store(&w->stop, true);
	assert_true(wl_wait(w, wl_exited));
	memcpy(to + SRC_AREA, from + SRC_AREA, SRC_LEN);
	memcpy(to + RING_OFF, from + RING_OFF, GUEST - RING_OFF);
	w->final_sync = true;
}

static void vmm_config(struct uvf_client *c)
{
	/* What a VMM restores on the destination (it owns config space). */
	tc_cfg_wr(c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY | UVF_PCI_COMMAND_MASTER);
	tc_msix(c, true, false);
}

static void test_live_precopy_with_workload(void **state)
{
	struct uvf_client *src = fresh(&dA, true), *dst = fresh(&dB, true);
	struct uvf_client_range rg = { G, GUEST };
	struct uvf_migrate_opts mo = {
		.precopy = true, .max_rounds = 10, .converge_bytes = 64 << 10,
		.log_ranges = &rg, .nr_log_ranges = 1,
	};
	struct uvf_client_remap_stats rs;
	struct uvf_migrate_stats st;
	struct uvf_client_remap *rm;
	struct tguest g1, g2;
	struct wl w = { .maplock = PTHREAD_RWLOCK_INITIALIZER, .lock = PTHREAD_MUTEX_INITIALIZER,
			.cv = PTHREAD_COND_INITIALIZER, .seed = 0x9e3779b9, .first_sync = true };
	uint8_t *m1 = malloc(MEM), *m2 = malloc(MEM), r1[UVF_PDMA_REGS_END], r2[UVF_PDMA_REGS_END];
	pthread_t thr;
	int vec0;

	(void)state;
	/* Source: a running guest. */
	vmm_config(src);
	tc_wr(src, UVF_PDMA_REG_CTRL, UVF_PDMA_CTRL_ENABLE);
	tc_guest(src, &g1, G, GUEST, false);
	fill(g1.m.ptr, GUEST, 1);
	assert_int_equal(uvf_client_irq_eventfd(src, UVF_VFIO_PCI_MSIX_IRQ_INDEX, 0, &vec0), 0);
	ring_setup(src);
	assert_int_equal(uvf_client_region_mmap(src, UVF_VFIO_PCI_BAR2_REGION_INDEX,
						(void **)&w.bar2, &w.bar2_len), 0);
	fill(w.bar2, MEM, 2);
	w.c = src;
	w.g = &g1;
	w.g2 = &g2;
	assert_int_equal(uvf_client_remap_start(src, wl_remap, &w, &rm), 0);
	/* Destination: its own guest memory at the same addresses, and the
	 * config space the VMM restores before the device runs. */
	tc_guest(dst, &g2, G, GUEST, false);
	vmm_config(dst);

	assert_int_equal(pthread_create(&thr, NULL, wl_main, &w), 0);
	/* The guest is busy before the migration starts. */
	assert_true(wl_wait(&w, wl_warm));
	mo.progress = wl_progress;
	mo.on_dirty = wl_dirty;
	mo.arg = &w;
	assert_int_equal(uvf_client_migrate(src, dst, &mo, &st), 0);
	atomic_store(&w.stop, true);
	assert_int_equal(pthread_join(thr, NULL), 0);

	/* It really was live: pre-copy rounds, the workload through both
	 * paths, the mapping taken away and given back. */
	assert_true(st.rounds >= 1);
	assert_true(st.precopy_bytes >= MEM);
	assert_true(atomic_load(&w.io_writes) >= 20);
	assert_true(atomic_load(&w.mmap_writes) > 0);
	assert_true(atomic_load(&w.dmas) >= 20);
	assert_true(st.dirty_pages > 0);
	assert_true(w.synced_pages > 0);
	/* The mapping comes back after the stop-copy (handled on the remap
	 * thread, on its own time). */
	for (uint64_t end = tc_now_ms() + TD_WAIT_MS;;) {
		uvf_client_remap_stats(rm, &rs);
		if (rs.handled == 2 || tc_now_ms() > end)
			break;
	}
	assert_int_equal(rs.handled, 2);
	assert_int_equal(rs.last_error, 0);
	pthread_rwlock_rdlock(&w.maplock);
	assert_int_equal(w.remaps, 2);
	assert_non_null(w.bar2);
	pthread_rwlock_unlock(&w.maplock);
	assert_int_equal(tc_get(src), S(STOP));
	assert_int_equal(tc_get(dst), S(RUNNING));

	assert_true(w.final_sync);
	/* Both engines finish the descriptor that was in flight. */
	assert_int_equal(tc_set(src, S(RUNNING)), 0);
	assert_int_equal(tc_wait_idle(src), 0);
	assert_int_equal(tc_wait_idle(dst), 0);

	tc_mem_rd(src, 0, m1, MEM);
	tc_mem_rd(dst, 0, m2, MEM);
	assert_memory_equal(m1, m2, MEM);
	regs_snapshot(src, r1);
	regs_snapshot(dst, r2);
	assert_memory_equal(r1, r2, sizeof(r1));
	assert_memory_equal(g1.m.ptr, g2.m.ptr, GUEST);
	assert_int_equal(tc_rd(dst, UVF_PDMA_REG_RING_HEAD), tc_rd(dst, UVF_PDMA_REG_RING_TAIL));

	uvf_client_remap_stop(rm);
	pthread_rwlock_wrlock(&w.maplock);
	if (w.bar2)
		munmap(w.bar2, w.bar2_len);
	pthread_rwlock_unlock(&w.maplock);
	close(vec0);
	tc_guest_free(src, &g1);
	tc_guest_free(dst, &g2);
	uvf_client_close(src);
	uvf_client_close(dst);
	free(m1);
	free(m2);
}

/* ---- stop-copy for a VMM that knows nothing of the remap IRQ ------------------------ */

static void test_stop_copy_only_with_latched_ring_work(void **state)
{
	struct uvf_client *src = fresh(&dA, false), *dst = fresh(&dB, false);
	struct uvf_migrate_opts mo = { .precopy = true };	/* asks, is not offered */
	struct uvf_migrate_stats st;
	struct tguest g1, g2;
	uint8_t *m1 = malloc(MEM), *m2 = malloc(MEM), r1[UVF_PDMA_REGS_END], r2[UVF_PDMA_REGS_END];
	uint64_t flags;

	(void)state;
	vmm_config(src);
	tc_guest(src, &g1, G, GUEST, false);
	fill(g1.m.ptr, GUEST, 3);
	m1 = memset(m1, 0, MEM);
	fill(m1, MEM, 4);
	tc_mem_wr(src, 0, m1, MEM);
	tc_wr(src, UVF_PDMA_REG_SCRATCH, 0xfeed);
	tc_wr(src, UVF_PDMA_REG_INT_MASK, UVF_PDMA_INT_SOFT);
	ring_setup(src);
	/* Four descriptors latched with the engine disabled. */
	for (uint32_t i = 0; i < 4; i++) {
		if (i % 2)
			tc_desc(&g1, RING_OFF, RING_N, i, G + i * PG, i * PG, PG, UVF_PDMA_DIR_G2D);
		else
			tc_desc(&g1, RING_OFF, RING_N, i, i * PG, G + i * PG, PG, UVF_PDMA_DIR_D2G);
	}
	tc_wr(src, UVF_PDMA_REG_RING_TAIL, 4);
	assert_int_equal(tc_rd(src, UVF_PDMA_REG_STATUS), UVF_PDMA_STATUS_BUSY);
	regs_snapshot(src, r1);
	assert_int_equal(uvf_client_mig_flags(src, &flags), 0);
	assert_false(flags & UVF_VFIO_MIGRATION_PRE_COPY);

	tc_guest(dst, &g2, G, GUEST, false);
	memcpy(g2.m.ptr, g1.m.ptr, GUEST);		/* the VMM's RAM copy */
	assert_int_equal(uvf_client_migrate(src, dst, &mo, &st), 0);
	assert_int_equal(st.precopy_bytes, 0);
	assert_true(st.stopcopy_bytes > MEM);

	vmm_config(dst);
	regs_snapshot(dst, r2);
	assert_memory_equal(r1, r2, sizeof(r1));
	tc_mem_rd(dst, 0, m2, MEM);
	assert_memory_equal(m1, m2, MEM);
	/* The latched work runs on the destination once enabled. */
	tc_wr(dst, UVF_PDMA_REG_CTRL, UVF_PDMA_CTRL_ENABLE);
	if (tc_wait_idle(dst))
		fail_msg("halted: error %u at 0x%x, head %u", tc_rd(dst, UVF_PDMA_REG_ERR_CODE),
			 tc_rd(dst, UVF_PDMA_REG_ERR_ADDR_LO), tc_rd(dst, UVF_PDMA_REG_RING_HEAD));
	assert_int_equal(tc_rd(dst, UVF_PDMA_REG_RING_DONE), 4);
	assert_memory_equal(g2.m.ptr, m1, PG);			/* D2G of entry 0 */
	tc_mem_rd(dst, PG, m2, PG);
	assert_memory_equal(m2, (uint8_t *)g2.m.ptr + PG, PG);	/* G2D of entry 1 */

	assert_int_equal(tc_set(src, S(RUNNING)), 0);
	tc_guest_free(src, &g1);
	tc_guest_free(dst, &g2);
	uvf_client_close(src);
	uvf_client_close(dst);
	free(m1);
	free(m2);
}

/* ---- uvfioctl ------------------------------------------------------------------------ */

static int run_uvfioctl(char *out, size_t cap, const char *a1, const char *a2, const char *a3,
			const char *a4, const char *a5)
{
	const char *path = getenv("UVFIOCTL");
	char *argv[] = { (char *)path, (char *)a1, (char *)a2, (char *)a3, (char *)a4, (char *)a5,
			 NULL };
	int pfd[2], st = 0;
	size_t got = 0;
	uint64_t end = tc_now_ms() + 60000;
	pid_t pid;

	assert_non_null(path);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pfd[1], STDOUT_FILENO);
		execv(path, argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		uint64_t now = tc_now_ms();
		ssize_t n;

		if (now > end || poll(&p, 1, (int)(end - now)) != 1) {
			kill(pid, SIGKILL);
			break;
		}
		n = read(pfd[0], out + got, cap - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_uvfioctl_migrate_precopy(void **state)
{
	struct uvf_client *c = fresh(&dA, false);
	uint8_t *m1 = malloc(MEM), *m2 = malloc(MEM);
	unsigned long long pre = 0, stop = 0;
	unsigned rounds = 0;
	char out[1024];
	const char *p;

	(void)state;
	/* A VMM leaves state behind and goes away (the device keeps it). */
	tc_enable(c);
	fill(m1, MEM, 5);
	tc_mem_wr(c, 0, m1, MEM);
	tc_wr(c, UVF_PDMA_REG_SCRATCH, 0x77);
	ring_setup(c);
	uvf_client_close(c);

	assert_int_equal(run_uvfioctl(out, sizeof(out), "migrate", dA.sock, dB.sock, "--precopy",
				      NULL), 0);
	p = strstr(out, "migrated: ");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "migrated: %llu bytes pre-copy in %u rounds, %llu bytes",
				&pre, &rounds, &stop), 3);
	assert_true(pre >= MEM);		/* the memory went over before the stop */
	assert_true(rounds >= 1);
	assert_true(stop < MEM / 4);

	c = tc_connect(dB.sock, false);
	tc_cfg_wr(c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	tc_mem_rd(c, 0, m2, MEM);
	assert_memory_equal(m1, m2, MEM);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_SCRATCH), 0x77);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_CTRL), UVF_PDMA_CTRL_ENABLE);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_RING_SIZE), RING_N);
	uvf_client_close(c);
	free(m1);
	free(m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_live_precopy_with_workload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_copy_only_with_latched_ring_work, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_uvfioctl_migrate_precopy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
