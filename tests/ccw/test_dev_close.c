/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_dev_close.c - close and reset with a hanging device
 * (channel-io.md §4.7 test 5), the device going away, channel-path events
 * and the CRW region (issue 6, items 5 and 7).
 *
 * The CLOSING waits are real timers of the device (fsm.h: a halt, then up
 * to UVF_CCW_CLEAR_TRIES clears, UVF_CCW_*_WAIT_MS each), so these tests
 * take a few seconds of wall time by design.
 */
#include "test_dev_common.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BOUND_MS (UVF_CCW_HALT_WAIT_MS + UVF_CCW_CLEAR_WAIT_MS * UVF_CCW_CLEAR_TRIES)
#define SLACK_MS 3000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- a second VMM thread reading the SCHIB region meanwhile ---- */

struct reader {
	struct dfx *f;
	pthread_t thr;
	atomic_bool stop;
	atomic_uint answers, errors;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint8_t schib[UVF_CCW_SCHIB_REGION_SIZE];

	while (!atomic_load(&r->stop)) {
		if (uvf_client_region_read(r->f->cl, (unsigned)r->f->cc.schib_index, 0, schib,
					   sizeof(schib)) == 0)
			atomic_fetch_add(&r->answers, 1);
		else
			atomic_fetch_add(&r->errors, 1);
	}
	return NULL;
}

static void reader_start(struct reader *r, struct dfx *f)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	assert_int_equal(pthread_create(&r->thr, NULL, reader_main, r), 0);
}

static unsigned reader_stop(struct reader *r)
{
	atomic_store(&r->stop, true);
	assert_int_equal(pthread_join(r->thr, NULL), 0);
	assert_int_equal(atomic_load(&r->errors), 0);
	return atomic_load(&r->answers);
}

/* A program that stalls: the device stops answering before its first
 * command (css hang). */
static void start_hung(struct dfx *f, bool clear_hang)
{
	struct dfx_snap s;

	assert_int_equal(uvf_css_fault_hang(f->sch, true), 0);
	assert_int_equal(uvf_css_fault_clear_hang(f->sch, clear_hang), 0);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 4, 1, G_BUF, 0), 0);
	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_BUSY);
	assert_true(s.cp);
	assert_int_equal(s.live, 1);
}

static bool closing_detached(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return !s->connected && s->state == UVF_CCW_CLOSING;
}

static bool not_closing(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return s->state != UVF_CCW_CLOSING;
}

static bool no_live(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return !s->cp && s->live == 0;
}

static uint32_t read_crw(struct dfx *f);
static void wait_crws(struct dfx *f, unsigned n);

/* ---- 5. reset / close with a hanging device ---- */

/* Halt never completes, the clear does: DEVICE_RESET returns 0 after the
 * halt's wait, the loop answers the other thread meanwhile, the device is
 * open and idle again and the program is gone. */
static void reset_hang(void **state)
{
	struct dfx *f = *state;
	struct reader r;
	struct dfx_snap s;
	struct uvf_css_irb irb;
	uint64_t t0, dt;
	unsigned answers;

	start_hung(f, false);
	reader_start(&r, f);
	t0 = now_ms();
	assert_int_equal(uvf_client_reset(f->cl), 0);
	dt = now_ms() - t0;
	answers = reader_stop(&r);
	fprintf(stderr, "reset with a hung device: %llu ms, %u SCHIB reads answered meanwhile\n",
		(unsigned long long)dt, answers);
	assert_true(dt >= UVF_CCW_HALT_WAIT_MS - 50);
	assert_true(dt < BOUND_MS + SLACK_MS);
	assert_true(answers >= 10);
	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_IDLE);
	assert_false(s.cp);
	assert_int_equal(s.live, 0);
	assert_false(s.irb_pending);
	assert_false(vmm_io_signalled(f));	/* a reset delivers nothing */
	/* The device works again. */
	assert_int_equal(uvf_css_fault_hang(f->sch, false), 0);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 4, 1, G_BUF, 0), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(f);
}

/* Nothing completes: the reset gives up after the halt and every clear
 * (-EIO), the device is not operational (REQ signalled), the program is
 * kept as long as the channel may use it; its late status is drained and
 * frees it. */
static void reset_hang_clear(void **state)
{
	struct dfx *f = *state;
	struct reader r;
	struct dfx_snap s;
	uint8_t orb[12];
	uint64_t t0, dt;
	unsigned answers;

	start_hung(f, true);
	reader_start(&r, f);
	t0 = now_ms();
	assert_int_equal(uvf_client_reset(f->cl), -EIO);
	dt = now_ms() - t0;
	answers = reader_stop(&r);
	fprintf(stderr, "reset giving up: %llu ms, %u SCHIB reads answered meanwhile\n",
		(unsigned long long)dt, answers);
	assert_true(dt >= BOUND_MS - 50);
	assert_true(dt < BOUND_MS + SLACK_MS);
	assert_true(answers >= 10);
	assert_int_equal(efd_wait(f->cc.req_efd, DFX_WAIT_MS), 0);
	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_NOT_OPER);
	assert_true(s.cp);			/* the channel may still hold it */
	assert_int_equal(s.live, 1);
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(vmm_start(f, orb), -ENODEV);
	assert_int_equal(vmm_halt(f), -ENODEV);
	assert_int_equal(vmm_clear(f), -ENODEV);
	/* The device answers at last: the clear's late status is drained
	 * and the program freed. */
	assert_int_equal(uvf_css_fault_clear_hang(f->sch, false), 0);
	assert_int_equal(uvf_css_fault_hang(f->sch, false), 0);
	dfx_wait_snap(f, no_live, NULL, "the late status");
	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_NOT_OPER);
	assert_true(s.status_dropped >= 1);
	assert_false(vmm_io_signalled(f));
}

/* The client goes away while the device hangs: the disconnect's reset
 * runs in the background; the next client finds an idle device. */
static void close_hang(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	struct dfx_snap s;
	uint64_t t0, dt;

	start_hung(f, false);
	t0 = now_ms();
	dfx_disconnect(f);			/* waits for STANDBY */
	dt = now_ms() - t0;
	assert_true(dt < BOUND_MS + SLACK_MS);
	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_STANDBY);
	assert_int_equal(s.live, 0);
	assert_int_equal(uvf_css_fault_hang(f->sch, false), 0);
	dfx_connect(f);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 4, 1, G_BUF, 0), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(f);
}

static void close_hang_clear(void **state)
{
	struct dfx *f = *state;
	struct dfx_snap s;

	start_hung(f, true);
	dfx_disconnect(f);			/* waits until it gives up */
	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_NOT_OPER);
	assert_int_equal(s.live, 1);
	assert_int_equal(uvf_css_fault_clear_hang(f->sch, false), 0);
	assert_int_equal(uvf_css_fault_hang(f->sch, false), 0);
	dfx_wait_snap(f, no_live, NULL, "the late status");
}

/* A new client connects while the previous one's disconnect is still
 * quiescing a hung device: once the quiesce ends it must find the device
 * open (the OPEN of its attach must not be lost). */
static void reconnect_while_closing(void **state)
{
	struct dfx *f = *state;
	struct uvf_client_opts co = { .timeout_ms = DFX_CALL_MS };
	struct uvf_css_irb irb;
	struct dfx_snap s;

	start_hung(f, false);
	uvf_client_ccw_close(&f->cc);
	uvf_client_close(f->cl);
	f->connected = false;
	dfx_wait_snap(f, closing_detached, NULL, "the disconnect");
	/* Connect now, during the halt's wait. */
	assert_int_equal(uvf_client_connect(f->sock, &co, &f->cl), 0);
	assert_int_equal(uvf_client_ccw_open(f->cl, f->o.guest_mem, &f->cc), 0);
	f->cc.blksize = f->o.blksize;
	f->connected = true;
	assert_int_equal(uvf_css_fault_hang(f->sch, false), 0);
	dfx_wait_snap(f, not_closing, NULL, "the end of the quiesce");
	dfx_snap(f, &s);
	assert_int_equal(s.live, 0);
	if (s.state != UVF_CCW_IDLE)
		fprintf(stderr, "BUG: a client connected while CLOSING finds the device %s\n",
			ccw_state_name(s.state));
	assert_int_equal(s.state, UVF_CCW_IDLE);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 4, 1, G_BUF, 0), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
}

struct resetter {
	struct dfx *f;
	pthread_t thr;
	int r;
};

static void *reset_main(void *arg)
{
	struct resetter *x = arg;

	x->r = uvf_client_reset(x->f->cl);
	return NULL;
}

static bool reset_waits(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return s->state == UVF_CCW_CLOSING && s->reset_parked;
}

/* Two DEVICE_RESETs while the device quiesces: the first waits for the
 * quiesce and succeeds, the second is refused at once; none is lost. */
static void double_reset_while_closing(void **state)
{
	struct dfx *f = *state;
	struct resetter x = { .f = f };
	struct dfx_snap s;

	start_hung(f, false);
	assert_int_equal(pthread_create(&x.thr, NULL, reset_main, &x), 0);
	dfx_wait_snap(f, reset_waits, NULL, "the first reset to wait");
	assert_int_equal(uvf_client_reset(f->cl), -EBUSY);
	assert_int_equal(pthread_join(x.thr, NULL), 0);
	assert_int_equal(x.r, 0);
	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_IDLE);
	assert_int_equal(s.live, 0);
	assert_false(s.reset_parked);
}

/* DEVICE_RESET drops queued CRWs whether or not a function was running
 * (the idle reset does; the quiescing one must too). */
static void reset_drops_crws(void **state)
{
	struct dfx *f = *state;
	struct dfx_snap s;

	for (int busy = 0; busy < 2; busy++) {
		assert_int_equal(uvf_css_fault_path(f->css, 0x10, busy), 0);
		wait_crws(f, 1);
		if (busy) {
			assert_int_equal(uvf_css_sch_pause_at(f->sch, 2), 0);
			assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 4, 1, G_BUF, 0), 0);
			assert_int_equal(uvf_css_sch_wait_paused(f->sch, DFX_WAIT_MS), 0);
		}
		assert_int_equal(uvf_client_reset(f->cl), 0);
		uvf_css_sch_pause_at(f->sch, -1);
		dfx_snap(f, &s);
		assert_int_equal(s.state, UVF_CCW_IDLE);
		if (s.crw_count)
			fprintf(stderr, "BUG: %s DEVICE_RESET kept %u CRW(s)\n",
				busy ? "a busy" : "an idle", s.crw_count);
		assert_int_equal(s.crw_count, 0);
		assert_int_equal(read_crw(f), 0);
	}
}

/* ---- 7. the device goes away ---- */

static void device_gone_idle(void **state)
{
	struct dfx *f = *state;
	struct dfx_snap s;
	uint8_t orb[12], schib[UVF_CCW_SCHIB_REGION_SIZE];
	struct uvf_css_schib sb;

	assert_int_equal(uvf_css_fault_device_gone(f->sch), 0);
	assert_int_equal(efd_wait(f->cc.req_efd, DFX_WAIT_MS), 0);
	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_NOT_OPER);
	g_fba_prog(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0);
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(vmm_start(f, orb), -ENODEV);
	assert_int_equal(vmm_halt(f), -ENODEV);
	assert_int_equal(vmm_clear(f), -ENODEV);
	/* The SCHIB region still shows the subchannel: no device now. */
	assert_int_equal(uvf_client_region_read(f->cl, (unsigned)f->cc.schib_index, 0, schib,
						 sizeof(schib)), 0);
	memcpy(&sb, schib, sizeof(sb));
	assert_int_equal(uvf_css_get_be16(sb.pmcw.flags) & UVF_CSS_PMCW_DNV, 0);
	assert_false(vmm_io_signalled(f));
}

static void device_gone_running(void **state)
{
	struct dfx *f = *state;
	struct dfx_snap s;
	uint8_t orb[12];
	int32_t ret;

	assert_int_equal(uvf_css_sch_pause_at(f->sch, 2), 0);
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0), 0);
	assert_int_equal(uvf_css_sch_wait_paused(f->sch, DFX_WAIT_MS), 0);
	memset(g_ptr(f, G_BUF), 0x5A, 512);
	assert_int_equal(uvf_css_fault_device_gone(f->sch), 0);
	assert_int_equal(efd_wait(f->cc.req_efd, DFX_WAIT_MS), 0);
	dfx_wait_snap(f, no_live, NULL, "the program's release");
	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_NOT_OPER);
	assert_int_equal(s.vfc, 0);
	uvf_css_sch_pause_at(f->sch, -1);
	/* Nothing was stored into the buffer and no IRB came. */
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(g_ptr(f, G_BUF)[i], 0x5A);
	assert_false(vmm_io_signalled(f));
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(vmm_start(f, orb), -ENODEV);
	assert_int_equal(uvf_client_region_read(f->cl, 0, UVF_CCW_IO_RET_OFF, &ret, 4), 0);
	assert_int_equal(ret, -ENODEV);
}

/* ---- 7. channel paths and the CRW region ---- */

static uint32_t read_crw(struct dfx *f)
{
	uint8_t b[UVF_CCW_CRW_REGION_SIZE];
	uint32_t crw;

	assert_int_equal(uvf_client_region_read(f->cl, (unsigned)f->cc.crw_index, 0, b,
						 sizeof(b)), 0);
	memcpy(&crw, b, 4);		/* vfio-ccw regions are host order */
	return crw;
}

static bool crws_are(const struct dfx_snap *s, const void *arg)
{
	return s->crw_count == *(const unsigned *)arg;
}

static void wait_crws(struct dfx *f, unsigned n)
{
	dfx_wait_snap(f, crws_are, &n, "CRWs in the device's FIFO");
}

static uint32_t chp_crw(unsigned erc)
{
	return ((uint32_t)UVF_CSS_RSC_CHP << UVF_CSS_CRW_RSC_SHIFT) |
	       ((uint32_t)erc << UVF_CSS_CRW_ERC_SHIFT) | 0x10;
}

static void path_lost_restored(void **state)
{
	struct dfx *f = *state;
	struct uvf_css_irb irb;
	uint8_t orb[12];

	assert_int_equal(uvf_css_fault_path(f->css, 0x10, false), 0);
	assert_int_equal(efd_wait(f->cc.crw_efd, DFX_WAIT_MS), 0);
	efd_drain(f->cc.crw_efd);
	wait_crws(f, 1);
	assert_int_equal(read_crw(f), chp_crw(UVF_CSS_ERC_PERRN));
	assert_int_equal(read_crw(f), 0);	/* empty: 0 */
	assert_false(efd_wait(f->cc.crw_efd, 0) == 0);

	/* No path: the start ends with deferred cc 3 (no -EBUSY, no hang). */
	g_fba_prog(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0);
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(vmm_start(f, orb), 0);
	vmm_wait_irb(f, &irb);
	assert_fc(&irb, UVF_CSS_FC_START);
	assert_sc(&irb, UVF_CSS_SC_ALERT | UVF_CSS_SC_PENDING);
	assert_int_equal(uvf_css_scsw_cc(&irb.scsw), 3);
	assert_quiet_idle(f);

	assert_int_equal(uvf_css_fault_path(f->css, 0x10, true), 0);
	assert_int_equal(efd_wait(f->cc.crw_efd, DFX_WAIT_MS), 0);
	efd_drain(f->cc.crw_efd);
	wait_crws(f, 1);
	assert_int_equal(read_crw(f), chp_crw(UVF_CSS_ERC_INIT));
	assert_int_equal(read_crw(f), 0);
	assert_int_equal(vmm_start(f, orb), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
}

/* One CRW per read; the eventfd is signalled again while more remain. */
static void crw_resignal(void **state)
{
	struct dfx *f = *state;

	assert_int_equal(uvf_css_fault_path(f->css, 0x10, false), 0);
	assert_int_equal(uvf_css_fault_path(f->css, 0x10, true), 0);
	wait_crws(f, 2);
	assert_int_equal(efd_wait(f->cc.crw_efd, DFX_WAIT_MS), 0);
	efd_drain(f->cc.crw_efd);
	assert_int_equal(read_crw(f), chp_crw(UVF_CSS_ERC_PERRN));
	assert_int_equal(efd_wait(f->cc.crw_efd, DFX_WAIT_MS), 0);	/* one left */
	efd_drain(f->cc.crw_efd);
	assert_int_equal(read_crw(f), chp_crw(UVF_CSS_ERC_INIT));
	assert_false(efd_wait(f->cc.crw_efd, 0) == 0);			/* none left */
	assert_int_equal(read_crw(f), 0);
	assert_int_equal(read_crw(f), 0);
}

static bool overflowed(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return s->crw_overflow;
}

/* 64 CRWs fit; the next is lost and the one after the loss carries R. */
static void crw_overflow(void **state)
{
	struct dfx *f = *state;
	struct dfx_snap s;
	unsigned i;

	for (i = 0; i < 64; i++) {
		/* One at a time, so the css's own queue never overflows. */
		assert_int_equal(uvf_css_fault_path(f->css, 0x10, i & 1), 0);
		wait_crws(f, i + 1);
	}
	assert_int_equal(uvf_css_fault_path(f->css, 0x10, false), 0);	/* lost */
	dfx_wait_snap(f, overflowed, NULL, "the CRW overflow");
	dfx_snap(f, &s);
	assert_int_equal(s.crw_count, 64);
	for (i = 0; i < 64; i++)
		assert_int_equal(read_crw(f), chp_crw(i & 1 ? UVF_CSS_ERC_INIT : UVF_CSS_ERC_PERRN));
	assert_int_equal(read_crw(f), 0);
	assert_int_equal(uvf_css_fault_path(f->css, 0x10, true), 0);
	wait_crws(f, 1);
	assert_int_equal(read_crw(f), chp_crw(UVF_CSS_ERC_INIT) | UVF_CSS_CRW_R);
	assert_int_equal(read_crw(f), 0);
	dfx_snap(f, &s);
	assert_false(s.crw_overflow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reset_hang, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(reset_hang_clear, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(close_hang, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(close_hang_clear, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(reconnect_while_closing, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(double_reset_while_closing, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(reset_drops_crws, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(device_gone_idle, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(device_gone_running, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(path_lost_restored, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(crw_resignal, dfx_setup, dfx_teardown),
		cmocka_unit_test_setup_teardown(crw_overflow, dfx_setup, dfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
