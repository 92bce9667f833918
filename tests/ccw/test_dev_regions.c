/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_dev_regions.c - the vfio-ccw regions of the ccw-dasd
 * device (channel-io.md §2.1-2.3, uvfio/vfio.h): layout, whole-region
 * writes, the async commands, the live SCHIB, read-only regions, ret_code,
 * and what consumes an IRB (issue 6, item 8).
 */
#include "test_dev_common.h"

#include <string.h>

static int32_t io_ret(struct dfx *f)
{
	int32_t r;

	assert_int_equal(uvf_client_region_read(f->cl, 0, UVF_CCW_IO_RET_OFF, &r, 4), 0);
	return r;
}

static int32_t async_ret(struct dfx *f, uint32_t *cmd)
{
	uint8_t b[UVF_CCW_CMD_REGION_SIZE];
	int32_t r;

	assert_int_equal(uvf_client_region_read(f->cl, (unsigned)f->cc.async_index, 0, b,
						 sizeof(b)), 0);
	if (cmd)
		memcpy(cmd, b, 4);
	memcpy(&r, b + 4, 4);
	return r;
}

static int async_write(struct dfx *f, uint32_t cmd, size_t len)
{
	uint8_t b[UVF_CCW_CMD_REGION_SIZE] = { 0 };

	memcpy(b, &cmd, 4);
	return uvf_client_region_write(f->cl, (unsigned)f->cc.async_index, 0, b, len);
}

/* A full I/O region write with the given ORB and SCSW FC. */
static int io_write(struct dfx *f, const uint8_t orb[12], uint16_t fc)
{
	uint8_t io[UVF_CCW_IO_REGION_SIZE] = { 0 };

	memcpy(io, orb, 12);
	uvf_css_put_be16(io + UVF_CCW_IO_SCSW_OFF + 2, fc);
	return uvf_client_region_write(f->cl, 0, 0, io, sizeof(io));
}

static void nothing_started(struct dfx *f)
{
	struct dfx_snap s;

	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_IDLE);
	assert_int_equal(s.vfc, 0);
	assert_int_equal(s.irbs_delivered, 0);
	assert_int_equal(css_ctrl(f), 0);
}

/* ---- layout ---- */

static void layout(void **state)
{
	struct dfx *f = *state;
	struct uvf_client_device_info di;
	struct uvf_client_region r;
	static const struct {
		uint64_t size;
		uint32_t flags, subtype;
	} want[4] = {
		{ UVF_CCW_IO_REGION_SIZE, 3, 0 },
		{ UVF_CCW_CMD_REGION_SIZE, 3, UVF_VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD },
		{ UVF_CCW_SCHIB_REGION_SIZE, 1, UVF_VFIO_REGION_SUBTYPE_CCW_SCHIB },
		{ UVF_CCW_CRW_REGION_SIZE, 1, UVF_VFIO_REGION_SUBTYPE_CCW_CRW },
	};
	uint32_t flags, count;

	assert_int_equal(uvf_client_device_info(f->cl, &di), 0);
	assert_int_equal(di.flags, UVF_VFIO_DEVICE_FLAGS_CCW | UVF_VFIO_DEVICE_FLAGS_RESET);
	assert_int_equal(di.num_regions, 4);
	assert_int_equal(di.num_irqs, UVF_VFIO_CCW_NUM_IRQS);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(uvf_client_region_info(f->cl, i, &r), 0);
		assert_int_equal(r.size, want[i].size);
		assert_int_equal(r.flags & 7, want[i].flags);
		assert_int_equal(r.has_type, i != 0);
		if (i) {
			assert_int_equal(r.type, UVF_VFIO_REGION_TYPE_CCW);
			assert_int_equal(r.subtype, want[i].subtype);
		}
		uvf_client_region_release(&r);
	}
	assert_int_equal(f->cc.async_index, 1);
	assert_int_equal(f->cc.schib_index, 2);
	assert_int_equal(f->cc.crw_index, 3);
	for (unsigned i = 0; i < UVF_VFIO_CCW_NUM_IRQS; i++) {
		assert_int_equal(uvf_client_irq_info(f->cl, i, &flags, &count), 0);
		assert_int_equal(count, 1);
		assert_true(flags & UVF_VFIO_IRQ_INFO_EVENTFD);
	}
}

/* ---- I/O region ---- */

static void io_partial_writes(void **state)
{
	struct dfx *f = *state;
	uint8_t io[UVF_CCW_IO_REGION_SIZE + 4] = { 0 };

	g_fba_prog(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0);
	g_orb(io, GA(G_PROG), ORB_STD);
	uvf_css_put_be16(io + UVF_CCW_IO_SCSW_OFF + 2, UVF_CSS_FC_START);
	/* ORB alone, ORB + SCSW, everything but ret_code, an offset, one byte:
	 * none is a request. */
	assert_int_equal(uvf_client_region_write(f->cl, 0, 0, io, 12), -EINVAL);
	assert_int_equal(uvf_client_region_write(f->cl, 0, 0, io, 24), -EINVAL);
	assert_int_equal(uvf_client_region_write(f->cl, 0, 0, io, UVF_CCW_IO_RET_OFF), -EINVAL);
	assert_int_equal(uvf_client_region_write(f->cl, 0, 1, io, UVF_CCW_IO_REGION_SIZE - 1),
			 -EINVAL);
	assert_int_equal(uvf_client_region_write(f->cl, 0, UVF_CCW_IO_REGION_SIZE - 1, io, 1),
			 -EINVAL);
	/* Beyond the region: the core refuses. */
	assert_int_equal(uvf_client_region_write(f->cl, 0, 0, io, UVF_CCW_IO_REGION_SIZE + 1),
			 -EINVAL);
	assert_int_equal(uvf_client_region_write(f->cl, 0, 4, io, UVF_CCW_IO_REGION_SIZE),
			 -EINVAL);
	nothing_started(f);
	/* The whole region is a request. */
	assert_int_equal(uvf_client_region_write(f->cl, 0, 0, io, UVF_CCW_IO_REGION_SIZE), 0);
	assert_int_equal(io_ret(f), 0);
}

static void io_ret_codes(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	uint8_t orb[12];

	g_fba_prog(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0);
	/* Halt or clear in the SCSW: they go through the async region. */
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(io_write(f, orb, UVF_CSS_FC_HALT), -EOPNOTSUPP);
	assert_int_equal(io_ret(f), -EOPNOTSUPP);
	assert_int_equal(io_write(f, orb, UVF_CSS_FC_START | UVF_CSS_FC_CLEAR), -EOPNOTSUPP);
	assert_int_equal(io_write(f, orb, 0), -EOPNOTSUPP);
	/* Transport mode. */
	g_orb(orb, GA(G_PROG), ORB_STD | UVF_CSS_ORB_B);
	assert_int_equal(io_write(f, orb, UVF_CSS_FC_START), -EOPNOTSUPP);
	assert_int_equal(io_ret(f), -EOPNOTSUPP);
	nothing_started(f);
	/* Accepted, then busy while it runs. */
	assert_int_equal(uvf_css_sch_pause_at(f->sch, 2), 0);
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(io_write(f, orb, UVF_CSS_FC_START), 0);
	assert_int_equal(io_ret(f), 0);
	assert_int_equal(io_write(f, orb, UVF_CSS_FC_START), -EBUSY);
	assert_int_equal(io_ret(f), -EBUSY);
	assert_int_equal(uvf_css_sch_pause_at(f->sch, -1), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	/* Reading ret_code never consumed anything: the region still holds
	 * the request as written and the IRB. */
	assert_quiet_idle(f);
}

/* Any read overlapping the IRB area consumes the IRB; others do not. */
static void io_irb_consumption(void **state)
{
	struct dfx *f = *state;
	uint8_t io[UVF_CCW_IO_REGION_SIZE], b[16];
	struct dfx_snap s;
	struct uvf_css_irb irb;

	assert_int_equal(vmm_clear(f), 0);
	assert_int_equal(efd_wait(f->cc.io_efd, DFX_WAIT_MS), 0);
	efd_drain(f->cc.io_efd);
	/* ORB and SCSW areas, ret_code: not the IRB. */
	assert_int_equal(uvf_client_region_read(f->cl, 0, 0, b, 16), 0);
	assert_int_equal(uvf_client_region_read(f->cl, 0, 8, b, 16), 0);
	assert_int_equal(uvf_client_region_read(f->cl, 0, UVF_CCW_IO_RET_OFF, b, 4), 0);
	dfx_snap(f, &s);
	assert_true(s.irb_pending);
	/* One byte at its end is enough. */
	assert_int_equal(uvf_client_region_read(f->cl, 0, UVF_CCW_IO_RET_OFF - 1, b, 1), 0);
	dfx_snap(f, &s);
	assert_false(s.irb_pending);
	/* A whole-region read, as QEMU does, sees the IRB and consumes it. */
	assert_int_equal(vmm_clear(f), 0);
	assert_int_equal(efd_wait(f->cc.io_efd, DFX_WAIT_MS), 0);
	efd_drain(f->cc.io_efd);
	assert_int_equal(uvf_client_region_read(f->cl, 0, 0, io, sizeof(io)), 0);
	memcpy(&irb, io + UVF_CCW_IO_IRB_OFF, sizeof(irb));
	assert_clear_irb(&irb);
	dfx_snap(f, &s);
	assert_false(s.irb_pending);
	assert_int_equal(s.irbs_delivered, 2);
	assert_quiet_idle(f);
}

/* ---- async region ---- */

static void async_commands(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	uint32_t cmd;

	/* Unknown commands, partial writes. */
	assert_int_equal(async_write(f, 0, 8), -EINVAL);
	assert_int_equal(async_ret(f, &cmd), -EINVAL);
	assert_int_equal(cmd, 0);
	assert_int_equal(async_write(f, 3, 8), -EINVAL);
	assert_int_equal(async_write(f, 4, 8), -EINVAL);
	assert_int_equal(async_write(f, 0xFFFFFFFFu, 8), -EINVAL);
	assert_int_equal(async_ret(f, &cmd), -EINVAL);
	assert_int_equal(cmd, 0xFFFFFFFFu);
	assert_int_equal(async_write(f, UVF_VFIO_CCW_ASYNC_CMD_HSCH, 4), -EINVAL);
	assert_int_equal(async_write(f, UVF_VFIO_CCW_ASYNC_CMD_CSCH, 4), -EINVAL);
	nothing_started(f);
	/* HSCH of an idle subchannel: 0, then its status. */
	assert_int_equal(async_write(f, UVF_VFIO_CCW_ASYNC_CMD_HSCH, 8), 0);
	assert_int_equal(async_ret(f, &cmd), 0);
	assert_int_equal(cmd, UVF_VFIO_CCW_ASYNC_CMD_HSCH);
	vmm_wait_irb(f, &irb);
	assert_fc(&irb, UVF_CSS_FC_HALT);
	/* HSCH while a clear is outstanding: -EBUSY in ret_code too. */
	assert_int_equal(uvf_css_fault_clear_hang(f->sch, true), 0);
	assert_int_equal(async_write(f, UVF_VFIO_CCW_ASYNC_CMD_CSCH, 8), 0);
	assert_int_equal(async_write(f, UVF_VFIO_CCW_ASYNC_CMD_HSCH, 8), -EBUSY);
	assert_int_equal(async_ret(f, &cmd), -EBUSY);
	/* CSCH again is accepted (it restarts the clear). */
	assert_int_equal(async_write(f, UVF_VFIO_CCW_ASYNC_CMD_CSCH, 8), 0);
	assert_int_equal(uvf_css_fault_clear_hang(f->sch, false), 0);
	vmm_wait_irb(f, &irb);
	assert_clear_irb(&irb);
	assert_quiet_idle(f);
	assert_false(vmm_io_signalled(f));
}

/* ---- SCHIB region ---- */

static void schib_live(void **state)
{
	struct dfx *f = *state;
	uint8_t b[UVF_CCW_SCHIB_REGION_SIZE];
	struct uvf_css_schib s, want;
	struct uvf_css_irb irb;
	uint16_t devno;

	assert_int_equal(uvf_client_region_read(f->cl, 2, 0, b, sizeof(b)), 0);
	memcpy(&s, b, sizeof(s));
	assert_int_equal(uvf_css_get_be16(s.pmcw.devno), 0x1234);
	assert_int_equal(uvf_css_get_be16(s.pmcw.flags) & (UVF_CSS_PMCW_DNV | UVF_CSS_PMCW_ENA),
			 UVF_CSS_PMCW_DNV | UVF_CSS_PMCW_ENA);
	assert_int_equal((uvf_css_get_be16(s.pmcw.flags) & UVF_CSS_PMCW_ISC) >>
			 UVF_CSS_PMCW_ISC_SHIFT, 3);
	assert_int_equal(s.pmcw.pim, 0x80);
	assert_int_equal(s.pmcw.chpid[0], 0x10);
	assert_int_equal(uvf_css_scsw_ctrl(&s.scsw), 0);
	/* While a program runs the region shows it, as STSCH does now. */
	assert_int_equal(uvf_css_sch_pause_at(f->sch, 2), 0);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0), 0);
	assert_int_equal(uvf_css_sch_wait_paused(f->sch, DFX_WAIT_MS), 0);
	assert_int_equal(uvf_client_region_read(f->cl, 2, 0, b, sizeof(b)), 0);
	assert_int_equal(uvf_css_stsch(f->sch, &want), 0);
	assert_memory_equal(b, &want, sizeof(want));
	memcpy(&s, b, sizeof(s));
	assert_int_equal(uvf_css_scsw_fc(&s.scsw), UVF_CSS_FC_START);
	assert_true(uvf_css_scsw_ac(&s.scsw) & UVF_CSS_AC_SCH_ACTIVE);
	/* Partial reads. */
	assert_int_equal(uvf_client_region_read(f->cl, 2, 6, b, 2), 0);
	devno = uvf_css_get_be16(b);
	assert_int_equal(devno, 0x1234);
	assert_int_equal(uvf_client_region_read(f->cl, 2, 51, b, 1), 0);
	assert_int_equal(uvf_client_region_read(f->cl, 2, 50, b, 4), -EINVAL);
	assert_int_equal(uvf_css_sch_pause_at(f->sch, -1), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
}

static void readonly_regions(void **state)
{
	struct dfx *f = *state;
	uint8_t b[UVF_CCW_SCHIB_REGION_SIZE] = { 0 };

	assert_int_equal(uvf_client_region_write(f->cl, 2, 0, b, UVF_CCW_SCHIB_REGION_SIZE),
			 -EINVAL);
	assert_int_equal(uvf_client_region_write(f->cl, 2, 0, b, 4), -EINVAL);
	assert_int_equal(uvf_client_region_write(f->cl, 3, 0, b, UVF_CCW_CRW_REGION_SIZE),
			 -EINVAL);
	assert_int_equal(uvf_client_region_write(f->cl, 3, 4, b, 4), -EINVAL);
	/* Nothing changed: the subchannel is still enabled and idle. */
	assert_int_equal(uvf_client_region_read(f->cl, 2, 0, b, sizeof(b)), 0);
	assert_int_equal(uvf_css_get_be16(b + 4) & UVF_CSS_PMCW_ENA, UVF_CSS_PMCW_ENA);
	/* The CRW region reads 0 (crw and pad) when empty. */
	assert_int_equal(uvf_client_region_read(f->cl, 3, 0, b, 8), 0);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(b[i], 0);
	nothing_started(f);
}

/* Requests of a stopped (migration) device: -EBUSY, nothing started. */
static void stopped_requests(void **state)
{
	struct dfx *f = *state;
	uint8_t orb[12];

	assert_int_equal(uvf_client_mig_set_state(f->cl, UVF_MIG_STATE_STOP), 0);
	g_fba_prog(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0);
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(vmm_start(f, orb), -EBUSY);
	assert_int_equal(vmm_halt(f), -EBUSY);
	assert_int_equal(vmm_clear(f), -EBUSY);
	nothing_started(f);
	assert_int_equal(uvf_client_mig_set_state(f->cl, UVF_MIG_STATE_RUNNING), 0);
	assert_int_equal(vmm_start(f, orb), 0);
	{
		struct uvf_css_irb irb;

		vmm_wait_irb(f, &irb);
		assert_start_ok(&irb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(layout, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(io_partial_writes, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(io_ret_codes, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(io_irb_consumption, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(async_commands, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(schib_live, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(readonly_regions, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(stopped_requests, dfx_setup, dfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
