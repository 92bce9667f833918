/* SPDX-License-Identifier: MIT */
/*
 * test_pci_mig_state.c - pci-dma behaviour per migration state, in-process:
 * what a stopped device answers (BARs all-ones and deaf, config space and
 * MSI-X working, no interrupt, no DMA), P2P draining the step in flight
 * and initiating nothing after, pre-copy re-sending only changed pages,
 * external state written while resuming left alone by the load, corrupt
 * streams and forged register blobs refused with the device unchanged,
 * and a reset in the middle of pre-copy.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "dma_test.h"
#include "pci/pci_dma.h"
#include "pci/regs.h"
#include "testutil.h"

#define MEM	(256u << 10)
#define PG	4096u
#define G	TD_GUEST_IOVA
#define S(x)	UVF_MIG_STATE_##x

struct fx {
	struct pfx a, b;
	int fds;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	x->fds = uvf_test_count_fds();
	pfx_start(&x->a, "state-a.sock", "mem=256K");
	pfx_start(&x->b, "state-b.sock", "mem=256K");
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	pfx_stop(&x->a);
	pfx_stop(&x->b);
	assert_int_equal(uvf_test_count_fds(), x->fds);
	free(x);
	return 0;
}

static void fill(void *p, size_t len, uint32_t seed)
{
	uint8_t *b = p;

	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}

/* Read a whole stream (until a short read) into a growing buffer. */
static size_t read_stream(struct uvf_client *c, uint8_t **buf)
{
	size_t len = 0, cap = 0;
	long n;

	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1u << 20;
			*buf = realloc(*buf, cap);
			assert_non_null(*buf);
		}
		n = uvf_client_mig_read(c, *buf + len, 65536);
		if (n == -ENOMSG)
			break;
		assert_true(n >= 0);
		len += (size_t)n;
	} while (n == 65536);
	return len;
}

/* ---- a stopped device ----------------------------------------------------------- */

static void test_stopped_bars_deaf_config_and_msix_alive(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->a.sock, false);
	uint8_t b[16], ones[16];
	int vec, intx, late;

	memset(ones, 0xff, sizeof(ones));
	tc_enable(c);
	tc_msix(c, true, false);
	assert_int_equal(uvf_client_irq_eventfd(c, UVF_VFIO_PCI_MSIX_IRQ_INDEX, 2, &vec), 0);
	assert_int_equal(uvf_client_irq_eventfd(c, UVF_VFIO_PCI_INTX_IRQ_INDEX, 0, &intx), 0);
	tc_wr(c, UVF_PDMA_REG_SCRATCH, 0x1111);
	tc_mem_wr(c, 0, "runnable", 8);

	static const enum uvf_mig_state stopped[] = { S(STOP), S(STOP_COPY), S(RESUMING) };

	for (unsigned k = 0; k < 3; k++) {
		enum uvf_mig_state s = stopped[k];

		assert_int_equal(tc_set(c, s), 0);
		/* BAR0 registers and BAR2: all-ones, writes dropped. */
		assert_int_equal(tc_rd(c, UVF_PDMA_REG_ID), 0xffffffff);
		tc_wr(c, UVF_PDMA_REG_SCRATCH, 0x2222);
		tc_wr(c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
		tc_mem_rd(c, 0, b, 16);
		assert_memory_equal(b, ones, 16);
		tc_mem_wr(c, 0, "stopped!", 8);
		assert_int_equal(tc_efd_take(vec), 0);
		/* Config space and the MSI-X table/PBA are the VMM's: alive. */
		tc_cfg_wr(c, UVF_PCI_INTERRUPT_LINE, 1, 10 + s);
		assert_int_equal(tc_cfg_rd(c, UVF_PCI_INTERRUPT_LINE, 1), 10 + s);
		tc_wr(c, UVF_PDMA_MSIX_TABLE + 32, 0xfee00000u + s);
		assert_int_equal(tc_rd(c, UVF_PDMA_MSIX_TABLE + 32), 0xfee00000u + s);
		assert_int_equal(tc_rd(c, UVF_PDMA_MSIX_PBA), 0);
		/* So is IRQ wiring. */
		assert_int_equal(uvf_client_irq_eventfd(c, UVF_VFIO_PCI_MSIX_IRQ_INDEX, 1, &late),
				 0);
		close(late);
		if (s == S(RESUMING)) {
			/* An empty image cannot be applied: leave by reset. */
			assert_int_equal(uvf_client_reset(c), 0);
			assert_int_equal(tc_get(c), S(RUNNING));
			break;
		}
		assert_int_equal(tc_set(c, S(RUNNING)), 0);
		assert_int_equal(tc_rd(c, UVF_PDMA_REG_SCRATCH), 0x1111);
		tc_mem_rd(c, 0, b, 8);
		assert_memory_equal(b, "runnable", 8);
		assert_int_equal(tc_rd(c, UVF_PDMA_REG_INT_STATUS), 0);
	}
	assert_int_equal(tc_efd_take(vec), 0);
	assert_int_equal(tc_efd_take(intx), 0);
	close(vec);
	close(intx);
	uvf_client_close(c);
}

static void test_function_mask_release_waits_for_start(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->a.sock, false);
	int vec;

	tc_enable(c);
	tc_msix(c, true, true);
	assert_int_equal(uvf_client_irq_eventfd(c, UVF_VFIO_PCI_MSIX_IRQ_INDEX, 2, &vec), 0);
	tc_wr(c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	assert_int_equal(tc_set(c, S(STOP)), 0);
	/* The VMM unmasks while the device is stopped: nothing may fire, and
	 * nothing may be lost either. */
	tc_msix(c, true, false);
	assert_int_equal(tc_efd_take(vec), 0);
	assert_int_equal(tc_rd(c, UVF_PDMA_MSIX_PBA), 1u << 2);
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	assert_int_equal(tc_efd_wait(vec, TD_WAIT_MS), 1);
	assert_int_equal(tc_rd(c, UVF_PDMA_MSIX_PBA), 0);
	close(vec);
	uvf_client_close(c);
}

/* ---- P2P: drain, then initiate nothing ------------------------------------------------ */

static void probe_inflight(struct uvf_device *dev, void *arg)
{
	*(bool *)arg = uvf_pdma_of(dev)->run.inflight;
}

/* Wait until the engine has a message step out.  Nobody answers it while
 * no call of this client is waiting, so from then on it stays out. */
static void wait_inflight(struct fx *x)
{
	uint64_t end = tc_now_ms() + TD_WAIT_MS;
	bool out = false;

	while (!out) {
		pfx_call(&x->a, probe_inflight, &out);
		if (tc_now_ms() > end)
			fail_msg("the engine never started its first step");
	}
}

static void test_p2p_drains_in_flight_step_and_starts_nothing(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->a.sock, false);
	const uint32_t len = 64 * PG;
	struct tguest g;
	uint32_t bytes;

	tc_enable(c);
	/* Message-DMA memory: each step is a DMA_READ + DMA_WRITE that only
	 * completes while this client waits in a call. */
	tc_guest(c, &g, G, 1u << 20, true);
	fill(g.m.ptr, len, 31);
	tc_wr(c, UVF_PDMA_REG_SD_SRC_LO, (uint32_t)G);
	tc_wr(c, UVF_PDMA_REG_SD_DST_LO, (uint32_t)(G + (512u << 10)));
	tc_wr(c, UVF_PDMA_REG_SD_LEN, len);
	tc_wr(c, UVF_PDMA_REG_SD_FLAGS, UVF_PDMA_DIR_G2G);
	tc_wr(c, UVF_PDMA_REG_SD_DOORBELL, 1);
	wait_inflight(x);
	/* The engine's first read is out; the SET waits for that step (read
	 * and write) to finish, and the engine takes no other. */
	assert_int_equal(tc_set(c, S(RUNNING_P2P)), 0);
	bytes = tc_rd(c, UVF_PDMA_REG_BYTES_LO);
	assert_int_equal(bytes, PG);
	for (int i = 0; i < 20; i++)
		assert_int_equal(tc_rd(c, UVF_PDMA_REG_BYTES_LO), bytes);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_SD_STATUS), UVF_PDMA_DS_BUSY);
	/* Registers still answer in P2P; a doorbell is latched, not run. */
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_ID), UVF_PDMA_ID_VALUE);
	tc_wr(c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_INT_STATUS), UVF_PDMA_INT_SOFT);

	/* Through STOP and back: the job resumes where it stopped. */
	assert_int_equal(tc_set(c, S(STOP)), 0);
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	assert_int_equal(tc_wait_idle(c), 0);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_SD_STATUS), UVF_PDMA_DS_DONE);
	assert_memory_equal((uint8_t *)g.m.ptr + (512u << 10), g.m.ptr, len);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_BYTES_LO), len);
	tc_guest_free(c, &g);
	uvf_client_close(c);
}

static void test_stop_from_running_drains_too(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->a.sock, false);
	struct tguest g;

	tc_enable(c);
	tc_guest(c, &g, G, 1u << 20, true);
	tc_wr(c, UVF_PDMA_REG_SD_SRC_LO, 0);
	tc_wr(c, UVF_PDMA_REG_SD_DST_LO, (uint32_t)G);
	tc_wr(c, UVF_PDMA_REG_SD_LEN, 8 * PG);
	tc_wr(c, UVF_PDMA_REG_SD_FLAGS, UVF_PDMA_DIR_D2G);
	tc_wr(c, UVF_PDMA_REG_SD_DOORBELL, 1);
	wait_inflight(x);
	assert_int_equal(tc_set(c, S(STOP)), 0);
	assert_int_equal(tc_set(c, S(RUNNING_P2P)), 0);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_BYTES_LO), PG);
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	assert_int_equal(tc_wait_idle(c), 0);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_BYTES_LO), 8 * PG);
	tc_guest_free(c, &g);
	uvf_client_close(c);
}

/* ---- pre-copy: everything first, then only what changed -------------------------------- */

static void test_precopy_resends_only_changed_pages(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->a.sock, true), *d;
	struct uvf_client_remap *rm;
	uint8_t *s1 = NULL, *s2 = NULL, *s3 = NULL, *img;
	uint64_t initial, dirty;
	size_t n1, n2, n3;

	tc_enable(c);
	img = malloc(MEM);
	fill(img, MEM, 41);
	tc_mem_wr(c, 0, img, MEM);
	assert_int_equal(uvf_client_remap_start(c, NULL, NULL, &rm), 0);
	assert_int_equal(tc_set(c, S(PRE_COPY)), 0);
	n1 = read_stream(c, &s1);
	assert_true(n1 > MEM);
	assert_int_equal(uvf_client_precopy_info(c, &initial, &dirty), 0);
	assert_int_equal(initial, 0);
	/* Nothing changed: nothing to send. */
	n2 = read_stream(c, &s2);
	assert_int_equal(n2, 0);
	/* Two pages change (one by the guest driver, one by the engine). */
	tc_mem_wr(c, 5 * PG + 9, "changed", 7);
	memcpy(img + 5 * PG + 9, "changed", 7);
	assert_int_equal(tc_sd(c, 0, 40 * PG, 16, UVF_PDMA_DIR_D2D), UVF_PDMA_DS_DONE);
	memcpy(img + 40 * PG, img, 16);
	n2 = read_stream(c, &s2);
	assert_true(n2 >= 2 * PG && n2 < 4 * PG);
	/* Stop-copy: the registers and whatever is left. */
	tc_wr(c, UVF_PDMA_REG_SCRATCH, 0x5c);
	assert_int_equal(tc_set(c, S(STOP_COPY)), 0);
	n3 = read_stream(c, &s3);
	assert_true(n3 < 2 * PG);

	d = tc_connect(x->b.sock, false);
	assert_int_equal(tc_set(d, S(RESUMING)), 0);
	assert_int_equal(uvf_client_mig_write(d, s1, n1), 0);
	assert_int_equal(uvf_client_mig_write(d, s2, n2), 0);
	assert_int_equal(uvf_client_mig_write(d, s3, n3), 0);
	assert_int_equal(tc_set(d, S(RUNNING)), 0);
	tc_cfg_wr(d, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	tc_mem_rd(d, 0, s1, MEM);
	assert_memory_equal(s1, img, MEM);
	assert_int_equal(tc_rd(d, UVF_PDMA_REG_SCRATCH), 0x5c);
	assert_int_equal(tc_rd(d, UVF_PDMA_REG_BYTES_LO), 16);

	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	uvf_client_remap_stop(rm);
	free(s1);
	free(s2);
	free(s3);
	free(img);
	uvf_client_close(d);
	uvf_client_close(c);
}

static void test_reset_in_precopy(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->a.sock, true);
	struct uvf_client_remap *rm;
	uint8_t b[64];

	tc_enable(c);
	assert_int_equal(uvf_client_remap_start(c, NULL, NULL, &rm), 0);
	assert_int_equal(tc_set(c, S(PRE_COPY)), 0);
	assert_true(uvf_client_mig_read(c, b, sizeof(b)) > 0);
	assert_int_equal(uvf_client_reset(c), 0);
	assert_int_equal(tc_get(c), S(RUNNING));
	assert_int_equal(uvf_client_mig_read(c, b, sizeof(b)), -EINVAL);
	uvf_client_remap_stop(rm);
	uvf_client_close(c);
}

/* ---- resuming: external state, bad images ------------------------------------------------ */

static void test_resume_leaves_external_state_alone(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->a.sock, false), *d;
	uint8_t *s = NULL;
	size_t n;
	int vec;

	tc_enable(c);
	tc_wr(c, UVF_PDMA_REG_SCRATCH, 0xabc);
	tc_wr(c, UVF_PDMA_REG_INT_MASK, UVF_PDMA_INT_DONE);
	tc_wr(c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	assert_int_equal(tc_set(c, S(STOP_COPY)), 0);
	n = read_stream(c, &s);

	d = tc_connect(x->b.sock, false);
	assert_int_equal(tc_set(d, S(RESUMING)), 0);
	/* The destination VMM sets up config space and IRQs while the image
	 * is coming in; the load must not undo any of it. */
	tc_cfg_wr(d, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY | UVF_PCI_COMMAND_MASTER);
	tc_msix(d, true, false);
	tc_cfg_wr(d, UVF_PCI_INTERRUPT_LINE, 1, 11);
	tc_wr(d, UVF_PDMA_MSIX_TABLE + 32, 0xfee01000);
	assert_int_equal(uvf_client_irq_eventfd(d, UVF_VFIO_PCI_MSIX_IRQ_INDEX, 2, &vec), 0);
	assert_int_equal(uvf_client_mig_write(d, s, n), 0);
	assert_int_equal(tc_set(d, S(RUNNING)), 0);
	assert_int_equal(tc_cfg_rd(d, UVF_PCI_COMMAND, 2),
			 UVF_PCI_COMMAND_MEMORY | UVF_PCI_COMMAND_MASTER);
	assert_true(tc_cfg_rd(d, UVF_PDMA_CAP_MSIX + UVF_PCI_MSIX_FLAGS, 2) &
		    UVF_PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(tc_cfg_rd(d, UVF_PCI_INTERRUPT_LINE, 1), 11);
	assert_int_equal(tc_rd(d, UVF_PDMA_MSIX_TABLE + 32), 0xfee01000);
	/* Device state did come over. */
	assert_int_equal(tc_rd(d, UVF_PDMA_REG_SCRATCH), 0xabc);
	assert_int_equal(tc_rd(d, UVF_PDMA_REG_INT_MASK), UVF_PDMA_INT_DONE);
	assert_int_equal(tc_rd(d, UVF_PDMA_REG_INT_STATUS), UVF_PDMA_INT_SOFT);
	close(vec);
	free(s);
	uvf_client_close(d);
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	uvf_client_close(c);
}

static void test_corrupt_image_leaves_destination_unchanged(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->a.sock, false), *d;
	uint8_t *s = NULL, b[8];
	size_t n;

	tc_enable(c);
	tc_mem_wr(c, 0, "source!!", 8);
	assert_int_equal(tc_set(c, S(STOP_COPY)), 0);
	n = read_stream(c, &s);
	s[n / 2] ^= 0x40;

	d = tc_connect(x->b.sock, false);
	tc_enable(d);
	tc_wr(d, UVF_PDMA_REG_SCRATCH, 0xd);
	tc_mem_wr(d, 0, "dest....", 8);
	assert_int_equal(tc_set(d, S(RESUMING)), 0);
	assert_int_equal(uvf_client_mig_write(d, s, n), 0);
	assert_int_not_equal(tc_set(d, S(RUNNING)), 0);
	assert_int_equal(tc_get(d), S(RESUMING));
	assert_int_equal(uvf_client_reset(d), 0);
	tc_cfg_wr(d, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	tc_mem_rd(d, 0, b, 8);
	assert_memory_equal(b, "dest....", 8);
	free(s);
	uvf_client_close(d);
	assert_int_equal(tc_set(c, S(RUNNING)), 0);
	uvf_client_close(c);
}

/* ---- the register blob ------------------------------------------------------------------ */

static void test_blob_round_trip_and_forgeries(void **state)
{
	struct uvf_pdma_regs r = { 0 };
	uint8_t b[UVF_PDMA_BLOB_SIZE], f[UVF_PDMA_BLOB_SIZE];
	/* Offsets in the blob (see dma_mig.c's field list). */
	enum { O_CTRL = 16, O_JOB = 108, O_PHASE = 112, O_SRC = 116, O_DST = 124, O_LEN = 132,
	       O_FLAGS = 136, O_PROGRESS = 140, O_PBA = 148, O_SD_STATUS = 80 };

	(void)state;
	r.ctrl = UVF_PDMA_CTRL_ENABLE;
	r.job = UVF_PDMA_JOB_SINGLE;
	r.phase = UVF_PDMA_PH_COPY;
	r.sd_status = UVF_PDMA_DS_BUSY;
	r.cur = (struct uvf_pdma_desc){ .src = G, .dst = MEM - 64, .len = 64,
				    .flags = UVF_PDMA_DIR_G2D };
	r.progress = 32;
	assert_int_equal(uvf_pdma_blob_encode(&r, MEM, b), UVF_PDMA_BLOB_SIZE);
	assert_int_equal(uvf_pdma_blob_check(MEM, b, sizeof(b)), 0);
	assert_int_equal(b[O_JOB], UVF_PDMA_JOB_SINGLE);
	assert_int_equal(b[O_PROGRESS], 32);

	/* Wrong size, memory size, magic. */
	assert_int_equal(uvf_pdma_blob_check(MEM, b, sizeof(b) - 1), -EINVAL);
	assert_int_equal(uvf_pdma_blob_check(MEM * 2, b, sizeof(b)), -EINVAL);
	memcpy(f, b, sizeof(b));
	f[0] ^= 1;
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);

	/* A job past its checks pointing outside device memory: the one
	 * forgery that could otherwise make the engine write wild. */
	memcpy(f, b, sizeof(b));
	f[O_DST + 0] = 0xc1;	/* MEM - 64 + 1 + ... */
	f[O_DST + 1] = 0xff;
	f[O_DST + 2] = 0x03;
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);
	memcpy(f, b, sizeof(b));
	f[O_LEN + 3] = 0x80;
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);
	memcpy(f, b, sizeof(b));
	f[O_PROGRESS] = 65;
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);
	memcpy(f, b, sizeof(b));
	f[O_FLAGS + 1] = 0x80;
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);
	/* Unknown job/phase values, a job without a phase, stray bits. */
	memcpy(f, b, sizeof(b));
	f[O_JOB] = 3;
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);
	memcpy(f, b, sizeof(b));
	f[O_PHASE] = 0;
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);
	memcpy(f, b, sizeof(b));
	f[O_CTRL] = 0x3;
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);
	memcpy(f, b, sizeof(b));
	f[O_PBA] = 0x8;
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);
	memcpy(f, b, sizeof(b));
	f[O_SD_STATUS] = 0;	/* a single job whose register says idle */
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);
	/* A ring job needs a sane ring. */
	r.job = UVF_PDMA_JOB_RING;
	r.sd_status = 0;
	r.ring_size = 3;
	r.ring_tail = 1;
	assert_int_equal(uvf_pdma_blob_encode(&r, MEM, f), UVF_PDMA_BLOB_SIZE);
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), -EINVAL);
	r.ring_size = 4;
	assert_int_equal(uvf_pdma_blob_encode(&r, MEM, f), UVF_PDMA_BLOB_SIZE);
	assert_int_equal(uvf_pdma_blob_check(MEM, f, sizeof(f)), 0);
	(void)O_SRC;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stopped_bars_deaf_config_and_msix_alive, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_function_mask_release_waits_for_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_p2p_drains_in_flight_step_and_starts_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_from_running_drains_too, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_resends_only_changed_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reset_in_precopy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_leaves_external_state_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_image_leaves_destination_unchanged,
						setup, teardown),
		cmocka_unit_test(test_blob_round_trip_and_forgeries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
