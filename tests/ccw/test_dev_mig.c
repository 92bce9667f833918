/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_dev_mig.c - migration of the ccw device's state (issue 6,
 * item 10; migration.md §1 s390 remarks, §11 items 16, 20, 21).
 *
 * Two devices in one process (two fixtures: two loops, two servers), both on
 * the same disk image, as two daemons on shared storage; the test thread
 * is the VMM of both and drives the client's migration driver
 * (uvf_client_migrate) or the states and the stream by hand.
 */
#include "test_dev_common.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pair {
	struct dfx *src, *dst;
};

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct dfx_opts o = { 0 };

	assert_non_null(p);
	p->src = dfx_new(NULL);
	o.image = p->src->image;
	p->dst = dfx_new(&o);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	/* Reverse order: fd counts are taken at creation. */
	dfx_knobs_off(p->dst);
	dfx_free(p->dst);
	dfx_knobs_off(p->src);
	dfx_free(p->src);
	free(p);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int migrate(struct pair *p, bool precopy)
{
	struct uvf_migrate_opts o = { .precopy = precopy };
	struct uvf_migrate_stats st;

	return uvf_client_migrate(p->src->cl, p->dst->cl, &o, &st);
}

static enum uvf_mig_state mig_state(struct dfx *f)
{
	enum uvf_mig_state s;

	assert_int_equal(uvf_client_mig_get_state(f->cl, &s), 0);
	return s;
}

static void fba_rw_ok(struct dfx *f, bool write, uint32_t block, uint32_t n, void *buf)
{
	uint8_t irb[96];
	int r = uvf_client_ccw_fba_rw(&f->cc, write, block, n, buf, irb);

	if (r)
		fprintf(stderr, "fba_rw: %d, dstat %02x cstat %02x\n", r, irb[8], irb[9]);
	assert_int_equal(r, 0);
}

/* The destination holds a migrated IRB: take it without waiting for the
 * eventfd (whether the eventfd fires is checked by migrate_irb_pending
 * and migrate_crws alone). */
static void dst_take_irb(struct dfx *f, struct uvf_css_irb *irb)
{
	struct dfx_snap s;

	dfx_snap(f, &s);
	if (!s.irb_pending)
		fprintf(stderr, "destination: state %s, irbs_delivered %llu, mig %d, irb ctrl %02x%02x\n",
			ccw_state_name(s.state), (unsigned long long)s.irbs_delivered, s.mig,
			s.irb[2], s.irb[3]);
	assert_true(s.irb_pending);
	efd_drain(f->cc.io_efd);
	vmm_read_irb(f, irb);
}

/* ---- idle ---- */

static void migrate_idle_(struct pair *p, bool precopy)
{
	uint8_t w[1024], r[1024];
	struct dfx_snap s;

	for (unsigned i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 13 + precopy);
	fba_rw_ok(p->src, true, 40, 2, w);
	assert_int_equal(migrate(p, precopy), 0);
	assert_int_equal(mig_state(p->src), UVF_MIG_STATE_STOP);
	assert_int_equal(mig_state(p->dst), UVF_MIG_STATE_RUNNING);
	dfx_snap(p->dst, &s);
	assert_int_equal(s.state, UVF_CCW_IDLE);
	assert_false(s.irb_pending);
	assert_int_equal(s.crw_count, 0);
	assert_false(vmm_io_signalled(p->dst));
	/* The destination serves the same disk. */
	fba_rw_ok(p->dst, false, 40, 2, r);
	assert_memory_equal(w, r, sizeof(w));
	assert_quiet_idle(p->dst);
}

static void migrate_idle(void **state)
{
	migrate_idle_(*state, false);
}

static void migrate_idle_precopy(void **state)
{
	migrate_idle_(*state, true);
}

/* ---- an IRB pending ---- */

static void migrate_irb_pending(void **state)
{
	struct pair *p = *state;
	struct dfx_snap s, d;
	struct uvf_css_irb irb;

	/* A read completes; its IRB waits unread in the source's region. */
	memset(g_ptr(p->src, G_BUF), 0, 512);
	assert_int_equal(g_fba_start(p->src, G_PROG, G_PARM, false, 9, 1, G_BUF, 0), 0);
	assert_int_equal(efd_wait(p->src->cc.io_efd, DFX_WAIT_MS), 0);
	dfx_snap(p->src, &s);
	assert_true(s.irb_pending);
	assert_int_equal(migrate(p, true), 0);
	dfx_snap(p->dst, &d);
	assert_true(d.irb_pending);
	/* The destination signals it while entering RUNNING, before the SET
	 * is answered: the eventfd must be readable now. */
	if (!vmm_io_signalled(p->dst))
		fail_msg("BUG: the migrated IRB is pending on the destination but its I/O "
			 "eventfd was not signalled (%llu interrupt(s) dropped)",
			 (unsigned long long)d.irq_dropped);
	vmm_wait_irb(p->dst, &irb);
	assert_memory_equal(&irb, s.irb, sizeof(irb));
	assert_start_ok(&irb);
	assert_int_equal(uvf_css_scsw_cpa(&irb.scsw), GA(G_PROG) + 24);
	assert_quiet_idle(p->dst);
	/* And runs the next program. */
	assert_int_equal(g_fba_start(p->dst, G_PROG, G_PARM, false, 9, 1, G_BUF, 0), 0);
	vmm_wait_irb(p->dst, &irb);
	assert_start_ok(&irb);
}

/* ---- a program in flight ---- */

struct mig_thread {
	struct pair *p;
	bool precopy;
	pthread_t thr;
	int r;
	atomic_bool done;
};

static void *mig_main(void *arg)
{
	struct mig_thread *m = arg;

	m->r = migrate(m->p, m->precopy);
	atomic_store(&m->done, true);
	return NULL;
}

static bool stop_waits(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return s->stop_waiting;
}

/* The stop arc waits for the running program (paused in the css, so the
 * wait is certain), which then ends; its final IRB travels. */
static void migrate_in_flight_(struct pair *p, bool precopy)
{
	struct mig_thread m = { .p = p, .precopy = precopy };
	struct dfx_snap s;
	struct uvf_css_irb irb;

	assert_int_equal(uvf_css_sch_pause_at(p->src->sch, 2), 0);
	assert_int_equal(g_fba_start(p->src, G_PROG, G_PARM, false, 11, 1, G_BUF, 0), 0);
	assert_int_equal(uvf_css_sch_wait_paused(p->src->sch, DFX_WAIT_MS), 0);
	assert_int_equal(pthread_create(&m.thr, NULL, mig_main, &m), 0);
	dfx_wait_snap(p->src, stop_waits, NULL, "the stop arc's wait");
	assert_false(atomic_load(&m.done));
	dfx_snap(p->src, &s);
	assert_true(s.cp);
	assert_int_equal(uvf_css_sch_pause_at(p->src->sch, -1), 0);
	assert_int_equal(pthread_join(m.thr, NULL), 0);
	assert_int_equal(m.r, 0);
	dfx_snap(p->src, &s);
	assert_int_equal(s.mig, UVF_MIG_STATE_STOP);
	assert_false(s.cp);
	assert_int_equal(s.live, 0);
	assert_int_equal(css_ctrl(p->src), 0);
	/* The final status: on the destination. */
	dst_take_irb(p->dst, &irb);
	assert_start_ok(&irb);
	assert_int_equal(uvf_css_scsw_cpa(&irb.scsw), GA(G_PROG) + 24);
	assert_quiet_idle(p->dst);
}

static void migrate_in_flight(void **state)
{
	migrate_in_flight_(*state, false);
}

static void migrate_in_flight_precopy(void **state)
{
	migrate_in_flight_(*state, true);
}

/* The same with a slow device (delay knob) instead of a pause: the stop
 * returns only after the program's ~3 x 100 ms. */
static void migrate_in_flight_delay(void **state)
{
	struct pair *p = *state;
	struct uvf_css_irb irb;
	uint64_t t0;

	assert_int_equal(uvf_css_sch_set_delay(p->src->sch, 100000), 0);
	assert_int_equal(g_fba_start(p->src, G_PROG, G_PARM, false, 11, 1, G_BUF, 0), 0);
	t0 = now_ms();
	assert_int_equal(migrate(p, true), 0);
	assert_true(now_ms() - t0 >= 150);
	assert_int_equal(css_ctrl(p->src), 0);
	dst_take_irb(p->dst, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(p->dst);
}

/* A program that never ends: the stop gives up (bounded), the migration
 * fails, the source keeps running with its program, which the VMM can
 * clear. */
static void migrate_stuck_program(void **state)
{
	struct pair *p = *state;
	struct uvf_css_irb irb;
	uint64_t t0, dt;
	int r;

	assert_int_equal(uvf_css_fault_hang(p->src->sch, true), 0);
	assert_int_equal(g_fba_start(p->src, G_PROG, G_PARM, false, 11, 1, G_BUF, 0), 0);
	t0 = now_ms();
	r = migrate(p, false);
	dt = now_ms() - t0;
	fprintf(stderr, "migration with a stuck program: %d after %llu ms\n", r,
		(unsigned long long)dt);
	assert_true(r < 0);
	assert_true(dt < 5000 + 3000);
	assert_int_equal(mig_state(p->src), UVF_MIG_STATE_RUNNING);
	assert_int_equal(mig_state(p->dst), UVF_MIG_STATE_RUNNING);
	assert_int_equal(vmm_clear(p->src), 0);
	vmm_wait_irb(p->src, &irb);
	assert_clear_irb(&irb);
	assert_int_equal(uvf_css_fault_hang(p->src->sch, false), 0);
	assert_quiet_idle(p->src);
}

/* ---- CRWs ---- */

static bool crws2(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return s->crw_count == 2;
}

static uint32_t read_crw(struct dfx *f)
{
	uint8_t b[UVF_CCW_CRW_REGION_SIZE];
	uint32_t crw;

	assert_int_equal(uvf_client_region_read(f->cl, (unsigned)f->cc.crw_index, 0, b,
						 sizeof(b)), 0);
	memcpy(&crw, b, 4);
	return crw;
}

static void migrate_crws(void **state)
{
	struct pair *p = *state;
	const uint32_t chp = (uint32_t)UVF_CSS_RSC_CHP << UVF_CSS_CRW_RSC_SHIFT | 0x10;

	assert_int_equal(uvf_css_fault_path(p->src->css, 0x10, false), 0);
	assert_int_equal(uvf_css_fault_path(p->src->css, 0x10, true), 0);
	dfx_wait_snap(p->src, crws2, NULL, "2 CRWs");
	efd_drain(p->dst->cc.crw_efd);
	assert_int_equal(migrate(p, true), 0);
	if (efd_wait(p->dst->cc.crw_efd, DFX_WAIT_MS)) {
		struct dfx_snap d;

		dfx_snap(p->dst, &d);
		fail_msg("BUG: %u migrated CRW(s) queued on the destination, CRW eventfd not "
			 "signalled (%llu interrupt(s) dropped)", d.crw_count,
			 (unsigned long long)d.irq_dropped);
	}
	assert_int_equal(read_crw(p->dst), chp | (uint32_t)UVF_CSS_ERC_PERRN << UVF_CSS_CRW_ERC_SHIFT);
	assert_int_equal(read_crw(p->dst), chp | (uint32_t)UVF_CSS_ERC_INIT << UVF_CSS_CRW_ERC_SHIFT);
	assert_int_equal(read_crw(p->dst), 0);
}

/* ---- corrupted streams ---- */

static size_t save_stream(struct dfx *f, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	long r;

	assert_int_equal(uvf_client_mig_set_state(f->cl, UVF_MIG_STATE_STOP_COPY), 0);
	while ((r = uvf_client_mig_read(f->cl, buf + n, cap - n)) > 0)
		n += (size_t)r;
	assert_int_equal(r, 0);
	return n;
}

static bool crws1(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return s->crw_count == 1;
}

/* The destination has state of its own (an old IRB in its region, a CRW
 * queued); a stream that fails validation must leave all of it. */
static void corrupted_stream(void **state)
{
	struct pair *p = *state;
	uint8_t good[1024], bad[1024];
	struct dfx_snap before, after;
	struct uvf_css_irb irb;
	size_t n;

	/* Source: an unread IRB and a CRW, so the stream carries both. */
	assert_int_equal(vmm_halt(p->src), 0);
	assert_int_equal(efd_wait(p->src->cc.io_efd, DFX_WAIT_MS), 0);
	efd_drain(p->src->cc.io_efd);
	assert_int_equal(uvf_css_fault_path(p->src->css, 0x10, false), 0);
	assert_int_equal(uvf_css_fault_path(p->src->css, 0x10, true), 0);
	dfx_wait_snap(p->src, crws2, NULL, "two CRWs");
	/* Destination: a consumed clear IRB in its region, a CRW queued. */
	assert_int_equal(vmm_clear(p->dst), 0);
	vmm_wait_irb(p->dst, &irb);
	assert_int_equal(uvf_css_fault_path(p->dst->css, 0x10, true), 0);
	dfx_wait_snap(p->dst, crws1, NULL, "a CRW");
	dfx_snap(p->dst, &before);

	n = save_stream(p->src, good, sizeof(good));
	assert_true(n > 16 + 8 + 96 + 8);
	for (int k = 0; k < 4; k++) {
		size_t len = n;

		memcpy(bad, good, n);
		switch (k) {
		case 0: bad[16 + 8 + 3] ^= 0x40; break;	/* a bit of the IRB */
		case 1: bad[n - 1] ^= 1; break;		/* the checksum */
		case 2: len = n - 4; break;		/* truncated */
		case 3: bad[16] = 7; break;		/* irb_pending = 7 */
		}
		assert_int_equal(uvf_client_mig_set_state(p->dst->cl, UVF_MIG_STATE_RESUMING), 0);
		assert_int_equal(uvf_client_mig_write(p->dst->cl, bad, len), 0);
		assert_true(uvf_client_mig_set_state(p->dst->cl, UVF_MIG_STATE_STOP) < 0);
		assert_int_equal(mig_state(p->dst), UVF_MIG_STATE_RESUMING);
		dfx_snap(p->dst, &after);
		assert_int_equal(after.irb_pending, before.irb_pending);
		assert_int_equal(after.crw_count, before.crw_count);
		assert_memory_equal(after.irb, before.irb, sizeof(after.irb));
		assert_int_equal(after.state, UVF_CCW_IDLE);
		/* Abandon it: a reset brings the destination back to RUNNING. */
		assert_int_equal(uvf_client_reset(p->dst->cl), 0);
		assert_int_equal(mig_state(p->dst), UVF_MIG_STATE_RUNNING);
		/* (The reset dropped the destination's CRW; queue it again.) */
		assert_int_equal(uvf_css_fault_path(p->dst->css, 0x10, true), 0);
		dfx_wait_snap(p->dst, crws1, NULL, "a CRW");
		dfx_snap(p->dst, &before);
	}
	/* A foreign header fails as soon as it is written. */
	memcpy(bad, good, n);
	bad[0] ^= 0xFF;
	assert_int_equal(uvf_client_mig_set_state(p->dst->cl, UVF_MIG_STATE_RESUMING), 0);
	assert_true(uvf_client_mig_write(p->dst->cl, bad, n) < 0);
	assert_int_equal(uvf_client_reset(p->dst->cl), 0);

	/* The source keeps running: back to RUNNING, its IRB still there. */
	assert_int_equal(uvf_client_mig_set_state(p->src->cl, UVF_MIG_STATE_RUNNING), 0);
	vmm_read_irb(p->src, &irb);
	assert_fc(&irb, UVF_CSS_FC_HALT);
	assert_int_equal(g_fba_start(p->src, G_PROG, G_PARM, false, 2, 1, G_BUF, 0), 0);
	vmm_wait_irb(p->src, &irb);
	assert_start_ok(&irb);

	/* The good stream, chunked oddly, is accepted. */
	assert_int_equal(uvf_client_mig_set_state(p->dst->cl, UVF_MIG_STATE_RESUMING), 0);
	for (size_t off = 0; off < n; off += 7)
		assert_int_equal(uvf_client_mig_write(p->dst->cl, good + off,
						      n - off < 7 ? n - off : 7), 0);
	assert_int_equal(uvf_client_mig_set_state(p->dst->cl, UVF_MIG_STATE_RUNNING), 0);
	dst_take_irb(p->dst, &irb);
	assert_fc(&irb, UVF_CSS_FC_HALT);
	assert_int_equal(read_crw(p->dst),
			 (uint32_t)UVF_CSS_RSC_CHP << UVF_CSS_CRW_RSC_SHIFT |
			 (uint32_t)UVF_CSS_ERC_PERRN << UVF_CSS_CRW_ERC_SHIFT | 0x10);
	assert_int_equal(read_crw(p->dst),
			 (uint32_t)UVF_CSS_RSC_CHP << UVF_CSS_CRW_RSC_SHIFT |
			 (uint32_t)UVF_CSS_ERC_INIT << UVF_CSS_CRW_ERC_SHIFT | 0x10);
	assert_int_equal(read_crw(p->dst), 0);
}

/* A destination with another disk geometry refuses the stream. */
static void foreign_geometry(void **state)
{
	struct pair *p = *state;
	struct dfx_opts o = { .blocks = 2048 };
	struct dfx *other = dfx_new(&o);
	uint8_t buf[1024];
	size_t n;

	n = save_stream(p->src, buf, sizeof(buf));
	assert_int_equal(uvf_client_mig_set_state(other->cl, UVF_MIG_STATE_RESUMING), 0);
	assert_true(uvf_client_mig_write(other->cl, buf, n) < 0);
	assert_int_equal(uvf_client_reset(other->cl), 0);
	assert_int_equal(uvf_client_mig_set_state(p->src->cl, UVF_MIG_STATE_RUNNING), 0);
	dfx_free(other);
}

/* ---- unsolicited status while stopped ---- */

static bool dropped(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return s->status_dropped > 0;
}

/* migration.md §1 / §11 item 16: status arriving while the device is
 * stopped is discarded and not delivered after resume. */
static void unsolicited_while_stopped(void **state)
{
	struct pair *p = *state;
	struct dfx *f = p->src;
	struct dfx_snap s;
	struct uvf_css_irb irb;

	assert_int_equal(uvf_client_mig_set_state(f->cl, UVF_MIG_STATE_STOP), 0);
	assert_int_equal(uvf_css_fault_unsolicited(f->sch, UVF_CSS_DS_ATTN), 0);
	/* The device takes it off the subchannel and drops it. */
	dfx_wait_snap(f, dropped, NULL, "the status to be dropped");
	dfx_snap(f, &s);
	assert_int_equal(s.status_dropped, 1);
	assert_int_equal(css_ctrl(f), 0);
	assert_false(s.irb_pending);
	assert_int_equal(uvf_client_mig_set_state(f->cl, UVF_MIG_STATE_RUNNING), 0);
	dfx_snap(f, &s);
	assert_false(s.irb_pending);
	assert_false(vmm_io_signalled(f));
	/* Nothing held anywhere: the next program's IRB is the next IRB. */
	assert_int_equal(g_fba_start(f, G_PROG, G_PARM, false, 2, 1, G_BUF, 0), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_quiet_idle(f);
}

/* The same while an IRB from before the stop is still unread: the status
 * arriving while stopped must not come out after the resume either. */
static void unsolicited_while_stopped_irb_pending(void **state)
{
	struct pair *p = *state;
	struct dfx *f = p->src;
	struct uvf_css_irb irb;
	struct dfx_snap s;
	bool extra;

	assert_int_equal(vmm_halt(f), 0);
	assert_int_equal(efd_wait(f->cc.io_efd, DFX_WAIT_MS), 0);
	efd_drain(f->cc.io_efd);
	assert_int_equal(uvf_client_mig_set_state(f->cl, UVF_MIG_STATE_STOP), 0);
	assert_int_equal(uvf_css_fault_unsolicited(f->sch, UVF_CSS_DS_ATTN), 0);
	/* Dropped at once, although an IRB is unread: a stopped device has no
	 * function outstanding, so what is pending can only be unsolicited. */
	dfx_wait_snap(f, dropped, NULL, "the status to be dropped");
	/* Resume (e.g. the migration was cancelled); the VMM reads its IRB. */
	assert_int_equal(uvf_client_mig_set_state(f->cl, UVF_MIG_STATE_RUNNING), 0);
	vmm_read_irb(f, &irb);
	assert_fc(&irb, UVF_CSS_FC_HALT);
	dfx_snap(f, &s);
	extra = s.irb_pending;
	if (extra) {
		vmm_read_irb(f, &irb);
		fprintf(stderr, "BUG: status that arrived while stopped was delivered after "
			"the resume: ctrl %04x dstat %02x\n", uvf_css_scsw_ctrl(&irb.scsw),
			irb.scsw.dstat);
	}
	assert_false(extra);
	assert_int_equal(s.status_dropped, 1);
	assert_quiet_idle(f);
}

/* Status arriving at the destination while it is resuming is dropped;
 * what the stream carried is delivered. */
static void unsolicited_on_resuming_destination(void **state)
{
	struct pair *p = *state;
	uint8_t buf[1024];
	struct uvf_css_irb irb;
	struct dfx_snap s;
	size_t n;

	assert_int_equal(vmm_halt(p->src), 0);
	assert_int_equal(efd_wait(p->src->cc.io_efd, DFX_WAIT_MS), 0);
	n = save_stream(p->src, buf, sizeof(buf));
	assert_int_equal(uvf_client_mig_set_state(p->dst->cl, UVF_MIG_STATE_RESUMING), 0);
	assert_int_equal(uvf_css_fault_unsolicited(p->dst->sch, UVF_CSS_DS_ATTN), 0);
	dfx_wait_snap(p->dst, dropped, NULL, "the status to be dropped");
	dfx_snap(p->dst, &s);
	assert_int_equal(s.status_dropped, 1);
	assert_int_equal(uvf_client_mig_write(p->dst->cl, buf, n), 0);
	assert_int_equal(uvf_client_mig_set_state(p->dst->cl, UVF_MIG_STATE_RUNNING), 0);
	dst_take_irb(p->dst, &irb);
	assert_fc(&irb, UVF_CSS_FC_HALT);
	assert_quiet_idle(p->dst);
	assert_false(vmm_io_signalled(p->dst));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(migrate_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(migrate_idle_precopy, setup, teardown),
		cmocka_unit_test_setup_teardown(migrate_irb_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(migrate_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(migrate_in_flight_precopy, setup, teardown),
		cmocka_unit_test_setup_teardown(migrate_in_flight_delay, setup, teardown),
		cmocka_unit_test_setup_teardown(migrate_stuck_program, setup, teardown),
		cmocka_unit_test_setup_teardown(migrate_crws, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupted_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_geometry, setup, teardown),
		cmocka_unit_test_setup_teardown(unsolicited_while_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(unsolicited_while_stopped_irb_pending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(unsolicited_on_resuming_destination, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
