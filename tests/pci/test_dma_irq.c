/* SPDX-License-Identifier: MIT */
/*
 * test_dma_irq.c - pci-dma interrupts: one MSI-X vector per cause, the
 * cause mask, the MSI-X Function Mask with the PBA, the INTx level with
 * VFIO's automasking (unmask by SET_IRQS and by an unmask irqfd), INTx
 * Disable, and delivery following config space.  Interrupts are raised on
 * the loop thread before the reply that shows their cause, so after a
 * register read "no signal" is a non-blocking eventfd read that finds
 * nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "dma_test.h"
#include "pci/regs.h"
#include "testutil.h"

#define G	TD_GUEST_IOVA

struct fx {
	struct pfx f;
	struct uvf_client *c;
	struct tguest g;
	int vec[UVF_PDMA_NR_VECTORS], intx;
	int fds;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	x->fds = uvf_test_count_fds();
	pfx_start(&x->f, "irq.sock", "mem=64K");
	x->c = tc_connect(x->f.sock, false);
	tc_enable(x->c);
	tc_guest(x->c, &x->g, G, 1u << 20, false);
	for (unsigned v = 0; v < UVF_PDMA_NR_VECTORS; v++)
		assert_int_equal(uvf_client_irq_eventfd(x->c, UVF_VFIO_PCI_MSIX_IRQ_INDEX, v,
							&x->vec[v]), 0);
	assert_int_equal(uvf_client_irq_eventfd(x->c, UVF_VFIO_PCI_INTX_IRQ_INDEX, 0, &x->intx), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	for (unsigned v = 0; v < UVF_PDMA_NR_VECTORS; v++)
		close(x->vec[v]);
	close(x->intx);
	tc_guest_free(x->c, &x->g);
	uvf_client_close(x->c);
	pfx_stop(&x->f);
	assert_int_equal(uvf_test_count_fds(), x->fds);
	free(x);
	return 0;
}

static void expect_signals(struct fx *x, uint64_t v0, uint64_t v1, uint64_t v2, uint64_t intx)
{
	assert_int_equal(tc_efd_take(x->vec[0]), v0);
	assert_int_equal(tc_efd_take(x->vec[1]), v1);
	assert_int_equal(tc_efd_take(x->vec[2]), v2);
	assert_int_equal(tc_efd_take(x->intx), intx);
}

static void unmask_intx(struct fx *x)
{
	assert_int_equal(uvf_client_set_irqs(x->c, UVF_VFIO_PCI_INTX_IRQ_INDEX,
					     UVF_VFIO_IRQ_SET_DATA_NONE |
					     UVF_VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, NULL, 0), 0);
}

static bool intx_status(struct fx *x)
{
	return tc_cfg_rd(x->c, UVF_PCI_STATUS, 2) & UVF_PCI_STATUS_INTERRUPT;
}

/* ---- MSI-X ---------------------------------------------------------------------- */

static void test_msix_one_vector_per_cause(void **state)
{
	struct fx *x = *state;

	tc_msix(x->c, true, false);
	tc_wr(x->c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	expect_signals(x, 0, 0, 1, 0);
	/* Each completion with FLAG_IRQ is a message of its own. */
	assert_int_equal(tc_sd(x->c, G, 0, 64, UVF_PDMA_DIR_G2D | UVF_PDMA_FLAG_IRQ),
			 UVF_PDMA_DS_DONE);
	assert_int_equal(tc_sd(x->c, G, 0, 64, UVF_PDMA_DIR_G2D | UVF_PDMA_FLAG_IRQ),
			 UVF_PDMA_DS_DONE);
	assert_int_equal(tc_sd(x->c, G, 0, 64, UVF_PDMA_DIR_G2D), UVF_PDMA_DS_DONE);
	expect_signals(x, 2, 0, 0, 0);
	assert_int_equal(tc_sd(x->c, 0x40000000, 0, 64, UVF_PDMA_DIR_G2D),
			 UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_GUEST_FAULT << 8);
	expect_signals(x, 0, 1, 0, 0);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_INT_STATUS), UVF_PDMA_INT_ALL);
	/* Write 1 to clear, per bit. */
	tc_wr(x->c, UVF_PDMA_REG_INT_STATUS, UVF_PDMA_INT_DONE);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_INT_STATUS),
			 UVF_PDMA_INT_ERROR | UVF_PDMA_INT_SOFT);
	/* MSI-X on: INTx stays quiet and its status bit clear. */
	assert_false(intx_status(x));
	expect_signals(x, 0, 0, 0, 0);
}

static void test_msix_cause_mask(void **state)
{
	struct fx *x = *state;

	tc_msix(x->c, true, false);
	tc_wr(x->c, UVF_PDMA_REG_INT_MASK, UVF_PDMA_INT_DONE);
	assert_int_equal(tc_sd(x->c, G, 0, 64, UVF_PDMA_DIR_G2D | UVF_PDMA_FLAG_IRQ),
			 UVF_PDMA_DS_DONE);
	expect_signals(x, 0, 0, 0, 0);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_INT_STATUS), UVF_PDMA_INT_DONE);
	/* Unmasking a cause that is set sends it now. */
	tc_wr(x->c, UVF_PDMA_REG_INT_MASK, 0);
	expect_signals(x, 1, 0, 0, 0);
	/* Unmasking one that is clear sends nothing. */
	tc_wr(x->c, UVF_PDMA_REG_INT_MASK, UVF_PDMA_INT_SOFT);
	tc_wr(x->c, UVF_PDMA_REG_INT_MASK, 0);
	expect_signals(x, 0, 0, 0, 0);
}

static void test_msix_function_mask_and_pba(void **state)
{
	struct fx *x = *state;
	uint8_t e[16];

	/* The table is the VMM's; forwarded accesses are plain storage and
	 * every vector starts masked. */
	assert_int_equal(tc_rd(x->c, UVF_PDMA_MSIX_TABLE + 16 + 12), 1);
	memcpy(e, "\x00\x00\xe0\xfe\x00\x00\x00\x00\x21\x00\x00\x00\x00\x00\x00\x00", 16);
	assert_int_equal(uvf_client_region_write(x->c, 0, UVF_PDMA_MSIX_TABLE + 16, e, 16), 0);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_MSIX_TABLE + 16), 0xfee00000);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_MSIX_TABLE + 16 + 8), 0x21);

	tc_msix(x->c, true, true);
	tc_wr(x->c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT | UVF_PDMA_INT_DONE);
	expect_signals(x, 0, 0, 0, 0);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_MSIX_PBA), 1u << 2 | 1u << 0);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_MSIX_PBA + 4), 0);
	tc_wr(x->c, UVF_PDMA_MSIX_PBA, 0);	/* read-only */
	assert_int_equal(tc_rd(x->c, UVF_PDMA_MSIX_PBA), 1u << 2 | 1u << 0);
	/* Clearing the Function Mask sends what was held. */
	tc_msix(x->c, true, false);
	expect_signals(x, 1, 0, 1, 0);
	assert_int_equal(tc_rd(x->c, UVF_PDMA_MSIX_PBA), 0);
}

/* ---- INTx ----------------------------------------------------------------------- */

static void test_intx_level_and_automask(void **state)
{
	struct fx *x = *state;

	tc_wr(x->c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	expect_signals(x, 0, 0, 0, 1);
	assert_true(intx_status(x));
	/* The level is already up (and the vector automasked): no new edge. */
	tc_wr(x->c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	assert_int_equal(tc_sd(x->c, G, 0, 16, UVF_PDMA_DIR_G2D | UVF_PDMA_FLAG_IRQ),
			 UVF_PDMA_DS_DONE);
	expect_signals(x, 0, 0, 0, 0);
	/* EOI without servicing: unmask finds the level up, interrupt again. */
	unmask_intx(x);
	expect_signals(x, 0, 0, 0, 1);
	/* Service it: the level drops with the last cause. */
	tc_wr(x->c, UVF_PDMA_REG_INT_STATUS, UVF_PDMA_INT_SOFT);
	assert_true(intx_status(x));
	tc_wr(x->c, UVF_PDMA_REG_INT_STATUS, UVF_PDMA_INT_DONE);
	assert_false(intx_status(x));
	unmask_intx(x);
	expect_signals(x, 0, 0, 0, 0);
	/* A new cause is a new edge. */
	tc_wr(x->c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	expect_signals(x, 0, 0, 0, 1);
	tc_wr(x->c, UVF_PDMA_REG_INT_STATUS, UVF_PDMA_INT_SOFT);
	unmask_intx(x);
}

static void test_intx_unmask_irqfd(void **state)
{
	struct fx *x = *state;
	uint64_t one = 1;
	int ufd = eventfd(0, EFD_CLOEXEC);

	assert_true(ufd >= 0);
	/* The VMM's EOI path: an irqfd the device polls to unmask. */
	assert_int_equal(uvf_client_set_irqs(x->c, UVF_VFIO_PCI_INTX_IRQ_INDEX,
					     UVF_VFIO_IRQ_SET_DATA_EVENTFD |
					     UVF_VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, &ufd, 1), 0);
	tc_wr(x->c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	expect_signals(x, 0, 0, 0, 1);
	assert_int_equal(write(ufd, &one, sizeof(one)), (ssize_t)sizeof(one));
	assert_int_equal(tc_efd_wait(x->intx, TD_WAIT_MS), 1);	/* still asserted */
	tc_wr(x->c, UVF_PDMA_REG_INT_STATUS, UVF_PDMA_INT_SOFT);
	close(ufd);
}

static void test_intx_disable_and_cause_mask(void **state)
{
	struct fx *x = *state;

	tc_cfg_wr(x->c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY | UVF_PCI_COMMAND_MASTER |
		  UVF_PCI_COMMAND_INTX_DISABLE);
	tc_wr(x->c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	expect_signals(x, 0, 0, 0, 0);
	/* The status bit shows the level whatever INTx Disable says. */
	assert_true(intx_status(x));
	tc_cfg_wr(x->c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY | UVF_PCI_COMMAND_MASTER);
	expect_signals(x, 0, 0, 0, 1);
	tc_wr(x->c, UVF_PDMA_REG_INT_STATUS, UVF_PDMA_INT_SOFT);
	unmask_intx(x);

	/* A masked cause sets INT_STATUS but not the level. */
	tc_wr(x->c, UVF_PDMA_REG_INT_MASK, UVF_PDMA_INT_SOFT);
	tc_wr(x->c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	expect_signals(x, 0, 0, 0, 0);
	assert_false(intx_status(x));
	assert_int_equal(tc_rd(x->c, UVF_PDMA_REG_INT_STATUS), UVF_PDMA_INT_SOFT);
	tc_wr(x->c, UVF_PDMA_REG_INT_MASK, 0);
	expect_signals(x, 0, 0, 0, 1);
	assert_true(intx_status(x));
}

static void test_switching_msix_on_moves_delivery(void **state)
{
	struct fx *x = *state;

	tc_wr(x->c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	expect_signals(x, 0, 0, 0, 1);
	/* With MSI-X enabled the pending level is no INTx any more. */
	tc_msix(x->c, true, false);
	assert_false(intx_status(x));
	tc_wr(x->c, UVF_PDMA_REG_INT_SET, UVF_PDMA_INT_SOFT);
	expect_signals(x, 0, 0, 1, 0);
	tc_msix(x->c, false, false);
	/* Back to INTx: the level is still up; the vector is still masked
	 * from the first interrupt, so the unmask delivers it. */
	assert_true(intx_status(x));
	unmask_intx(x);
	expect_signals(x, 0, 0, 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_msix_one_vector_per_cause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_cause_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_function_mask_and_pba, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intx_level_and_automask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intx_unmask_irqfd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intx_disable_and_cause_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switching_msix_on_moves_delivery, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
