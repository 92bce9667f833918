/* SPDX-License-Identifier: MIT */
/*
 * tests/pci/dma_test.h - fixtures for the pci-dma tests: the device served
 * in-process (loop on its own thread) or by a spawned uvfiod, and client
 * helpers that drive it the way a VMM and its guest driver would.
 *
 * Every wait is bounded (TD_WAIT_MS); a helper that cannot finish fails the
 * test through cmocka.  Nothing here sleeps to synchronise: completion is
 * observed through registers or eventfds.
 */
#ifndef UVF_TESTS_PCI_DMA_TEST_H
#define UVF_TESTS_PCI_DMA_TEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uvfio/client.h>
#include <uvfio/device.h>
#include <uvfio/pci-dma.h>
#include <uvfio/vfio-user.h>

#define TD_WAIT_MS	10000
#define TD_GUEST_IOVA	0x10000000ull

/* ---- the device in this process ---- */

struct pfx {
	struct uvf_loop *loop;
	struct uvf_server *srv;
	struct uvf_device *dev;
	pthread_t thr;
	bool running;
	char sock[256];
};

/* Create pci-dma with "mem=...,..." keys (NULL: defaults) behind a socket
 * and run its loop on a thread. */
void pfx_start(struct pfx *f, const char *name, const char *keys);
void pfx_stop(struct pfx *f);
/* Run fn(dev, arg) on the loop thread and wait for it. */
void pfx_call(struct pfx *f, void (*fn)(struct uvf_device *dev, void *arg), void *arg);

/* ---- a uvfiod process ---- */

struct tdaemon {
	pid_t pid;
	char sock[256];
};

/* uvfiod --device pci-dma,socket=<tmp>/<name>,<keys>; waits for "ready". */
void td_start(struct tdaemon *d, const char *name, const char *keys);
void td_stop(struct tdaemon *d);
/* Open fds of the daemon (from /proc). */
int td_fds(const struct tdaemon *d);

/* ---- client helpers ---- */

struct uvf_client *tc_connect(const char *sock, bool remap_irq);
uint32_t tc_rd(struct uvf_client *c, uint32_t off);
void tc_wr(struct uvf_client *c, uint32_t off, uint32_t v);
uint32_t tc_cfg_rd(struct uvf_client *c, uint32_t off, unsigned size);
void tc_cfg_wr(struct uvf_client *c, uint32_t off, unsigned size, uint32_t v);
/* Memory space + bus master on, engine enabled. */
void tc_enable(struct uvf_client *c);
/* MSI-X Enable (and Function Mask) in config space. */
void tc_msix(struct uvf_client *c, bool enable, bool mask);

/* Guest memory: a memfd mapped into the device at iova (fd-backed map), or
 * with message DMA (fd < 0) when `msg`. */
struct tguest {
	struct uvf_client_mem m;
	uint64_t iova;
};
void tc_guest(struct uvf_client *c, struct tguest *g, uint64_t iova, size_t size, bool msg);
void tc_guest_free(struct uvf_client *c, struct tguest *g);

/* Program the single descriptor, ring the doorbell and wait until it is no
 * longer busy; returns SD_STATUS. */
uint32_t tc_sd(struct uvf_client *c, uint64_t src, uint64_t dst, uint32_t len, uint32_t flags);
/* Write a ring descriptor into guest memory (slot of a ring at g->iova +
 * ring_off with `size` entries). */
void tc_desc(struct tguest *g, uint64_t ring_off, uint32_t size, uint32_t index, uint64_t src,
	     uint64_t dst, uint32_t len, uint32_t flags);
uint32_t tc_desc_status(struct tguest *g, uint64_t ring_off, uint32_t size, uint32_t index);
/* Wait until STATUS.BUSY is clear or HALTED is set; returns STATUS. */
uint32_t tc_wait_idle(struct uvf_client *c);

/* Eventfds: wait up to ms for a count (0 on timeout); non-blocking read. */
uint64_t tc_efd_wait(int efd, int ms);
uint64_t tc_efd_take(int efd);

/* Device memory through the region (not the mmap). */
void tc_mem_rd(struct uvf_client *c, uint64_t off, void *buf, size_t len);
void tc_mem_wr(struct uvf_client *c, uint64_t off, const void *buf, size_t len);

/* Migration state; the SET's errno. */
int tc_set(struct uvf_client *c, enum uvf_mig_state s);
enum uvf_mig_state tc_get(struct uvf_client *c);

/* A SET run on a thread, so the test can act while it is parked. */
struct tc_async_set {
	struct uvf_client *c;
	enum uvf_mig_state target;
	pthread_t thr;
	int result;
	int done_efd;		/* signalled when the SET returned */
};
void tc_set_begin(struct tc_async_set *a, struct uvf_client *c, enum uvf_mig_state s);
bool tc_set_returned(struct tc_async_set *a);
/* Wait (bounded) for the SET and return its errno. */
int tc_set_end(struct tc_async_set *a);

uint64_t tc_now_ms(void);

#endif
