/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_dev_collision.c - the START-vs-HALT/CLEAR collision and
 * the deterministic races of channel-io.md §4.7 (tests 1-4), through the
 * whole device: I/O and async regions, the FSM, the simulated channel and
 * the I/O eventfd.
 *
 * Timing is forced with the css knobs, never with sleeps:
 *  - pause_at(2) holds a 1-block FBA read before its data command
 *    ("running");
 *  - an unread IRB in the I/O region holds the next status at the css
 *    (back-pressure), so "status made pending but not yet fetched" is a
 *    stable state;
 *  - hang / clear_hang keep a halt or a clear from completing;
 *  - where the css itself must answer (SSCH cc 1 on pending status the
 *    device has not fetched), the request is delivered inside one posted
 *    call on the loop thread, so no doorbell can run in between.
 */
#include "test_dev_common.h"

#include <stdio.h>
#include <string.h>

/* ---- helpers ---- */

/* A 1-block read at block 5 into G_BUF, stopped before its data command. */
static void start_paused(struct dfx *f, uint32_t pci)
{
	assert_int_equal(uvf_css_sch_pause_at(f->sch, 2), 0);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 5, 1, G_BUF, pci), 0);
	assert_int_equal(uvf_css_sch_wait_paused(f->sch, DFX_WAIT_MS), 0);
}

static void release(struct dfx *f)
{
	assert_int_equal(uvf_css_sch_pause_at(f->sch, -1), 0);
}

static void expect_live(struct dfx *f, bool cp)
{
	struct dfx_snap s;

	dfx_snap(f, &s);
	assert_int_equal(s.cp, cp);
	assert_int_equal(s.live, cp ? 1 : 0);
	assert_int_equal(s.chan_ref, cp);
}

/* Wait for the I/O eventfd and consume the signal, not the IRB. */
static void wait_signal(struct dfx *f)
{
	assert_int_equal(efd_wait(f->cc.io_efd, DFX_WAIT_MS), 0);
	assert_true(efd_drain(f->cc.io_efd) > 0);
}

static void assert_no_irb(struct dfx *f)
{
	struct dfx_snap s;

	dfx_snap(f, &s);
	assert_false(s.irb_pending);
	assert_false(vmm_io_signalled(f));
}

/* The I/O region as io_write leaves it before an IO_REQ: ORB + FC start. */
static void put_io_request(struct ccw_dev *c, const uint8_t orb[12])
{
	memset(c->io + UVF_CCW_IO_SCSW_OFF, 0, UVF_CCW_SCSW_AREA_SIZE);
	memcpy(c->io + UVF_CCW_IO_ORB_OFF, orb, UVF_CCW_ORB_AREA_SIZE);
	uvf_css_put_be16(c->io + UVF_CCW_IO_SCSW_OFF + 2, UVF_CSS_FC_START);
}

/* ---- 1. the collision ---- */

/* IDLE, CSCH, the clear's status delivered but unread: START is -EBUSY;
 * the IRB read is the clear's; START then works and its program is freed
 * exactly once when its final status is fetched. */
static void collision_irb_unread(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	int32_t ret;

	assert_int_equal(vmm_clear(f), 0);
	wait_signal(f);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0), -EBUSY);
	/* ret_code says the same (a read of it alone consumes no IRB). */
	assert_int_equal(uvf_client_region_read(f->cl, 0, UVF_CCW_IO_RET_OFF, &ret, 4), 0);
	assert_int_equal(ret, -EBUSY);
	expect_live(f, false);
	vmm_read_irb(f, &irb);
	assert_clear_irb(&irb);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	expect_live(f, false);
	assert_quiet_idle(f);
}

struct css_pending_arg {
	uint8_t orb[12];
	int clear_r, start_r, wait_r;
	uint16_t ctrl;
};

/* On the loop thread, in one go: CSCH, wait until the css has the clear's
 * status pending (no doorbell can be processed meanwhile), then the START.
 * The device has no unread IRB, so the css itself must refuse (cc 1). */
static void clear_then_start(struct dfx *f, void *arg)
{
	struct css_pending_arg *a = arg;

	a->clear_r = ccw_fsm_event(f->c, UVF_CCW_EV_CLEAR_REQ);
	a->wait_r = uvf_css_sch_wait_ctrl(f->sch, UVF_CSS_FC_MASK | UVF_CSS_SC_MASK,
					  UVF_CSS_FC_CLEAR | UVF_CSS_SC_PENDING, DFX_WAIT_MS);
	a->ctrl = css_ctrl(f);
	put_io_request(f->c, a->orb);
	a->start_r = ccw_fsm_event(f->c, UVF_CCW_EV_IO_REQ);
}

static void collision_status_at_css(void **state)
{
	struct dfx *f = *state;
	struct css_pending_arg a;
	struct uvf_css_irb irb;

	memset(&a, 0, sizeof(a));
	g_fba_prog(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0);
	g_orb(a.orb, GA(G_PROG), ORB_STD);
	dfx_call(f, clear_then_start, &a);
	assert_int_equal(a.clear_r, 0);
	assert_int_equal(a.wait_r, 0);
	assert_int_equal(a.start_r, -EBUSY);
	expect_live(f, false);
	vmm_wait_irb(f, &irb);
	assert_clear_irb(&irb);
	assert_int_equal(vmm_start(f, a.orb), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(f);
}

/* The same with HSCH on an idle subchannel: the halt's status too. */
static void collision_halt(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;

	assert_int_equal(vmm_halt(f), 0);
	wait_signal(f);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0), -EBUSY);
	vmm_read_irb(f, &irb);
	assert_fc(&irb, UVF_CSS_FC_HALT);
	assert_sc(&irb, UVF_CSS_SC_PENDING);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(f);
}

/* ---- 2. PCI: intermediate and final status before the VMM reads ---- */

static void pci_one(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;

	start_paused(f, 1u << 0);		/* PCI on the Define Extent */
	wait_signal(f);				/* the PCI IRB is delivered */
	expect_live(f, true);			/* intermediate: the program lives on */
	release(f);
	/* The final status now waits at the css behind the unread IRB. */
	css_wait_ctrl(f, UVF_CSS_FC_MASK | UVF_CSS_SC_MASK, UVF_CSS_FC_START | SC_FINAL);
	expect_live(f, true);

	vmm_read_irb(f, &irb);
	assert_fc(&irb, UVF_CSS_FC_START);
	assert_sc(&irb, SC_INTER);
	assert_int_equal(irb.scsw.cstat, UVF_CSS_CS_PCI);
	assert_int_equal(uvf_css_scsw_cpa(&irb.scsw), GA(G_PROG) + 8);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_int_equal(uvf_css_scsw_cpa(&irb.scsw), GA(G_PROG) + 24);
	assert_quiet_idle(f);
}

static void pci_two(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	struct dfx_snap s;

	/* PCI on DE and on Locate; stop before Locate first. */
	assert_int_equal(uvf_css_sch_pause_at(f->sch, 1), 0);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 7, 1, G_BUF, 3), 0);
	assert_int_equal(uvf_css_sch_wait_paused(f->sch, DFX_WAIT_MS), 0);
	wait_signal(f);
	css_wait_ctrl(f, UVF_CSS_SC_PENDING, 0);	/* the device took PCI 1 */
	/* Locate becomes current: PCI 2 pending at the css, then stop again. */
	assert_int_equal(uvf_css_sch_pause_at(f->sch, 2), 0);
	css_wait_ctrl(f, UVF_CSS_SC_MASK, SC_INTER);
	assert_int_equal(uvf_css_sch_wait_paused(f->sch, DFX_WAIT_MS), 0);
	release(f);
	/* PCI 2 is pending; the final status is held behind it by the css. */
	dfx_snap(f, &s);
	assert_true(s.irb_pending);
	assert_int_equal(s.irbs_delivered, 1);

	vmm_read_irb(f, &irb);
	assert_sc(&irb, SC_INTER);
	assert_int_equal(irb.scsw.cstat, UVF_CSS_CS_PCI);
	assert_int_equal(uvf_css_scsw_cpa(&irb.scsw), GA(G_PROG) + 8);
	vmm_wait_irb(f, &irb);
	assert_sc(&irb, SC_INTER);
	assert_int_equal(irb.scsw.cstat, UVF_CSS_CS_PCI);
	assert_int_equal(uvf_css_scsw_cpa(&irb.scsw), GA(G_PROG) + 16);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	dfx_snap(f, &s);
	assert_int_equal(s.irbs_delivered, 3);
	assert_int_equal(s.status_dropped, 0);
	assert_quiet_idle(f);
}

/* ---- 3. START, HSCH, CSCH racing the final status ---- */

/* The 3! orders of F (the program's end reaches the device), H (HSCH) and
 * C (CSCH), after a START. */

static void order_FHC(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;

	start_paused(f, 0);
	release(f);
	wait_signal(f);				/* F: final status delivered */
	expect_live(f, false);			/* freed with it */
	assert_int_equal(vmm_halt(f), 0);	/* H: halt of an idle subchannel */
	assert_int_equal(vmm_clear(f), 0);	/* C: withdraws the halt's status */
	vmm_read_irb(f, &irb);
	assert_start_ok(&irb);
	vmm_wait_irb(f, &irb);
	assert_clear_irb(&irb);
	assert_quiet_idle(f);
	assert_no_irb(f);
}

static void order_FCH(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;

	start_paused(f, 0);
	release(f);
	wait_signal(f);
	expect_live(f, false);
	assert_int_equal(vmm_clear(f), 0);
	assert_int_equal(vmm_halt(f), -EBUSY);	/* clear outstanding or pending */
	vmm_read_irb(f, &irb);
	assert_start_ok(&irb);
	vmm_wait_irb(f, &irb);
	assert_clear_irb(&irb);
	assert_quiet_idle(f);
	assert_no_irb(f);
}

static void order_HFC(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;

	start_paused(f, 0);
	assert_int_equal(vmm_halt(f), 0);	/* H: ends the start */
	release(f);
	wait_signal(f);				/* F: the halted start's status */
	expect_live(f, false);
	assert_int_equal(vmm_clear(f), 0);	/* C: clear of an idle subchannel */
	vmm_read_irb(f, &irb);
	assert_fc(&irb, UVF_CSS_FC_START | UVF_CSS_FC_HALT);
	assert_sc(&irb, SC_FINAL);
	assert_int_equal(irb.scsw.dstat, UVF_CSS_DS_DE);
	/* Last executed CCW (Locate) + 8, in guest space. */
	assert_int_equal(uvf_css_scsw_cpa(&irb.scsw), GA(G_PROG) + 16);
	vmm_wait_irb(f, &irb);
	assert_clear_irb(&irb);
	assert_quiet_idle(f);
	assert_no_irb(f);
}

static void order_HCF(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;

	start_paused(f, 0);
	assert_int_equal(uvf_css_fault_hang(f->sch, true), 0);	/* halt stays pending */
	assert_int_equal(vmm_halt(f), 0);
	expect_live(f, true);
	assert_int_equal(vmm_clear(f), 0);	/* C: withdraws start and halt */
	vmm_wait_irb(f, &irb);
	assert_clear_irb(&irb);
	expect_live(f, false);
	assert_int_equal(uvf_css_fault_hang(f->sch, false), 0);	/* F: nothing left */
	release(f);
	assert_quiet_idle(f);
	assert_no_irb(f);
	/* The device works on. */
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 2, 1, G_BUF, 0), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
}

static void order_CFH(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;

	start_paused(f, 0);
	assert_int_equal(vmm_clear(f), 0);	/* C */
	wait_signal(f);				/* the clear's status delivered */
	expect_live(f, false);
	release(f);				/* F: the program was abandoned */
	assert_int_equal(vmm_halt(f), 0);	/* H: halt of an idle subchannel */
	vmm_read_irb(f, &irb);
	assert_clear_irb(&irb);
	vmm_wait_irb(f, &irb);
	assert_fc(&irb, UVF_CSS_FC_HALT);
	assert_sc(&irb, UVF_CSS_SC_PENDING);
	assert_int_equal(irb.scsw.dstat, UVF_CSS_DS_DE);
	assert_quiet_idle(f);
	assert_no_irb(f);
}

static void order_CHF(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;

	start_paused(f, 0);
	assert_int_equal(uvf_css_fault_clear_hang(f->sch, true), 0);
	assert_int_equal(vmm_clear(f), 0);	/* C, not completing */
	assert_int_equal(vmm_halt(f), -EBUSY);	/* H: clear in progress (cc 2) */
	expect_live(f, true);			/* the channel may still hold it */
	assert_int_equal(uvf_css_fault_clear_hang(f->sch, false), 0);	/* F */
	vmm_wait_irb(f, &irb);
	assert_clear_irb(&irb);
	expect_live(f, false);
	release(f);
	assert_quiet_idle(f);
	assert_no_irb(f);
}

/* The final status made pending at the css but held there (an unread
 * intermediate IRB): each request meets it. */
static void held_final(struct dfx *f)
{
	start_paused(f, 1u << 0);
	wait_signal(f);
	release(f);
	css_wait_ctrl(f, UVF_CSS_FC_MASK | UVF_CSS_SC_MASK, UVF_CSS_FC_START | SC_FINAL);
}

static void held_then_halt(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;

	held_final(f);
	assert_int_equal(vmm_halt(f), -EBUSY);	/* cc 1: status pending, primary */
	vmm_read_irb(f, &irb);
	assert_sc(&irb, SC_INTER);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(f);
}

static void held_then_clear(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;

	held_final(f);
	assert_int_equal(vmm_clear(f), 0);	/* withdraws the held final status */
	expect_live(f, true);
	vmm_read_irb(f, &irb);
	assert_fc(&irb, UVF_CSS_FC_START);
	assert_sc(&irb, SC_INTER);
	vmm_wait_irb(f, &irb);
	assert_clear_irb(&irb);			/* the start's final never comes */
	expect_live(f, false);
	assert_quiet_idle(f);
	assert_no_irb(f);
}

static void held_then_start(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	uint8_t orb[12];

	held_final(f);
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(vmm_start(f, orb), -EBUSY);
	expect_live(f, true);
	vmm_read_irb(f, &irb);
	assert_sc(&irb, SC_INTER);
	assert_int_equal(vmm_start(f, orb), -EBUSY);	/* final not yet read */
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_int_equal(vmm_start(f, orb), 0);
	vmm_wait_irb(f, &irb);
	/* The program still has PCI on its Define Extent. */
	if (uvf_css_scsw_sc(&irb.scsw) == SC_INTER)
		vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(f);
}

/* START while a start is running: -EBUSY, and the running program is
 * not disturbed. */
static void start_while_running(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	uint8_t orb[12];

	start_paused(f, 0);
	g_fba_prog(f, G_PROG2, G_PARM2, false, 9, 1, G_BUF2, 0);
	g_orb(orb, GA(G_PROG2), ORB_STD);
	assert_int_equal(vmm_start(f, orb), -EBUSY);
	expect_live(f, true);
	release(f);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_int_equal(uvf_css_scsw_cpa(&irb.scsw), GA(G_PROG) + 24);
	assert_quiet_idle(f);
}

/* ---- 4. unsolicited status while IDLE ---- */

static void assert_attn(const struct uvf_css_irb *irb)
{
	assert_fc(irb, 0);
	assert_sc(irb, UVF_CSS_SC_ALERT | UVF_CSS_SC_PENDING);
	assert_int_equal(irb->scsw.dstat, UVF_CSS_DS_ATTN);
	assert_false(uvf_css_scsw_is_solicited(&irb->scsw));
}

static void unsolicited_idle(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	uint8_t orb[12];

	assert_int_equal(uvf_css_fault_unsolicited(f->sch, UVF_CSS_DS_ATTN), 0);
	wait_signal(f);
	g_fba_prog(f, G_PROG, G_PARM, false, 3, 1, G_BUF, 0);
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(vmm_start(f, orb), -EBUSY);
	assert_int_equal(vmm_start(f, orb), -EBUSY);
	expect_live(f, false);
	vmm_read_irb(f, &irb);
	assert_attn(&irb);
	assert_int_equal(vmm_start(f, orb), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(f);
}

struct unsol_arg {
	uint8_t orb[12];
	int wait_r, start_r, halt_r;
};

/* Unsolicited status pending at the css, not fetched yet: the css refuses
 * SSCH and HSCH (cc 1). */
static void unsol_then_requests(struct dfx *f, void *arg)
{
	struct unsol_arg *a = arg;

	uvf_css_fault_unsolicited(f->sch, UVF_CSS_DS_ATTN);
	a->wait_r = uvf_css_sch_wait_ctrl(f->sch, UVF_CSS_SC_MASK,
					  UVF_CSS_SC_ALERT | UVF_CSS_SC_PENDING, DFX_WAIT_MS);
	put_io_request(f->c, a->orb);
	a->start_r = ccw_fsm_event(f->c, UVF_CCW_EV_IO_REQ);
	a->halt_r = ccw_fsm_event(f->c, UVF_CCW_EV_HALT_REQ);
}

static void unsolicited_at_css(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	struct unsol_arg a;

	memset(&a, 0, sizeof(a));
	g_fba_prog(f, G_PROG, G_PARM, false, 3, 1, G_BUF, 0);
	g_orb(a.orb, GA(G_PROG), ORB_STD);
	dfx_call(f, unsol_then_requests, &a);
	assert_int_equal(a.wait_r, 0);
	assert_int_equal(a.start_r, -EBUSY);
	assert_int_equal(a.halt_r, -EBUSY);
	expect_live(f, false);
	vmm_wait_irb(f, &irb);
	assert_attn(&irb);
	assert_int_equal(vmm_start(f, a.orb), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(collision_irb_unread, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(collision_status_at_css, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(collision_halt, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(pci_one, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(pci_two, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(order_FHC, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(order_FCH, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(order_HFC, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(order_HCF, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(order_CFH, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(order_CHF, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(held_then_halt, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(held_then_clear, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(held_then_start, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(start_while_running, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(unsolicited_idle, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(unsolicited_at_css, dfx_setup, dfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
