/* SPDX-License-Identifier: MIT */
/* tests/pci/dma_test.c - pci-dma test fixtures (see dma_test.h). */
#include "dma_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/devices.h"
#include "pci/regs.h"
#include "spawn.h"
#include "testutil.h"

uint64_t tc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- in-process device ---- */

static void *loop_main(void *arg)
{
	struct pfx *f = arg;

	uvf_loop_run(f->loop);
	return NULL;
}

void pfx_start(struct pfx *f, const char *name, const char *keys)
{
	struct uvf_devargs a;
	char spec[600];

	memset(f, 0, sizeof(*f));
	uvf_test_tmppath(f->sock, sizeof(f->sock), name);
	unlink(f->sock);
	snprintf(spec, sizeof(spec), "pci-dma,socket=%s%s%s", f->sock, keys ? "," : "",
		 keys ? keys : "");
	assert_int_equal(uvf_devargs_parse(spec, &a), 0);
	assert_int_equal(uvf_loop_create(&f->loop), 0);
	assert_int_equal(uvf_pci_dma_device_create(f->loop, &a, &f->dev), 0);
	uvf_devargs_free(&a);
	assert_int_equal(uvf_server_create(f->loop, &f->srv), 0);
	assert_int_equal(uvf_server_add_device(f->srv, f->dev, f->sock), 0);
	assert_int_equal(pthread_create(&f->thr, NULL, loop_main, f), 0);
	f->running = true;
}

void pfx_stop(struct pfx *f)
{
	if (f->running) {
		uvf_loop_stop(f->loop);
		assert_int_equal(pthread_join(f->thr, NULL), 0);
		f->running = false;
	}
	uvf_server_destroy(f->srv);
	uvf_device_destroy(f->dev);
	uvf_loop_destroy(f->loop);
	unlink(f->sock);
}

struct call {
	void (*fn)(struct uvf_device *dev, void *arg);
	struct uvf_device *dev;
	void *arg;
	sem_t done;
};

static void call_tramp(struct uvf_loop *loop, void *arg)
{
	struct call *c = arg;

	(void)loop;
	c->fn(c->dev, c->arg);
	sem_post(&c->done);
}

void pfx_call(struct pfx *f, void (*fn)(struct uvf_device *dev, void *arg), void *arg)
{
	struct call c = { .fn = fn, .dev = f->dev, .arg = arg };
	struct timespec ts;
	int r;

	sem_init(&c.done, 0, 0);
	if (uvf_loop_post(f->loop, call_tramp, &c))
		die("pfx: uvf_loop_post failed");
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += TD_WAIT_MS / 1000;
	do
		r = sem_timedwait(&c.done, &ts);
	while (r && errno == EINTR);
	if (r)	/* &c is still queued: unwinding would corrupt the stack */
		die("pfx: the loop did not run a posted call in time");
	sem_destroy(&c.done);
}

/* ---- uvfiod ---- */

void td_start(struct tdaemon *d, const char *name, const char *keys)
{
	const char *path = getenv("UVFIOD");
	char spec[600];
	const char *args[] = { "--log-level", "error", "--device", spec, NULL };

	if (!path)
		die("UVFIOD is not set (run through meson test)");
	uvf_test_tmppath(d->sock, sizeof(d->sock), name);
	unlink(d->sock);
	snprintf(spec, sizeof(spec), "pci-dma,socket=%s%s%s", d->sock, keys ? "," : "",
		 keys ? keys : "");
	d->pid = uvf_spawn_uvfiod(path, args);
	if (d->pid < 0)
		die("uvfiod did not start");
}

void td_stop(struct tdaemon *d)
{
	if (uvf_spawn_stop(d->pid))
		die("uvfiod did not stop cleanly");
	unlink(d->sock);
}

int td_fds(const struct tdaemon *d)
{
	return uvf_proc_count_fds(d->pid);
}

/* ---- client ---- */

struct uvf_client *tc_connect(const char *sock, bool remap_irq)
{
	struct uvf_client_opts o = { .precopy_info = true, .precopy_enomsg = true,
				     .remap_irq = remap_irq, .timeout_ms = TD_WAIT_MS };
	struct uvf_client *c = NULL;

	assert_int_equal(uvf_client_connect(sock, &o, &c), 0);
	return c;
}

uint32_t tc_rd(struct uvf_client *c, uint32_t off)
{
	uint8_t b[4];

	assert_int_equal(uvf_client_region_read(c, UVF_VFIO_PCI_BAR0_REGION_INDEX, off, b, 4), 0);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

void tc_wr(struct uvf_client *c, uint32_t off, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	assert_int_equal(uvf_client_region_write(c, UVF_VFIO_PCI_BAR0_REGION_INDEX, off, b, 4),
			 0);
}

uint32_t tc_cfg_rd(struct uvf_client *c, uint32_t off, unsigned size)
{
	uint8_t b[4] = { 0 };
	uint32_t v = 0;

	assert_int_equal(uvf_client_region_read(c, UVF_VFIO_PCI_CONFIG_REGION_INDEX, off, b,
						size), 0);
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)b[i] << (8 * i);
	return v;
}

void tc_cfg_wr(struct uvf_client *c, uint32_t off, unsigned size, uint32_t v)
{
	uint8_t b[4];

	for (unsigned i = 0; i < size; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	assert_int_equal(uvf_client_region_write(c, UVF_VFIO_PCI_CONFIG_REGION_INDEX, off, b,
						 size), 0);
}

void tc_enable(struct uvf_client *c)
{
	tc_cfg_wr(c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY | UVF_PCI_COMMAND_MASTER);
	tc_wr(c, UVF_PDMA_REG_CTRL, UVF_PDMA_CTRL_ENABLE);
}

void tc_msix(struct uvf_client *c, bool enable, bool mask)
{
	tc_cfg_wr(c, UVF_PDMA_CAP_MSIX + UVF_PCI_MSIX_FLAGS, 2,
		  (enable ? UVF_PCI_MSIX_FLAGS_ENABLE : 0) |
		  (mask ? UVF_PCI_MSIX_FLAGS_MASKALL : 0));
}

void tc_guest(struct uvf_client *c, struct tguest *g, uint64_t iova, size_t size, bool msg)
{
	assert_int_equal(uvf_client_mem_alloc(size, &g->m), 0);
	g->iova = iova;
	assert_int_equal(uvf_client_dma_map(c, iova, size, UVF_VU_DMA_MAP_F_READ |
					    UVF_VU_DMA_MAP_F_WRITE, msg ? -1 : g->m.fd, 0,
					    g->m.ptr), 0);
}

void tc_guest_free(struct uvf_client *c, struct tguest *g)
{
	if (c)
		uvf_client_dma_unmap(c, g->iova, g->m.size);
	uvf_client_mem_free(&g->m);
}

uint32_t tc_wait_idle(struct uvf_client *c)
{
	uint64_t end = tc_now_ms() + TD_WAIT_MS;

	for (;;) {
		uint32_t st = tc_rd(c, UVF_PDMA_REG_STATUS);

		if (!(st & UVF_PDMA_STATUS_BUSY) || (st & UVF_PDMA_STATUS_HALTED))
			return st;
		if (tc_now_ms() > end)
			fail_msg("engine still busy after %d ms (status 0x%x)", TD_WAIT_MS, st);
	}
}

uint32_t tc_sd(struct uvf_client *c, uint64_t src, uint64_t dst, uint32_t len, uint32_t flags)
{
	uint64_t end = tc_now_ms() + TD_WAIT_MS;
	uint32_t st;

	tc_wr(c, UVF_PDMA_REG_SD_SRC_LO, (uint32_t)src);
	tc_wr(c, UVF_PDMA_REG_SD_SRC_HI, (uint32_t)(src >> 32));
	tc_wr(c, UVF_PDMA_REG_SD_DST_LO, (uint32_t)dst);
	tc_wr(c, UVF_PDMA_REG_SD_DST_HI, (uint32_t)(dst >> 32));
	tc_wr(c, UVF_PDMA_REG_SD_LEN, len);
	tc_wr(c, UVF_PDMA_REG_SD_FLAGS, flags);
	tc_wr(c, UVF_PDMA_REG_SD_DOORBELL, 1);
	while ((st = tc_rd(c, UVF_PDMA_REG_SD_STATUS)) & UVF_PDMA_DS_BUSY)
		if (tc_now_ms() > end)
			fail_msg("single descriptor still busy after %d ms", TD_WAIT_MS);
	return st;
}

static uint8_t *slot(struct tguest *g, uint64_t ring_off, uint32_t size, uint32_t index)
{
	return (uint8_t *)g->m.ptr + ring_off + (uint64_t)(index & (size - 1)) * UVF_PDMA_DESC_SIZE;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void tc_desc(struct tguest *g, uint64_t ring_off, uint32_t size, uint32_t index, uint64_t src,
	     uint64_t dst, uint32_t len, uint32_t flags)
{
	uint8_t *d = slot(g, ring_off, size, index);

	put_le(d + UVF_PDMA_DESC_SRC, src, 8);
	put_le(d + UVF_PDMA_DESC_DST, dst, 8);
	put_le(d + UVF_PDMA_DESC_LEN, len, 4);
	put_le(d + UVF_PDMA_DESC_FLAGS, flags, 4);
	put_le(d + UVF_PDMA_DESC_STATUS, 0, 4);
	put_le(d + 28, 0, 4);
}

uint32_t tc_desc_status(struct tguest *g, uint64_t ring_off, uint32_t size, uint32_t index)
{
	const uint8_t *s = slot(g, ring_off, size, index) + UVF_PDMA_DESC_STATUS;

	return (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 |
	       (uint32_t)s[3] << 24;
}

uint64_t tc_efd_wait(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return 0;
	return tc_efd_take(efd);
}

uint64_t tc_efd_take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

void tc_mem_rd(struct uvf_client *c, uint64_t off, void *buf, size_t len)
{
	assert_int_equal(uvf_client_region_read(c, UVF_VFIO_PCI_BAR2_REGION_INDEX, off, buf, len),
			 0);
}

void tc_mem_wr(struct uvf_client *c, uint64_t off, const void *buf, size_t len)
{
	assert_int_equal(uvf_client_region_write(c, UVF_VFIO_PCI_BAR2_REGION_INDEX, off, buf,
						 len), 0);
}

int tc_set(struct uvf_client *c, enum uvf_mig_state s)
{
	return uvf_client_mig_set_state(c, s);
}

enum uvf_mig_state tc_get(struct uvf_client *c)
{
	enum uvf_mig_state s = UVF_MIG_STATE_ERROR;

	assert_int_equal(uvf_client_mig_get_state(c, &s), 0);
	return s;
}

static void *async_set_main(void *arg)
{
	struct tc_async_set *a = arg;
	uint64_t one = 1;

	a->result = uvf_client_mig_set_state(a->c, a->target);
	if (write(a->done_efd, &one, sizeof(one)) < 0)
		abort();
	return NULL;
}

void tc_set_begin(struct tc_async_set *a, struct uvf_client *c, enum uvf_mig_state s)
{
	a->c = c;
	a->target = s;
	a->result = 1;
	a->done_efd = eventfd(0, EFD_CLOEXEC);
	assert_true(a->done_efd >= 0);
	assert_int_equal(pthread_create(&a->thr, NULL, async_set_main, a), 0);
}

bool tc_set_returned(struct tc_async_set *a)
{
	struct pollfd p = { .fd = a->done_efd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

int tc_set_end(struct tc_async_set *a)
{
	struct pollfd p = { .fd = a->done_efd, .events = POLLIN };

	if (poll(&p, 1, TD_WAIT_MS) != 1)
		die("an asynchronous SET did not return in %d ms", TD_WAIT_MS);
	assert_int_equal(pthread_join(a->thr, NULL), 0);
	close(a->done_efd);
	return a->result;
}
