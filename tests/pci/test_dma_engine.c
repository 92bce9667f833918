/* SPDX-License-Identifier: MIT */
/*
 * test_dma_engine.c - the pci-dma copy engine: every direction through the
 * single-descriptor registers and the ring (with status write-back and
 * wrap-around), guest ranges spanning maps, maps without fds (message
 * DMA), the dirty log of engine writes, and every way a descriptor can be
 * wrong: each halts the engine with its error code and touches nothing
 * outside device memory and the client's maps (ASan runs these too).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dma_test.h"
#include "pci/regs.h"
#include "testutil.h"

#define MEM		(1u << 20)
#define GUEST		(4u << 20)
#define G		TD_GUEST_IOVA
#define RING_OFF	(3u << 20)	/* ring at guest offset 3 MiB */
#define PG		4096u

struct fx {
	struct pfx f;
	struct uvf_client *c;
	struct tguest g;
	int fds;
};

static void fill(void *p, size_t len, uint32_t seed)
{
	uint8_t *b = p;

	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}

static int setup_common(void **state, bool msg)
{
	struct fx *x = calloc(1, sizeof(*x));

	x->fds = uvf_test_count_fds();
	pfx_start(&x->f, "engine.sock", "mem=1M");
	x->c = tc_connect(x->f.sock, false);
	tc_enable(x->c);
	tc_guest(x->c, &x->g, G, GUEST, msg);
	*state = x;
	return 0;
}

static int setup(void **state)
{
	return setup_common(state, false);
}

static int setup_msg(void **state)
{
	return setup_common(state, true);
}

static int teardown(void **state)
{
	struct fx *x = *state;

	tc_guest_free(x->c, &x->g);
	uvf_client_close(x->c);
	pfx_stop(&x->f);
	assert_int_equal(uvf_test_count_fds(), x->fds);
	free(x);
	return 0;
}

static uint8_t *gp(struct fx *x, uint64_t off)
{
	return (uint8_t *)x->g.m.ptr + off;
}

static void expect_halt(struct fx *x, uint32_t code, uint64_t addr)
{
	uint32_t st = tc_wait_idle(x->c);

	assert_true(st & UVF_PDMA_STATUS_HALTED);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_ERR_CODE), code);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_ERR_ADDR_LO), (uint32_t)addr);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_ERR_ADDR_HI), (uint32_t)(addr >> 32));
	assert_true(tc_rd(x->c, UVF_PDMA_REG_INT_STATUS) & UVF_PDMA_INT_ERROR);
	/* CTRL.RESET clears the halt; the engine works again. */
	tc_wr(x->c, UVF_PDMA_REG_CTRL, UVF_PDMA_CTRL_ENABLE | UVF_PDMA_CTRL_RESET);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_STATUS), 0);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_ERR_CODE), 0);
	tc_wr(x->c, UVF_PDMA_REG_INT_STATUS, UVF_PDMA_INT_ALL);
}

/* ---- directions ------------------------------------------------------------------ */

static void test_single_every_direction(void **state)
{
	struct fx *x = *state;
	uint8_t b[3 * PG];

	fill(gp(x, 0), 3 * PG, 1);
	/* guest -> device, at odd offsets and lengths */
	assert_int_equal(tc_sd(x->c, G + 5, 1000, 3 * PG - 5, UVF_PDMA_DIR_G2D), UVF_PDMA_DS_DONE);
	tc_mem_rd(x->c, 1000, b, 3 * PG - 5);
	assert_memory_equal(b, gp(x, 5), 3 * PG - 5);
	/* device -> guest */
	assert_int_equal(tc_sd(x->c, 1000, G + PG * 10 + 3, 3 * PG - 5, UVF_PDMA_DIR_D2G),
			 UVF_PDMA_DS_DONE);
	assert_memory_equal(gp(x, PG * 10 + 3), gp(x, 5), 3 * PG - 5);
	/* guest -> guest */
	assert_int_equal(tc_sd(x->c, G, G + 2 * 1024 * 1024, 3 * PG, UVF_PDMA_DIR_G2G),
			 UVF_PDMA_DS_DONE);
	assert_memory_equal(gp(x, 2 * 1024 * 1024), gp(x, 0), 3 * PG);
	/* device -> device, up to the last byte */
	assert_int_equal(tc_sd(x->c, 1000, MEM - 100, 100, UVF_PDMA_DIR_D2D), UVF_PDMA_DS_DONE);
	tc_mem_rd(x->c, MEM - 100, b, 100);
	assert_memory_equal(b, gp(x, 5), 100);
	/* Length 0 completes at once. */
	assert_int_equal(tc_sd(x->c, 0, 0, 0, UVF_PDMA_DIR_D2D), UVF_PDMA_DS_DONE);

	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_BYTES_LO), 2 * (3 * PG - 5) + 3 * PG + 100);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_STATUS), 0);
	/* No FLAG_IRQ: no cause. */
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_INT_STATUS), 0);
}

static void test_big_transfer_in_chunks(void **state)
{
	struct fx *x = *state;

	fill(gp(x, 0), 2u << 20, 7);
	assert_int_equal(tc_sd(x->c, G, G + (2u << 20), 2u << 20,
			       UVF_PDMA_DIR_G2G | UVF_PDMA_FLAG_IRQ), UVF_PDMA_DS_DONE);
	assert_memory_equal(gp(x, 2u << 20), gp(x, 0), 2u << 20);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_INT_STATUS), UVF_PDMA_INT_DONE);
}

static void ring_setup(struct fx *x, uint32_t size)
{
	tc_wr(x->c, UVF_PDMA_REG_RING_BASE_LO, (uint32_t)(G + RING_OFF));
	tc_wr(x->c, UVF_PDMA_REG_RING_BASE_HI, (uint32_t)((G + RING_OFF) >> 32));
	tc_wr(x->c, UVF_PDMA_REG_RING_SIZE, size);
}

static void test_ring_with_writeback_and_wrap(void **state)
{
	struct fx *x = *state;
	const uint32_t size = 4;
	uint32_t tail = 0;
	uint8_t b[PG];

	fill(gp(x, 0), 16 * PG, 3);
	ring_setup(x, size);
	/* Ten entries through a four-entry ring: HEAD and TAIL run freely. */
	for (uint32_t batch = 0; batch < 3; batch++) {
		uint32_t n = batch == 2 ? 2 : 4, first = tail;

		for (uint32_t i = 0; i < n; i++, tail++)
			tc_desc(&x->g, RING_OFF, size, tail, G + tail * PG, tail * PG, PG,
				UVF_PDMA_DIR_G2D);
		tc_wr(x->c, UVF_PDMA_REG_RING_TAIL, tail);
		assert_int_equal(tc_wait_idle(x->c), 0);
		assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_RING_HEAD), tail);
		for (uint32_t i = first; i < tail; i++)
			assert_int_equal(tc_desc_status(&x->g, RING_OFF, size, i),
					 UVF_PDMA_DS_DONE);
	}
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_RING_DONE), 10);
	for (uint32_t i = 0; i < 10; i++) {
		tc_mem_rd(x->c, i * PG, b, PG);
		assert_memory_equal(b, gp(x, i * PG), PG);
	}
	/* The single descriptor and the ring share the engine. */
	assert_int_equal(tc_sd(x->c, 0, G + 12 * PG, PG, UVF_PDMA_DIR_D2G), UVF_PDMA_DS_DONE);
	assert_memory_equal(gp(x, 12 * PG), gp(x, 0), PG);
}

static void test_span_adjacent_maps(void **state)
{
	struct fx *x = *state;
	struct tguest h;
	uint8_t b[2 * PG];

	/* A second map right after the first: one descriptor crosses. */
	tc_guest(x->c, &h, G + GUEST, 1u << 20, false);
	fill(gp(x, GUEST - PG), PG, 9);
	fill(h.m.ptr, PG, 10);
	assert_int_equal(tc_sd(x->c, G + GUEST - PG, 0, 2 * PG, UVF_PDMA_DIR_G2D),
			 UVF_PDMA_DS_DONE);
	tc_mem_rd(x->c, 0, b, 2 * PG);
	assert_memory_equal(b, gp(x, GUEST - PG), PG);
	assert_memory_equal(b + PG, h.m.ptr, PG);
	tc_guest_free(x->c, &h);
}

/* ---- errors --------------------------------------------------------------------- */

static void test_guest_fault_halts_without_wild_access(void **state)
{
	struct fx *x = *state;
	uint8_t before[2 * PG], after[2 * PG];

	fill(before, sizeof(before), 5);
	tc_mem_wr(x->c, 0, before, sizeof(before));
	/* Nothing mapped there at all. */
	assert_int_equal(tc_sd(x->c, 0x7000000000ull, 0, PG, UVF_PDMA_DIR_G2D),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_GUEST_FAULT << 8);
	expect_halt(x, UVF_PDMA_ERR_GUEST_FAULT, 0x7000000000ull);
	tc_mem_rd(x->c, 0, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
	/* The function recorded a master abort in its status register. */
	assert_true(tc_cfg_rd(x->c, UVF_PCI_STATUS, 2) & UVF_PCI_STATUS_REC_MASTER_ABORT);
	tc_cfg_wr(x->c, UVF_PCI_STATUS, 2, UVF_PCI_STATUS_REC_MASTER_ABORT);

	/* Running off the end of the map: the mapped part is copied. */
	fill(gp(x, GUEST - PG), PG, 6);
	assert_int_equal(tc_sd(x->c, G + GUEST - PG, 0, 2 * PG, UVF_PDMA_DIR_G2D),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_GUEST_FAULT << 8);
	expect_halt(x, UVF_PDMA_ERR_GUEST_FAULT, G + GUEST);
	tc_mem_rd(x->c, 0, after, sizeof(after));
	assert_memory_equal(after, gp(x, GUEST - PG), PG);
	assert_memory_equal(after + PG, before + PG, PG);

	/* Writing to guest memory that is not there. */
	assert_int_equal(tc_sd(x->c, 0, G - PG, PG, UVF_PDMA_DIR_D2G),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_GUEST_FAULT << 8);
	expect_halt(x, UVF_PDMA_ERR_GUEST_FAULT, G - PG);
	/* An address that wraps the 64-bit space. */
	assert_int_equal(tc_sd(x->c, ~0ull - 10, G, 100, UVF_PDMA_DIR_G2G),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_GUEST_FAULT << 8);
	expect_halt(x, UVF_PDMA_ERR_GUEST_FAULT, ~0ull - 10);
}

static void test_device_range_checked_before_any_byte(void **state)
{
	struct fx *x = *state;
	uint8_t before[PG], after[PG];

	fill(before, sizeof(before), 8);
	tc_mem_wr(x->c, MEM - PG, before, PG);
	fill(gp(x, 0), 2 * PG, 11);
	assert_int_equal(tc_sd(x->c, G, MEM - PG, 2 * PG, UVF_PDMA_DIR_G2D),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_DEV_RANGE << 8);
	expect_halt(x, UVF_PDMA_ERR_DEV_RANGE, MEM - PG);
	tc_mem_rd(x->c, MEM - PG, after, PG);
	assert_memory_equal(before, after, PG);
	/* Source past the end, and offsets that would wrap. */
	assert_int_equal(tc_sd(x->c, MEM, G, 1, UVF_PDMA_DIR_D2G),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_DEV_RANGE << 8);
	expect_halt(x, UVF_PDMA_ERR_DEV_RANGE, MEM);
	assert_int_equal(tc_sd(x->c, 0, ~0ull - 2, 16, UVF_PDMA_DIR_D2D),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_DEV_RANGE << 8);
	expect_halt(x, UVF_PDMA_ERR_DEV_RANGE, ~0ull - 2);
	assert_int_equal(tc_sd(x->c, 0, 0, 0xffffffffu, UVF_PDMA_DIR_D2D),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_DEV_RANGE << 8);
	expect_halt(x, UVF_PDMA_ERR_DEV_RANGE, 0);
	/* Reserved flag bits. */
	assert_int_equal(tc_sd(x->c, 0, 0, 16, UVF_PDMA_DIR_D2D | 0x10),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_DESC << 8);
	expect_halt(x, UVF_PDMA_ERR_DESC, 0);
}

static void test_permission_and_bus_master(void **state)
{
	struct fx *x = *state;
	struct uvf_client_mem ro;

	/* A read-only map as destination. */
	assert_int_equal(uvf_client_mem_alloc(PG, &ro), 0);
	assert_int_equal(uvf_client_dma_map(x->c, 0x1000, PG, UVF_VU_DMA_MAP_F_READ, ro.fd, 0,
					    ro.ptr), 0);
	assert_int_equal(tc_sd(x->c, 0, 0x1000, 16, UVF_PDMA_DIR_D2G),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_GUEST_PERM << 8);
	expect_halt(x, UVF_PDMA_ERR_GUEST_PERM, 0x1000);
	/* ... which is fine as a source. */
	assert_int_equal(tc_sd(x->c, 0x1000, 0, 16, UVF_PDMA_DIR_G2D), UVF_PDMA_DS_DONE);
	assert_int_equal(uvf_client_dma_unmap(x->c, 0x1000, PG), 0);
	uvf_client_mem_free(&ro);

	/* Bus master off: no guest access, device-only copies still run. */
	tc_cfg_wr(x->c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	assert_int_equal(tc_sd(x->c, 0, 64, 16, UVF_PDMA_DIR_D2D), UVF_PDMA_DS_DONE);
	assert_int_equal(tc_sd(x->c, G, 0, 16, UVF_PDMA_DIR_G2D),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_NO_MASTER << 8);
	expect_halt(x, UVF_PDMA_ERR_NO_MASTER, G);
}

static void test_ring_errors(void **state)
{
	struct fx *x = *state;

	/* Not a power of two, too big, unaligned base. */
	ring_setup(x, 3);
	tc_wr(x->c, UVF_PDMA_REG_RING_TAIL, 1);
	expect_halt(x, UVF_PDMA_ERR_RING, G + RING_OFF);
	ring_setup(x, 8192);
	tc_wr(x->c, UVF_PDMA_REG_RING_TAIL, 1);
	expect_halt(x, UVF_PDMA_ERR_RING, G + RING_OFF);
	ring_setup(x, 4);
	tc_wr(x->c, UVF_PDMA_REG_RING_BASE_LO, (uint32_t)(G + RING_OFF + 8));
	tc_wr(x->c, UVF_PDMA_REG_RING_TAIL, 1);
	expect_halt(x, UVF_PDMA_ERR_RING, G + RING_OFF + 8);
	/* TAIL more than a ring ahead of HEAD. */
	ring_setup(x, 4);
	tc_wr(x->c, UVF_PDMA_REG_RING_TAIL, 5);
	expect_halt(x, UVF_PDMA_ERR_RING, G + RING_OFF);
	/* A ring in unmapped memory. */
	tc_wr(x->c, UVF_PDMA_REG_RING_BASE_LO, 0x40000000);
	tc_wr(x->c, UVF_PDMA_REG_RING_TAIL, 1);
	expect_halt(x, UVF_PDMA_ERR_GUEST_FAULT, 0x40000000);
	/* A bad descriptor: its status says so, HEAD stays on it. */
	ring_setup(x, 4);
	tc_desc(&x->g, RING_OFF, 4, 0, 0, 0, 16, UVF_PDMA_DIR_D2D);
	tc_desc(&x->g, RING_OFF, 4, 1, 0, MEM, 16, UVF_PDMA_DIR_D2D);
	tc_wr(x->c, UVF_PDMA_REG_RING_TAIL, 2);
	assert_true(tc_wait_idle(x->c) & UVF_PDMA_STATUS_HALTED);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_RING_HEAD), 1);
	assert_int_equal(tc_desc_status(&x->g, RING_OFF, 4, 0), UVF_PDMA_DS_DONE);
	assert_int_equal(tc_desc_status(&x->g, RING_OFF, 4, 1),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_DEV_RANGE << 8);
	expect_halt(x, UVF_PDMA_ERR_DEV_RANGE, MEM);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_RING_HEAD), 0);	/* reset */
}

static void test_disabled_engine_latches_work(void **state)
{
	struct fx *x = *state;
	uint8_t b[16];

	tc_wr(x->c, UVF_PDMA_REG_CTRL, 0);
	fill(gp(x, 0), 16, 12);
	tc_wr(x->c, UVF_PDMA_REG_SD_SRC_LO, (uint32_t)G);
	tc_wr(x->c, UVF_PDMA_REG_SD_SRC_HI, (uint32_t)(G >> 32));
	tc_wr(x->c, UVF_PDMA_REG_SD_DST_LO, 0);
	tc_wr(x->c, UVF_PDMA_REG_SD_LEN, 16);
	tc_wr(x->c, UVF_PDMA_REG_SD_FLAGS, UVF_PDMA_DIR_G2D);
	tc_wr(x->c, UVF_PDMA_REG_SD_DOORBELL, 1);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_SD_STATUS), UVF_PDMA_DS_BUSY);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_STATUS), UVF_PDMA_STATUS_BUSY);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_BYTES_LO), 0);
	/* A second doorbell while busy changes nothing. */
	tc_wr(x->c, UVF_PDMA_REG_SD_LEN, 8);
	tc_wr(x->c, UVF_PDMA_REG_SD_DOORBELL, 1);
	tc_wr(x->c, UVF_PDMA_REG_CTRL, UVF_PDMA_CTRL_ENABLE);
	assert_int_equal(tc_wait_idle(x->c), 0);
	/* The job was taken when the engine started: with the new length. */
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_SD_STATUS), UVF_PDMA_DS_DONE);
	tc_mem_rd(x->c, 0, b, 8);
	assert_memory_equal(b, gp(x, 0), 8);
}

static void test_overlap_is_safe(void **state)
{
	struct fx *x = *state;

	fill(gp(x, 0), 4 * PG, 13);
	assert_int_equal(tc_sd(x->c, G, G + 100, 3 * PG, UVF_PDMA_DIR_G2G), UVF_PDMA_DS_DONE);
	tc_mem_wr(x->c, 0, gp(x, 0), 2 * PG);
	assert_int_equal(tc_sd(x->c, 0, 7, 2 * PG, UVF_PDMA_DIR_D2D), UVF_PDMA_DS_DONE);
}

/* ---- message DMA and the dirty log ------------------------------------------------ */

static void test_message_dma_maps(void **state)
{
	struct fx *x = *state;
	uint8_t b[3 * PG];

	/* Guest memory without fds: every access is a DMA_READ/WRITE message
	 * answered by this client while it waits in its calls. */
	fill(gp(x, 0), 3 * PG, 21);
	assert_int_equal(tc_sd(x->c, G + 7, 9, 3 * PG - 7, UVF_PDMA_DIR_G2D), UVF_PDMA_DS_DONE);
	tc_mem_rd(x->c, 9, b, 3 * PG - 7);
	assert_memory_equal(b, gp(x, 7), 3 * PG - 7);
	assert_int_equal(tc_sd(x->c, 9, G + 5 * PG + 1, 3 * PG - 7, UVF_PDMA_DIR_D2G),
			 UVF_PDMA_DS_DONE);
	assert_memory_equal(gp(x, 5 * PG + 1), gp(x, 7), 3 * PG - 7);
	assert_int_equal(tc_sd(x->c, G, G + PG * 20 + 3, 2 * PG, UVF_PDMA_DIR_G2G),
			 UVF_PDMA_DS_DONE);
	assert_memory_equal(gp(x, PG * 20 + 3), gp(x, 0), 2 * PG);
	/* The ring in message memory too: fetch and write-back by message. */
	ring_setup(x, 2);
	tc_desc(&x->g, RING_OFF, 2, 0, 0, G + 30 * PG, 100, UVF_PDMA_DIR_D2G);
	tc_desc(&x->g, RING_OFF, 2, 1, G, G + 31 * PG, 100, UVF_PDMA_DIR_G2G | UVF_PDMA_FLAG_IRQ);
	tc_wr(x->c, UVF_PDMA_REG_RING_TAIL, 2);
	assert_int_equal(tc_wait_idle(x->c), 0);
	assert_int_equal(tc_desc_status(&x->g, RING_OFF, 2, 0), UVF_PDMA_DS_DONE);
	assert_int_equal(tc_desc_status(&x->g, RING_OFF, 2, 1), UVF_PDMA_DS_DONE);
	tc_mem_rd(x->c, 0, b, 100);
	assert_memory_equal(gp(x, 30 * PG), b, 100);
	assert_memory_equal(gp(x, 31 * PG), gp(x, 0), 100);
	/* An unmapped address still faults. */
	assert_int_equal(tc_sd(x->c, G + GUEST, 0, 16, UVF_PDMA_DIR_G2D),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_GUEST_FAULT << 8);
	expect_halt(x, UVF_PDMA_ERR_GUEST_FAULT, G + GUEST);
}

static void test_dirty_log_reports_engine_writes(void **state)
{
	struct fx *x = *state;
	struct uvf_client_range rg = { G, GUEST };
	uint64_t bm[GUEST / PG / 64];
	unsigned set = 0;

	assert_int_equal(uvf_client_log_start(x->c, PG, &rg, 1, NULL), 0);
	/* Reading guest memory dirties nothing. */
	assert_int_equal(tc_sd(x->c, G, 0, 8 * PG, UVF_PDMA_DIR_G2D), UVF_PDMA_DS_DONE);
	assert_int_equal(uvf_client_log_report(x->c, G, GUEST, PG, bm, sizeof(bm)), 0);
	for (size_t i = 0; i < GUEST / PG / 64; i++)
		assert_int_equal(bm[i], 0);
	/* Three pages written, straddling from the middle of page 100. */
	assert_int_equal(tc_sd(x->c, 0, G + 100 * PG + 1, 2 * PG, UVF_PDMA_DIR_D2G),
			 UVF_PDMA_DS_DONE);
	assert_int_equal(tc_sd(x->c, G + 400 * PG, G + 200 * PG, 16, UVF_PDMA_DIR_G2G),
			 UVF_PDMA_DS_DONE);
	assert_int_equal(uvf_client_log_report(x->c, G, GUEST, PG, bm, sizeof(bm)), 0);
	for (unsigned p = 0; p < GUEST / PG; p++) {
		bool want = p == 100 || p == 101 || p == 102 || p == 200;

		assert_int_equal(!!(bm[p / 64] & 1ull << (p % 64)), want);
		set += want;
	}
	assert_int_equal(set, 4);
	/* Ring status write-back dirties the descriptor's page as well. */
	ring_setup(x, 1);
	tc_desc(&x->g, RING_OFF, 1, 0, 0, 0, 16, UVF_PDMA_DIR_D2D);
	tc_wr(x->c, UVF_PDMA_REG_RING_TAIL, 1);
	assert_int_equal(tc_wait_idle(x->c), 0);
	assert_int_equal(uvf_client_log_report(x->c, G, GUEST, PG, bm, sizeof(bm)), 0);
	for (unsigned p = 0; p < GUEST / PG; p++)
		assert_int_equal(!!(bm[p / 64] & 1ull << (p % 64)), p == RING_OFF / PG);
	assert_int_equal(uvf_client_log_stop(x->c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_single_every_direction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_transfer_in_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_with_writeback_and_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_span_adjacent_maps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_fault_halts_without_wild_access, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_device_range_checked_before_any_byte, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_permission_and_bus_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_engine_latches_work, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_is_safe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_dma_maps, setup_msg, teardown),
		cmocka_unit_test_setup_teardown(test_dirty_log_reports_engine_writes, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
