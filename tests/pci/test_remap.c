/* SPDX-License-Identifier: MIT */
/*
 * test_remap.c - the region-remap IRQ handshake of uvfio/vfio-user.h on the
 * pci-dma device: an aware VMM (the SET into PRE_COPY parked until the
 * acknowledgement, region info and I/O served meanwhile), an aware VMM
 * without the IRQ (EPERM), an unaware one (no IRQ, STOP_COPY-only), an
 * acknowledgement that never comes (ETIMEDOUT, old state and layout kept),
 * stale and duplicate acknowledgements (ignored), reset and disconnect
 * while parked, the way back (mmap restored without waiting, even from
 * STOP_COPY), and the client library's handler thread.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "dma_test.h"
#include "migration/memstream.h"
#include "pci/pci_dma.h"
#include "pci/regs.h"
#include "testutil.h"

#define MEM		(64u << 10)
#define SHORT_MS	300
#define BAR2		UVF_VFIO_PCI_BAR2_REGION_INDEX
#define S(x)		UVF_MIG_STATE_##x
#define FEAT(op, f)	(UVF_VFIO_DEVICE_FEATURE_##op | (f))

struct fx {
	struct pfx f;
	int fds;
};

static int setup_with(void **state, const char *keys)
{
	struct fx *x = calloc(1, sizeof(*x));

	x->fds = uvf_test_count_fds();
	pfx_start(&x->f, "remap.sock", keys);
	*state = x;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, "mem=64K");
}

static int setup_short(void **state)
{
	return setup_with(state, "mem=64K,remap_timeout_ms=300");
}

static int setup_big(void **state)
{
	return setup_with(state, "mem=4M");
}

static int teardown(void **state)
{
	struct fx *x = *state;

	pfx_stop(&x->f);
	assert_int_equal(uvf_test_count_fds(), x->fds);
	free(x);
	return 0;
}

static struct uvf_client_remap_info info(struct uvf_client *c)
{
	struct uvf_client_remap_info i;

	assert_int_equal(uvf_client_remap_info(c, &i), 0);
	return i;
}

static bool bar2_mmap(struct uvf_client *c)
{
	struct uvf_client_region r;
	bool m;

	assert_int_equal(uvf_client_region_info(c, BAR2, &r), 0);
	m = r.flags & UVF_VFIO_REGION_INFO_FLAG_MMAP;
	/* With MMAP an fd and the sparse areas; without, neither. */
	assert_int_equal(r.fd >= 0, m);
	assert_int_equal(r.nr_sparse, m ? 1 : 0);
	uvf_client_region_release(&r);
	return m;
}

static struct uvf_client *aware(struct fx *x, int *efd)
{
	struct uvf_client *c = tc_connect(x->f.sock, true);

	tc_enable(c);
	if (efd)
		assert_int_equal(uvf_client_irq_eventfd(c, UVF_PDMA_REMAP_IRQ, 0, efd), 0);
	return c;
}

/* RUNNING -> PRE_COPY with the acknowledgement done by hand. */
static void enter_precopy(struct uvf_client *c, int efd, uint64_t gen)
{
	struct tc_async_set a;

	tc_set_begin(&a, c, S(PRE_COPY));
	assert_true(tc_efd_wait(efd, TD_WAIT_MS) >= 1);
	assert_int_equal(info(c).generation, gen);
	assert_int_equal(uvf_client_remap_ack(c, gen), 0);
	assert_int_equal(tc_set_end(&a), 0);
}

/* ---- the aware VMM ---------------------------------------------------------------- */

static void test_aware_set_parked_until_ack(void **state)
{
	struct fx *x = *state;
	struct uvf_client_remap_info i;
	struct tc_async_set a;
	struct tguest g;
	uint8_t b[8];
	int efd, msix;
	struct uvf_client *c = aware(x, &efd);

	i = info(c);
	assert_int_equal(i.irq_index, UVF_PDMA_REMAP_IRQ);
	assert_int_equal(i.irq_type, UVF_IRQ_TYPE_REMAP);
	assert_int_equal(i.irq_subtype, UVF_IRQ_SUBTYPE_REMAP_REGIONS);
	assert_int_equal(i.enabled, 1);
	assert_int_equal(i.generation, 0);
	assert_int_equal(i.acked, 0);
	assert_true(bar2_mmap(c));

	tc_set_begin(&a, c, S(PRE_COPY));
	assert_int_equal(tc_efd_wait(efd, TD_WAIT_MS), 1);
	i = info(c);
	assert_int_equal(i.generation, 1);
	assert_int_equal(i.acked, 0);
	assert_int_equal(i.regions, 1u << BAR2);
	/* While the SET is parked: the new layout, region I/O, DMA maps and
	 * IRQ wiring are all served. */
	assert_false(bar2_mmap(c));
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_ID), UVF_PDMA_ID_VALUE);
	tc_mem_wr(c, 8, "parked!!", 8);
	tc_mem_rd(c, 8, b, 8);
	assert_memory_equal(b, "parked!!", 8);
	tc_guest(c, &g, TD_GUEST_IOVA, 1u << 20, false);
	assert_int_equal(uvf_client_irq_eventfd(c, UVF_VFIO_PCI_MSIX_IRQ_INDEX, 0, &msix), 0);
	assert_false(tc_set_returned(&a));

	assert_int_equal(uvf_client_remap_ack(c, 1), 0);
	assert_int_equal(tc_set_end(&a), 0);
	assert_int_equal(tc_get(c), S(PRE_COPY));
	assert_int_equal(info(c).acked, 1);
	/* The device keeps running in pre-copy. */
	assert_int_equal(tc_sd(c, TD_GUEST_IOVA, 0, 64, UVF_PDMA_DIR_G2D), UVF_PDMA_DS_DONE);

	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	close(msix);
	tc_guest_free(c, &g);
	close(efd);
	uvf_client_close(c);
}

static void test_aware_without_irq_refused(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = aware(x, NULL);
	uint64_t flags;

	/* PRE_COPY is offered (the client can take part) ... */
	assert_int_equal(uvf_client_mig_flags(c, &flags), 0);
	assert_int_equal(flags, UVF_VFIO_MIGRATION_STOP_COPY | UVF_VFIO_MIGRATION_P2P |
				UVF_VFIO_MIGRATION_PRE_COPY);
	assert_int_equal(info(c).enabled, 0);
	/* ... but refused while it has no eventfd on the IRQ. */
	assert_int_equal(tc_set(c, S(PRE_COPY)), -EPERM);
	assert_int_equal(tc_get(c), S(RUNNING));
	assert_int_equal(info(c).generation, 0);
	assert_true(bar2_mmap(c));
	/* From RUNNING_P2P too; the failed last hop leaves RUNNING_P2P. */
	assert_int_equal(tc_set(c, S(RUNNING_P2P)), 0);
	assert_int_equal(tc_set(c, S(PRE_COPY_P2P)), -EPERM);
	assert_int_equal(tc_get(c), S(RUNNING_P2P));
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	uvf_client_close(c);
}

static void test_unaware_gets_stop_copy_only(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);
	struct uvf_client_device_info di;
	struct uvf_client_remap_info i;
	uint64_t flags, total = 0;
	uint32_t f, n;
	uint8_t buf[65536];
	long got;

	tc_enable(c);
	assert_int_equal(uvf_client_device_info(c, &di), 0);
	assert_int_equal(di.num_irqs, UVF_VFIO_PCI_NUM_IRQS);
	assert_int_equal(uvf_client_irq_info(c, UVF_PDMA_REMAP_IRQ, &f, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(uvf_client_mig_flags(c, &flags), 0);
	assert_int_equal(flags, UVF_VFIO_MIGRATION_STOP_COPY | UVF_VFIO_MIGRATION_P2P);
	assert_int_equal(uvf_client_remap_info(c, &i), -ENOTTY);
	assert_int_equal(uvf_client_remap_ack(c, 0), -ENOTTY);
	assert_int_equal(tc_set(c, S(PRE_COPY)), -EINVAL);
	assert_int_equal(tc_get(c), S(RUNNING));

	/* Stop-copy works, and the layout never changes. */
	assert_int_equal(tc_set(c, S(STOP_COPY)), 0);
	assert_true(bar2_mmap(c));
	while ((got = uvf_client_mig_read(c, buf, sizeof(buf))) == (long)sizeof(buf))
		total += (uint64_t)got;
	assert_true(got >= 0);
	total += (uint64_t)got;
	assert_true(total > MEM);
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	assert_true(bar2_mmap(c));
	uvf_client_close(c);
}

static void test_ack_timeout_keeps_old_state(void **state)
{
	struct fx *x = *state;
	struct uvf_client_remap_info i;
	int efd;
	struct uvf_client *c = aware(x, &efd);
	uint64_t t0 = tc_now_ms();

	assert_int_equal(tc_set(c, S(PRE_COPY)), -ETIMEDOUT);
	assert_true(tc_now_ms() - t0 >= SHORT_MS);
	assert_int_equal(tc_get(c), S(RUNNING));
	assert_true(bar2_mmap(c));
	/* Two signals (take away, give back); the generations say which. */
	assert_true(tc_efd_take(efd) >= 1);
	i = info(c);
	assert_int_equal(i.generation, 2);
	assert_int_equal(i.acked, 0);
	assert_int_equal(i.regions, 1u << BAR2);	/* all since the last ack */
	/* The late acknowledgement of the first is ignored ... */
	assert_int_equal(uvf_client_remap_ack(c, 1), 0);
	assert_int_equal(info(c).acked, 0);
	/* ... the current one counts, and the next change starts afresh. */
	assert_int_equal(uvf_client_remap_ack(c, 2), 0);
	assert_int_equal(info(c).acked, 2);
	/* The device is fine: a prompt handshake now succeeds. */
	enter_precopy(c, efd, 3);
	assert_int_equal(info(c).regions, 1u << BAR2);
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	close(efd);
	uvf_client_close(c);
}

static void test_stale_and_duplicate_acks_ignored(void **state)
{
	struct fx *x = *state;
	struct tc_async_set a;
	int efd;
	struct uvf_client *c = aware(x, &efd);

	tc_set_begin(&a, c, S(PRE_COPY));
	assert_int_equal(tc_efd_wait(efd, TD_WAIT_MS), 1);
	/* An old generation and one from the future: no effect. */
	assert_int_equal(uvf_client_remap_ack(c, 0), 0);
	assert_int_equal(uvf_client_remap_ack(c, 2), 0);
	assert_int_equal(uvf_client_remap_ack(c, UINT64_MAX), 0);
	assert_int_equal(info(c).acked, 0);
	assert_false(tc_set_returned(&a));
	/* The right one releases the SET, once. */
	assert_int_equal(uvf_client_remap_ack(c, 1), 0);
	assert_int_equal(tc_set_end(&a), 0);
	assert_int_equal(uvf_client_remap_ack(c, 1), 0);
	assert_int_equal(info(c).acked, 1);
	assert_int_equal(info(c).generation, 1);
	assert_int_equal(tc_get(c), S(PRE_COPY));
	/* A duplicate of an old acknowledgement cannot release a later SET. */
	assert_int_equal(tc_set(c, S(RUNNING)), 0);		/* generation 2 */
	assert_int_equal(tc_efd_take(efd), 1);
	tc_set_begin(&a, c, S(PRE_COPY));			/* generation 3 */
	assert_int_equal(tc_efd_wait(efd, TD_WAIT_MS), 1);
	assert_int_equal(info(c).generation, 3);
	assert_int_equal(uvf_client_remap_ack(c, 1), 0);
	assert_int_equal(uvf_client_remap_ack(c, 2), 0);
	assert_false(tc_set_returned(&a));
	assert_int_equal(uvf_client_remap_ack(c, 3), 0);
	assert_int_equal(tc_set_end(&a), 0);
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	close(efd);
	uvf_client_close(c);
}

static void test_feature_ops_and_sizes(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = aware(x, NULL);
	uint8_t out[64], in[8] = { 0 };
	size_t len;

	assert_int_equal(uvf_client_feature(c, FEAT(PROBE, UVF_FEATURE_REMAP_INFO) |
					    UVF_VFIO_DEVICE_FEATURE_GET, NULL, 0, out, 0, NULL), 0);
	assert_int_equal(uvf_client_feature(c, FEAT(PROBE, UVF_FEATURE_REMAP_ACK) |
					    UVF_VFIO_DEVICE_FEATURE_SET, NULL, 0, out, 0, NULL), 0);
	assert_int_equal(uvf_client_feature(c, FEAT(PROBE, UVF_FEATURE_REMAP_INFO) |
					    UVF_VFIO_DEVICE_FEATURE_SET, NULL, 0, out, 0, NULL),
			 -EINVAL);
	assert_int_equal(uvf_client_feature(c, FEAT(SET, UVF_FEATURE_REMAP_INFO), in, 8, out, 8,
					    NULL), -EINVAL);
	assert_int_equal(uvf_client_feature(c, FEAT(GET, UVF_FEATURE_REMAP_ACK), NULL, 0, out,
					    8, NULL), -EINVAL);
	/* Too little room for the 40-byte answer, too little data for an ack. */
	assert_int_equal(uvf_client_feature(c, FEAT(GET, UVF_FEATURE_REMAP_INFO), NULL, 0, out,
					    39, NULL), -EINVAL);
	assert_int_equal(uvf_client_feature(c, FEAT(SET, UVF_FEATURE_REMAP_ACK), in, 4, out, 8,
					    NULL), -EINVAL);
	assert_int_equal(uvf_client_feature(c, FEAT(GET, UVF_FEATURE_REMAP_INFO), NULL, 0, out,
					    sizeof(out), &len), 0);
	assert_int_equal(len, UVF_FEATURE_REMAP_INFO_SIZE);
	/* Another device-specific feature number is unknown. */
	assert_int_equal(uvf_client_feature(c, FEAT(GET, 0x8003), NULL, 0, out, 8, NULL),
			 -ENOTTY);
	uvf_client_close(c);
}

/* ---- cancellation ------------------------------------------------------------------ */

static void test_reset_cancels_parked_set(void **state)
{
	struct fx *x = *state;
	struct tc_async_set a;
	int efd;
	struct uvf_client *c = aware(x, &efd);

	tc_set_begin(&a, c, S(PRE_COPY));
	assert_int_equal(tc_efd_wait(efd, TD_WAIT_MS), 1);
	assert_int_equal(uvf_client_reset(c), 0);
	assert_int_equal(tc_set_end(&a), -ECANCELED);
	assert_int_equal(tc_get(c), S(RUNNING));
	assert_true(bar2_mmap(c));
	assert_int_equal(info(c).generation, 2);
	assert_int_equal(tc_efd_take(efd), 1);
	/* A late acknowledgement of the cancelled generation is harmless. */
	assert_int_equal(uvf_client_remap_ack(c, 1), 0);
	assert_int_equal(info(c).acked, 0);
	close(efd);
	uvf_client_close(c);
}

static void test_disconnect_while_parked(void **state)
{
	struct fx *x = *state;
	struct uvf_client_opts o = { .remap_irq = true, .timeout_ms = TD_WAIT_MS };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct uvf_client *c;
	struct tc_async_set a;
	int fd, peer, efd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_true(strlen(x->f.sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, x->f.sock, strlen(x->f.sock) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	peer = dup(fd);		/* to pull the plug while a call is blocked */
	assert_int_equal(uvf_client_connect_fd(fd, &o, &c), 0);
	tc_enable(c);
	assert_int_equal(uvf_client_irq_eventfd(c, UVF_PDMA_REMAP_IRQ, 0, &efd), 0);
	tc_set_begin(&a, c, S(PRE_COPY));
	assert_int_equal(tc_efd_wait(efd, TD_WAIT_MS), 1);
	shutdown(peer, SHUT_RDWR);
	assert_int_equal(tc_set_end(&a), -ENOTCONN);
	uvf_client_close(c);
	close(peer);
	close(efd);

	/* The next VMM finds the device running with its mmap back. */
	c = aware(x, NULL);
	assert_int_equal(tc_get(c), S(RUNNING));
	assert_true(bar2_mmap(c));
	assert_int_equal(info(c).generation, 0);
	uvf_client_close(c);
}

/* ---- the way back ------------------------------------------------------------------- */

static void test_leaving_precopy_restores_mmap_without_waiting(void **state)
{
	struct fx *x = *state;
	struct uvf_client_remap_info i;
	uint8_t buf[65536];
	long got;
	int efd;
	struct uvf_client *c = aware(x, &efd);

	enter_precopy(c, efd, 1);
	/* Cancelled migration: back to RUNNING at once, mmap offered again. */
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	assert_int_equal(tc_efd_take(efd), 1);
	i = info(c);
	assert_int_equal(i.generation, 2);
	assert_int_equal(i.regions, 1u << BAR2);
	assert_true(bar2_mmap(c));
	assert_int_equal(uvf_client_remap_ack(c, 2), 0);

	/* Completed migration: no change into STOP_COPY; the way out of it
	 * signals although the device is stopped. */
	enter_precopy(c, efd, 3);
	assert_int_equal(tc_set(c, S(STOP_COPY)), 0);
	assert_int_equal(tc_efd_take(efd), 0);
	assert_false(bar2_mmap(c));
	while ((got = uvf_client_mig_read(c, buf, sizeof(buf))) == (long)sizeof(buf))
		;
	assert_true(got >= 0);
	assert_int_equal(tc_set(c, S(STOP)), 0);
	assert_int_equal(tc_efd_take(efd), 1);
	assert_int_equal(info(c).generation, 4);
	assert_true(bar2_mmap(c));
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	close(efd);
	uvf_client_close(c);
}

static void test_p2p_precopy_entry_parks_too(void **state)
{
	struct fx *x = *state;
	struct tc_async_set a;
	int efd;
	struct uvf_client *c = aware(x, &efd);

	assert_int_equal(tc_set(c, S(RUNNING_P2P)), 0);
	tc_set_begin(&a, c, S(PRE_COPY_P2P));
	assert_int_equal(tc_efd_wait(efd, TD_WAIT_MS), 1);
	assert_false(bar2_mmap(c));
	assert_false(tc_set_returned(&a));
	assert_int_equal(uvf_client_remap_ack(c, 1), 0);
	assert_int_equal(tc_set_end(&a), 0);
	assert_int_equal(tc_get(c), S(PRE_COPY_P2P));
	assert_int_equal(tc_set(c, S(RUNNING)), 0);	/* PP2P -> RP2P -> RUNNING */
	assert_true(bar2_mmap(c));
	close(efd);
	uvf_client_close(c);
}

/* ---- the client library's handler ------------------------------------------------------ */

struct vmm {
	pthread_mutex_t lock;
	void *map;
	size_t len;
	unsigned calls, mapped_calls;
	int fail;		/* returned for unmap requests */
	int called_efd;
};

static int remap_cb(void *arg, const struct uvf_client_region *r)
{
	struct vmm *v = arg;
	uint64_t one = 1;
	int ret = 0;

	pthread_mutex_lock(&v->lock);
	v->calls++;
	if (r->index != BAR2)
		ret = -EINVAL;		/* (no cmocka assert off the main thread) */
	else if (r->flags & UVF_VFIO_REGION_INFO_FLAG_MMAP) {
		if (!v->map) {
			v->map = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
				      (off_t)r->offset);
			if (v->map == MAP_FAILED)
				v->map = NULL;
			v->len = r->size;
		}
		v->mapped_calls++;
	} else if (v->fail) {
		ret = v->fail;
	} else if (v->map) {
		munmap(v->map, v->len);
		v->map = NULL;
	}
	pthread_mutex_unlock(&v->lock);
	if (write(v->called_efd, &one, sizeof(one)) < 0)
		ret = -errno;
	return ret;
}

static void wait_acked(struct uvf_client *c, uint64_t gen)
{
	uint64_t end = tc_now_ms() + TD_WAIT_MS;

	while (info(c).acked != gen)
		if (tc_now_ms() > end)
			fail_msg("generation %llu not acknowledged", (unsigned long long)gen);
}

static void test_client_handler_thread(void **state)
{
	struct fx *x = *state;
	struct vmm v = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct uvf_client *c = aware(x, NULL);
	struct uvf_client_remap_stats st;
	struct uvf_client_remap *rm;
	uint8_t b[8];

	v.called_efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(uvf_client_region_mmap(c, BAR2, &v.map, &v.len), 0);
	assert_int_equal(uvf_client_remap_start(c, remap_cb, &v, &rm), 0);
	assert_int_equal(info(c).enabled, 1);

	/* The SET returns once the handler thread unmapped and acknowledged. */
	assert_int_equal(tc_set(c, S(PRE_COPY)), 0);
	pthread_mutex_lock(&v.lock);
	assert_null(v.map);
	assert_int_equal(v.calls, 1);
	pthread_mutex_unlock(&v.lock);
	tc_mem_wr(c, 0, "via I/O!", 8);

	/* Back to RUNNING: the handler maps again, on its own time. */
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	assert_true(tc_efd_wait(v.called_efd, TD_WAIT_MS) >= 1);
	wait_acked(c, 2);
	pthread_mutex_lock(&v.lock);
	assert_non_null(v.map);
	assert_memory_equal(v.map, "via I/O!", 8);
	memcpy(v.map, "via mmap", 8);
	pthread_mutex_unlock(&v.lock);
	tc_mem_rd(c, 0, b, 8);
	assert_memory_equal(b, "via mmap", 8);

	/* Both generations counted (the count follows the ack's reply). */
	for (uint64_t end = tc_now_ms() + TD_WAIT_MS;;) {
		uvf_client_remap_stats(rm, &st);
		if (st.handled == 2 || tc_now_ms() > end)
			break;
	}
	assert_int_equal(st.handled, 2);
	assert_int_equal(st.last_generation, 2);
	assert_int_equal(st.last_error, 0);
	uvf_client_remap_stop(rm);
	assert_int_equal(info(c).enabled, 0);
	munmap(v.map, v.len);
	close(v.called_efd);
	uvf_client_close(c);
}

static void test_client_handler_failure_withholds_ack(void **state)
{
	struct fx *x = *state;
	struct vmm v = { .lock = PTHREAD_MUTEX_INITIALIZER, .fail = -EBUSY };
	struct uvf_client *c = aware(x, NULL);
	struct uvf_client_remap_stats st;
	struct uvf_client_remap *rm;

	v.called_efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(uvf_client_remap_start(c, remap_cb, &v, &rm), 0);
	/* The VMM cannot let go of its mapping: the device gives up. */
	assert_int_equal(tc_set(c, S(PRE_COPY)), -ETIMEDOUT);
	assert_int_equal(tc_get(c), S(RUNNING));
	/* The restoring generation is handled and acknowledged; the failure
	 * before it was recorded (the same thread, earlier). */
	wait_acked(c, 2);
	uvf_client_remap_stats(rm, &st);
	assert_int_equal(st.last_error, -EBUSY);
	uvf_client_remap_stop(rm);
	if (v.map)
		munmap(v.map, v.len);
	close(v.called_efd);
	uvf_client_close(c);
}

/* A client that did not negotiate the extension cannot start a handler. */
static void test_client_handler_needs_extension(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);
	struct uvf_client_remap *rm = NULL;

	assert_int_equal(uvf_client_remap_start(c, remap_cb, NULL, &rm), -ENOTSUP);
	assert_null(rm);
	uvf_client_close(c);
}

/* ---- commands held behind the parked SET ------------------------------------------ */

struct held_call {
	struct uvf_client *c;
	pthread_t thr;
	int done_efd;
	long long n;		/* stream bytes, or -errno */
	enum uvf_mig_state state;
	uint8_t *data;
	size_t len, cap;
};

static int collect(void *arg, const void *data, size_t len)
{
	struct held_call *h = arg;

	if (h->len + len > h->cap)
		return -ENOSPC;
	memcpy(h->data + h->len, data, len);
	h->len += len;
	return 0;
}

static void *held_reader(void *arg)
{
	struct held_call *h = arg;
	uint64_t one = 1;

	/* Three 1 MiB reads in flight: all held until the SET completes. */
	h->n = uvf_client_mig_read_stream(h->c, 1u << 20, 3, collect, h);
	if (write(h->done_efd, &one, sizeof(one)) < 0)
		abort();
	return NULL;
}

static void *held_get(void *arg)
{
	struct held_call *h = arg;
	uint64_t one = 1;

	h->n = uvf_client_mig_get_state(h->c, &h->state);
	if (write(h->done_efd, &one, sizeof(one)) < 0)
		abort();
	return NULL;
}

static void held_begin(struct held_call *h, struct uvf_client *c, void *(*fn)(void *))
{
	h->c = c;
	h->done_efd = eventfd(0, EFD_CLOEXEC);
	assert_true(h->done_efd >= 0);
	assert_int_equal(pthread_create(&h->thr, NULL, fn, h), 0);
}

static void held_end(struct held_call *h)
{
	assert_true(tc_efd_wait(h->done_efd, TD_WAIT_MS) >= 1);
	assert_int_equal(pthread_join(h->thr, NULL), 0);
	close(h->done_efd);
}

/* While a SET is parked, the commands that must see its outcome (state
 * GET, the data stream) wait; after it they run in order, and a reply
 * sent from device memory without a copy is out before the next one is
 * produced: the stream the reader gets is the device's, starting with its
 * header, byte for byte what a loader accepts. */
static void test_commands_held_behind_parked_set(void **state)
{
	struct fx *x = *state;
	const size_t mem = 4u << 20;
	uint8_t *pattern = malloc(mem), *dst = malloc(mem);
	struct held_call rd = { .cap = 2 * mem, .data = malloc(2 * mem) }, gs = { 0 };
	struct uvf_memstream_loader *l;
	struct tc_async_set a;
	int efd;
	struct uvf_client *c = aware(x, &efd);

	assert_non_null(pattern);
	assert_non_null(dst);
	assert_non_null(rd.data);
	for (size_t i = 0; i < mem; i++)
		pattern[i] = (uint8_t)(i * 13 + i / 4093);
	tc_mem_wr(c, 0, pattern, mem);

	tc_set_begin(&a, c, S(PRE_COPY));
	assert_int_equal(tc_efd_wait(efd, TD_WAIT_MS), 1);
	held_begin(&gs, c, held_get);
	held_begin(&rd, c, held_reader);
	assert_int_equal(tc_efd_wait(gs.done_efd, SHORT_MS), 0);	/* held */
	assert_int_equal(tc_efd_wait(rd.done_efd, SHORT_MS), 0);
	assert_false(tc_set_returned(&a));

	assert_int_equal(uvf_client_remap_ack(c, 1), 0);
	assert_int_equal(tc_set_end(&a), 0);
	held_end(&gs);
	assert_int_equal(gs.n, 0);
	assert_int_equal(gs.state, S(PRE_COPY));
	held_end(&rd);
	assert_true(rd.n > (long long)mem);
	assert_int_equal(rd.len, (size_t)rd.n);
	assert_memory_equal(rd.data, "UVFMSTRM", 8);

	/* The rest of the stream, then load it all: the checksum holds. */
	assert_int_equal(tc_set(c, S(STOP_COPY)), 0);
	held_begin(&rd, c, held_reader);
	held_end(&rd);
	assert_true(rd.n > 0);
	assert_int_equal(uvf_memstream_loader_create(dst, mem, UVF_PDMA_STREAM_ID,
						     UVF_PDMA_BLOB_SIZE, &l), 0);
	assert_int_equal(uvf_memstream_loader_write(l, rd.data, rd.len), 0);
	assert_int_equal(uvf_memstream_loader_finish(l, NULL, NULL, NULL, NULL), 0);
	assert_memory_equal(dst, pattern, mem);
	uvf_memstream_loader_destroy(l);

	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	free(rd.data);
	free(pattern);
	free(dst);
	close(efd);
	uvf_client_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_aware_set_parked_until_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aware_without_irq_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unaware_gets_stop_copy_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_timeout_keeps_old_state, setup_short,
						teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_duplicate_acks_ignored, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_feature_ops_and_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_cancels_parked_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_while_parked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaving_precopy_restores_mmap_without_waiting,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_p2p_precopy_entry_parks_too, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_handler_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_handler_failure_withholds_ack,
						setup_short, teardown),
		cmocka_unit_test_setup_teardown(test_client_handler_needs_extension, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_commands_held_behind_parked_set, setup_big,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
