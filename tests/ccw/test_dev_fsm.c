/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_dev_fsm.c - the ccw FSM table (src/ccw/fsm.h): every
 * [state][event] cell is filled, and each cell's action does what fsm.h
 * says, with the device driven into each state for real and the event
 * delivered on the loop thread (issue 6, item 11).
 */
#include "test_dev_common.h"

#include <stdio.h>
#include <string.h>

/* fsm.c exports it for this test only. */
bool ccw_fsm_table_complete(void);

static const enum uvf_ccw_event all_events[] = {
	UVF_CCW_EV_OPEN, UVF_CCW_EV_CLOSE, UVF_CCW_EV_IO_REQ, UVF_CCW_EV_HALT_REQ,
	UVF_CCW_EV_CLEAR_REQ, UVF_CCW_EV_DOORBELL, UVF_CCW_EV_IRB_READ, UVF_CCW_EV_NOT_OPER,
	UVF_CCW_EV_TIMEOUT,
};

/* Cells visited, by state and event: the test checks it saw all 45. */
static bool visited[UVF_CCW_NR_STATES][UVF_CCW_NR_EVENTS];

static void table_complete(void **state)
{
	(void)state;
	assert_true(ccw_fsm_table_complete());
	assert_int_equal(sizeof(all_events) / sizeof(all_events[0]), UVF_CCW_NR_EVENTS);
}

/* ---- delivering events ---- */

struct deliver {
	enum uvf_ccw_event ev;
	uint8_t orb[12];	/* for IO_REQ */
	enum uvf_ccw_state before, after;
	int r;
};

static void deliver_fn(struct dfx *f, void *arg)
{
	struct deliver *d = arg;
	struct ccw_dev *c = f->c;

	if (d->ev == UVF_CCW_EV_IO_REQ) {
		memcpy(c->io + UVF_CCW_IO_ORB_OFF, d->orb, 12);
		memset(c->io + UVF_CCW_IO_SCSW_OFF, 0, UVF_CCW_SCSW_AREA_SIZE);
		uvf_css_put_be16(c->io + UVF_CCW_IO_SCSW_OFF + 2, UVF_CSS_FC_START);
	}
	d->before = c->state;
	d->r = ccw_fsm_event(c, d->ev);
	d->after = c->state;
}

static void gone_fn(struct dfx *f, void *arg)
{
	struct deliver *d = arg;

	/* Returns once the channel has let go of any program; the CRW it
	 * queues raises NOT_OPER again later (then a nop). */
	assert_int_equal(uvf_css_fault_device_gone(f->sch), 0);
	deliver_fn(f, d);
}

/* The device goes away and NOT_OPER is delivered at once. */
static void deliver_gone(struct dfx *f, enum uvf_ccw_state in)
{
	struct deliver d = { .ev = UVF_CCW_EV_NOT_OPER };

	dfx_call(f, gone_fn, &d);
	assert_int_equal(d.before, in);
	assert_int_equal(d.after, UVF_CCW_NOT_OPER);
	assert_int_equal(d.r, 0);
	visited[in][UVF_CCW_EV_NOT_OPER] = true;
}

/* Deliver ev in state `in`; returns the result and checks the state
 * reached right after the action. */
static int deliver(struct dfx *f, enum uvf_ccw_state in, enum uvf_ccw_event ev,
		   enum uvf_ccw_state after)
{
	struct deliver d = { .ev = ev };

	g_orb(d.orb, GA(G_PROG), ORB_STD);
	dfx_call(f, deliver_fn, &d);
	assert_int_equal(d.before, in);
	assert_int_equal(d.after, after);
	visited[in][ev] = true;
	return d.r;
}

static struct dfx_snap snap(struct dfx *f)
{
	struct dfx_snap s;

	dfx_snap(f, &s);
	return s;
}

/* A 1-block read program stopped before its data command: BUSY. */
static void make_busy(struct dfx *f)
{
	assert_int_equal(uvf_css_sch_pause_at(f->sch, 2), 0);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0), 0);
	assert_int_equal(uvf_css_sch_wait_paused(f->sch, DFX_WAIT_MS), 0);
	assert_int_equal(snap(f).state, UVF_CCW_BUSY);
}

/* BUSY, then CLOSE with a device that does not halt: CLOSING. */
static void make_closing(struct dfx *f)
{
	make_busy(f);
	assert_int_equal(uvf_css_fault_hang(f->sch, true), 0);
	assert_int_equal(deliver(f, UVF_CCW_BUSY, UVF_CCW_EV_CLOSE, UVF_CCW_CLOSING), -EINPROGRESS);
}

static void drain_irbs(struct dfx *f)
{
	struct uvf_css_irb irb;

	while (snap(f).irb_pending || vmm_io_signalled(f)) {
		efd_drain(f->cc.io_efd);
		vmm_read_irb(f, &irb);
	}
}

/* ---- STANDBY ---- */

static void cells_standby(void **state)
{
	struct dfx_opts o = { .no_client = true };
	struct dfx *f = dfx_new(&o);
	struct dfx_snap s;

	(void)state;
	s = snap(f);
	assert_int_equal(s.state, UVF_CCW_STANDBY);
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_CLOSE, UVF_CCW_STANDBY), 0);
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_IO_REQ, UVF_CCW_STANDBY), -EIO);
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_HALT_REQ, UVF_CCW_STANDBY), -EIO);
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_CLEAR_REQ, UVF_CCW_STANDBY), -EIO);
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_DOORBELL, UVF_CCW_STANDBY), 0);
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_IRB_READ, UVF_CCW_STANDBY), 0);
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_TIMEOUT, UVF_CCW_STANDBY), 0);
	/* The subchannel is disabled in STANDBY: nothing can start. */
	assert_int_equal(css_ctrl(f), 0);
	s = snap(f);
	assert_int_equal(s.vfc, 0);
	assert_false(s.cp);
	/* OPEN enables it. */
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_OPEN, UVF_CCW_IDLE), 0);
	{
		struct uvf_css_schib sb;

		assert_int_equal(uvf_css_stsch(f->sch, &sb), 0);
		assert_true(uvf_css_get_be16(sb.pmcw.flags) & UVF_CSS_PMCW_ENA);
	}
	/* IDLE + CLOSE: disabled, STANDBY. */
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_CLOSE, UVF_CCW_STANDBY), 0);
	{
		struct uvf_css_schib sb;

		assert_int_equal(uvf_css_stsch(f->sch, &sb), 0);
		assert_false(uvf_css_get_be16(sb.pmcw.flags) & UVF_CSS_PMCW_ENA);
	}
	/* Status of a disabled subchannel cannot arrive; unsolicited status
	 * waits for the next enable and is then delivered normally. */
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_NOT_OPER, UVF_CCW_NOT_OPER), 0);
	dfx_free(f);
}

/* ---- IDLE ---- */

static void cells_idle(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	struct dfx_snap s;

	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_OPEN, UVF_CCW_IDLE), 0);
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_TIMEOUT, UVF_CCW_IDLE), 0);
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_DOORBELL, UVF_CCW_IDLE), 0);
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_IRB_READ, UVF_CCW_IDLE), 0);
	assert_false(vmm_io_signalled(f));

	/* start */
	g_fba_prog(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0);
	assert_int_equal(uvf_css_sch_pause_at(f->sch, 2), 0);
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_IO_REQ, UVF_CCW_BUSY), 0);
	s = snap(f);
	assert_int_equal(s.vfc, UVF_CSS_FC_START);
	assert_true(s.cp && s.chan_ref);
	assert_int_equal(s.live, 1);
	assert_int_equal(uvf_css_sch_pause_at(f->sch, -1), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(f);

	/* start refused while an IRB is unread */
	assert_int_equal(vmm_halt(f), 0);
	assert_int_equal(efd_wait(f->cc.io_efd, DFX_WAIT_MS), 0);
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_IO_REQ, UVF_CCW_IDLE), -EBUSY);
	/* IRB_READ = ack: the IRB is consumed */
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_IRB_READ, UVF_CCW_IDLE), 0);
	assert_false(snap(f).irb_pending);
	efd_drain(f->cc.io_efd);

	/* halt */
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_HALT_REQ, UVF_CCW_BUSY), 0);
	vmm_wait_irb(f, &irb);
	assert_fc(&irb, UVF_CSS_FC_HALT);
	assert_quiet_idle(f);
	/* clear */
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_CLEAR_REQ, UVF_CCW_BUSY), 0);
	vmm_wait_irb(f, &irb);
	assert_clear_irb(&irb);
	assert_quiet_idle(f);

	/* close (nothing runs: at once) and open again */
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_CLOSE, UVF_CCW_STANDBY), 0);
	assert_int_equal(vmm_clear(f), -EIO);	/* STANDBY: not open */
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_OPEN, UVF_CCW_IDLE), 0);

	/* not operational */
	assert_int_equal(deliver(f, UVF_CCW_IDLE, UVF_CCW_EV_NOT_OPER, UVF_CCW_NOT_OPER), 0);
	assert_int_equal(efd_wait(f->cc.req_efd, DFX_WAIT_MS), 0);
	assert_int_equal(vmm_clear(f), -ENODEV);
}

/* ---- BUSY ---- */

static void cells_busy(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	struct dfx_snap s;

	make_busy(f);
	assert_int_equal(deliver(f, UVF_CCW_BUSY, UVF_CCW_EV_OPEN, UVF_CCW_BUSY), 0);
	assert_int_equal(deliver(f, UVF_CCW_BUSY, UVF_CCW_EV_TIMEOUT, UVF_CCW_BUSY), 0);
	assert_int_equal(deliver(f, UVF_CCW_BUSY, UVF_CCW_EV_DOORBELL, UVF_CCW_BUSY), 0);
	assert_int_equal(deliver(f, UVF_CCW_BUSY, UVF_CCW_EV_IRB_READ, UVF_CCW_BUSY), 0);
	assert_int_equal(deliver(f, UVF_CCW_BUSY, UVF_CCW_EV_IO_REQ, UVF_CCW_BUSY), -EBUSY);
	s = snap(f);
	assert_int_equal(s.vfc, UVF_CSS_FC_START);
	assert_int_equal(s.live, 1);	/* the refused START built nothing */
	/* halt: vfc |= HALT, its status ends the start too */
	assert_int_equal(deliver(f, UVF_CCW_BUSY, UVF_CCW_EV_HALT_REQ, UVF_CCW_BUSY), 0);
	vmm_wait_irb(f, &irb);
	assert_fc(&irb, UVF_CSS_FC_START | UVF_CSS_FC_HALT);
	assert_quiet_idle(f);

	/* clear: vfc = CLEAR, the program lives until the clear's status */
	make_busy(f);
	assert_int_equal(uvf_css_fault_clear_hang(f->sch, true), 0);
	assert_int_equal(deliver(f, UVF_CCW_BUSY, UVF_CCW_EV_CLEAR_REQ, UVF_CCW_BUSY), 0);
	s = snap(f);
	assert_int_equal(s.vfc, UVF_CSS_FC_CLEAR);
	assert_true(s.cp);
	/* halt while the clear is outstanding: cc 2 */
	assert_int_equal(deliver(f, UVF_CCW_BUSY, UVF_CCW_EV_HALT_REQ, UVF_CCW_BUSY), -EBUSY);
	assert_int_equal(uvf_css_fault_clear_hang(f->sch, false), 0);
	vmm_wait_irb(f, &irb);
	assert_clear_irb(&irb);
	assert_quiet_idle(f);
	assert_int_equal(uvf_css_sch_pause_at(f->sch, -1), 0);

	/* close: halt, CLOSING, the halt's status closes -> STANDBY */
	make_busy(f);
	assert_int_equal(deliver(f, UVF_CCW_BUSY, UVF_CCW_EV_CLOSE, UVF_CCW_CLOSING), -EINPROGRESS);
	dfx_wait_state(f, UVF_CCW_STANDBY);
	s = snap(f);
	assert_int_equal(s.live, 0);
	assert_false(s.irb_pending);
	assert_false(vmm_io_signalled(f));
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_OPEN, UVF_CCW_IDLE), 0);
	assert_int_equal(uvf_css_sch_pause_at(f->sch, -1), 0);

	/* not operational (the device went away): the program is dropped */
	make_busy(f);
	deliver_gone(f, UVF_CCW_BUSY);
	s = snap(f);
	assert_false(s.cp);
	assert_int_equal(s.live, 0);
	assert_int_equal(s.vfc, 0);
	assert_int_equal(efd_wait(f->cc.req_efd, DFX_WAIT_MS), 0);
	assert_int_equal(vmm_start(f, (const uint8_t[12]){ 0 }), -ENODEV);
}

/* ---- CLOSING ---- */

static void cells_closing(void **state)
{
	struct dfx *f = *state;
	struct dfx_snap s;

	make_closing(f);
	assert_int_equal(deliver(f, UVF_CCW_CLOSING, UVF_CCW_EV_OPEN, UVF_CCW_CLOSING), 0);
	assert_int_equal(deliver(f, UVF_CCW_CLOSING, UVF_CCW_EV_CLOSE, UVF_CCW_CLOSING), 0);
	assert_int_equal(deliver(f, UVF_CCW_CLOSING, UVF_CCW_EV_IO_REQ, UVF_CCW_CLOSING), -EBUSY);
	assert_int_equal(deliver(f, UVF_CCW_CLOSING, UVF_CCW_EV_HALT_REQ, UVF_CCW_CLOSING), -EBUSY);
	assert_int_equal(deliver(f, UVF_CCW_CLOSING, UVF_CCW_EV_CLEAR_REQ, UVF_CCW_CLOSING),
			 -EBUSY);
	assert_int_equal(deliver(f, UVF_CCW_CLOSING, UVF_CCW_EV_DOORBELL, UVF_CCW_CLOSING), 0);
	assert_int_equal(deliver(f, UVF_CCW_CLOSING, UVF_CCW_EV_IRB_READ, UVF_CCW_CLOSING), 0);
	/* escalate: the halt timed out -> clear, which completes -> STANDBY */
	assert_int_equal(deliver(f, UVF_CCW_CLOSING, UVF_CCW_EV_TIMEOUT, UVF_CCW_CLOSING), 0);
	dfx_wait_state(f, UVF_CCW_STANDBY);
	s = snap(f);
	assert_int_equal(s.live, 0);
	assert_int_equal(deliver(f, UVF_CCW_STANDBY, UVF_CCW_EV_OPEN, UVF_CCW_IDLE), 0);
	assert_int_equal(uvf_css_fault_hang(f->sch, false), 0);
	assert_int_equal(uvf_css_sch_pause_at(f->sch, -1), 0);

	/* escalate to the end: halt and UVF_CCW_CLEAR_TRIES clears time out
	 * (timeouts delivered at once) -> NOT_OPER, the program kept */
	make_closing(f);
	assert_int_equal(uvf_css_fault_clear_hang(f->sch, true), 0);
	for (unsigned i = 0; i < UVF_CCW_CLEAR_TRIES; i++)
		assert_int_equal(deliver(f, UVF_CCW_CLOSING, UVF_CCW_EV_TIMEOUT, UVF_CCW_CLOSING), 0);
	assert_int_equal(deliver(f, UVF_CCW_CLOSING, UVF_CCW_EV_TIMEOUT, UVF_CCW_NOT_OPER), 0);
	s = snap(f);
	assert_true(s.cp);
	assert_int_equal(s.live, 1);
	assert_int_equal(efd_wait(f->cc.req_efd, DFX_WAIT_MS), 0);
	/* NOT_OPER + NOT_OPER (gone): the device went away, the channel
	 * let go, the program goes */
	deliver_gone(f, UVF_CCW_NOT_OPER);
	s = snap(f);
	assert_false(s.cp);
	assert_int_equal(s.live, 0);
	dfx_knobs_off(f);
}

static void cells_closing_notoper(void **state)
{
	struct dfx *f = *state;
	struct dfx_snap s;

	make_closing(f);
	deliver_gone(f, UVF_CCW_CLOSING);
	s = snap(f);
	assert_false(s.cp);
	assert_int_equal(s.live, 0);
	assert_int_equal(efd_wait(f->cc.req_efd, DFX_WAIT_MS), 0);
	dfx_knobs_off(f);
}

/* ---- NOT_OPER ---- */

static void cells_notoper(void **state)
{
	struct dfx *f = *state;
	struct dfx_snap s;

	assert_int_equal(uvf_css_fault_device_gone(f->sch), 0);
	assert_int_equal(efd_wait(f->cc.req_efd, DFX_WAIT_MS), 0);
	assert_int_equal(snap(f).state, UVF_CCW_NOT_OPER);
	for (unsigned i = 0; i < UVF_CCW_NR_EVENTS; i++) {
		enum uvf_ccw_event ev = all_events[i];
		int want = ev == UVF_CCW_EV_IO_REQ || ev == UVF_CCW_EV_HALT_REQ ||
			   ev == UVF_CCW_EV_CLEAR_REQ ? -ENODEV : 0;

		assert_int_equal(deliver(f, UVF_CCW_NOT_OPER, ev, UVF_CCW_NOT_OPER), want);
	}
	s = snap(f);
	assert_false(s.cp);
	assert_false(vmm_io_signalled(f));
	drain_irbs(f);
}

static void all_cells_visited(void **state)
{
	(void)state;
	for (int s = 0; s < UVF_CCW_NR_STATES; s++)
		for (int e = 0; e < UVF_CCW_NR_EVENTS; e++) {
			if (!visited[s][e])
				fprintf(stderr, "cell [%s][%d] not visited\n",
					ccw_state_name((enum uvf_ccw_state)s), e);
			assert_true(visited[s][e]);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_complete),
		cmocka_unit_test(cells_standby),
		cmocka_unit_test_setup_teardown(cells_idle, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(cells_busy, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(cells_closing, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(cells_closing_notoper, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(cells_notoper, dfx_setup, dfx_teardown),
		cmocka_unit_test(all_cells_visited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
