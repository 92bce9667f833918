/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_dev_stress.c - randomized schedules against the ccw device
 * with invariants checked after every FSM event (channel-io.md §4.7 test 6,
 * issue 6 item 6).
 *
 * The VMM (this thread) runs, per seed, a random sequence of START (valid
 * FBA programs, reads and some writes, sometimes with PCI flags), HSCH,
 * CSCH, IRB reads (after the eventfd, and spurious ones), random css
 * delays and occasional unsolicited attention; then it quiesces and reads
 * everything that is left.  The css worker and the loop thread race it.
 *
 * The after_event hook (loop thread) keeps an independent model built only
 * from what it observes - accepted requests and delivered IRBs - and checks
 * after every event:
 *   - IDLE iff vfc == 0; vfc == the model's outstanding functions == the
 *     FC of the css SCSW (STSCH);
 *   - cp != NULL iff a START was accepted and no IRB ending it was
 *     delivered yet; live programs == (cp ? 1 : 0) (never more than 1);
 *     the channel's reference only with cp;
 *   - every delivered IRB is attributed correctly: an intermediate one has
 *     FC start and a start outstanding, a final one has exactly the FC of
 *     the outstanding functions (and ends them), an unsolicited one (FC 0)
 *     comes only when nothing is outstanding;
 *   - IRBs are delivered one at a time: irbs_delivered grows by at most one
 *     per event and irb_pending == (delivered > consumed);
 *   - no status is dropped while the device runs.
 * The VMM checks that each IRB it consumes is the next one delivered, byte
 * for byte (in order, none lost, none twice), that a read which consumed
 * nothing returned the last one again, and at the end of each seed that
 * everything delivered was consumed and every function ended.
 *
 * Environment: UVF_CCW_STRESS_SEEDS (default 4000), UVF_CCW_STRESS_SECONDS
 * (time budget, default 20), UVF_CCW_STRESS_SEED0 (first seed, to replay).
 */
#include "test_dev_common.h"

#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The css's own state, only to see whether unsolicited status is still
 * waiting to be presented when a seed quiesces. */
#include "css/internal.h"

#define LOG_CAP 16

struct model {
	/* loop thread only */
	unsigned fc;
	bool start_live;
	uint64_t delivered_seen;
	/* shared with the VMM */
	atomic_ullong ndeliv;	/* IRBs delivered (log entries) */
	atomic_ullong nacked;	/* IRB_READ events: IRBs consumed */
	atomic_ullong events;
	atomic_int failed;
	uint8_t log[LOG_CAP][UVF_CCW_IRB_AREA_SIZE];
	char why[512];
};

static void model_fail(struct model *m, struct ccw_dev *c, enum uvf_ccw_event ev, int r,
		       const char *what)
{
	int zero = 0;

	if (!atomic_compare_exchange_strong(&m->failed, &zero, 1))
		return;
	snprintf(m->why, sizeof(m->why),
		 "after event %d (result %d): %s [state %s vfc %#x cp %d chan_ref %d "
		 "irb_pending %d delivered %llu model fc %#x start_live %d]",
		 ev, r, what, ccw_state_name(c->state), c->vfc, c->cp != NULL, c->chan_ref,
		 c->irb_pending, (unsigned long long)c->irbs_delivered, m->fc, m->start_live);
}

#define CHECK(cond, what) \
	do { if (!(cond)) { model_fail(m, c, ev, r, what); return; } } while (0)

static void after_event(struct ccw_dev *c, enum uvf_ccw_event ev, int r, void *arg)
{
	struct model *m = arg;
	struct uvf_css_schib sb;
	uint64_t nd, na;
	long live;

	atomic_fetch_add(&m->events, 1);
	if (atomic_load(&m->failed))
		return;
	/* The VMM's read consumed the IRB that was pending (io_read raises
	 * IRB_READ only then); the fetch it triggers may deliver the next. */
	if (ev == UVF_CCW_EV_IRB_READ)
		atomic_fetch_add(&m->nacked, 1);

	if (c->irbs_delivered != m->delivered_seen) {
		struct uvf_css_irb irb;
		uint16_t fc;

		CHECK(c->irbs_delivered == m->delivered_seen + 1, "more than one IRB in one event");
		CHECK(ev == UVF_CCW_EV_DOORBELL || ev == UVF_CCW_EV_IRB_READ,
		      "IRB delivered by a request");
		m->delivered_seen++;
		memcpy(&irb, c->io + UVF_CCW_IO_IRB_OFF, sizeof(irb));
		fc = uvf_css_scsw_fc(&irb.scsw);
		if (!fc) {
			CHECK(!uvf_css_scsw_is_solicited(&irb.scsw), "FC 0 but solicited");
			CHECK(irb.scsw.dstat == UVF_CSS_DS_ATTN, "unsolicited, not attention");
			CHECK(m->fc == 0, "unsolicited status while a function is outstanding");
		} else if (uvf_css_scsw_is_intermediate_only(&irb.scsw)) {
			CHECK(fc == UVF_CSS_FC_START && m->fc == UVF_CSS_FC_START,
			      "intermediate status not of the running start");
			CHECK(m->start_live, "intermediate status without a live program");
		} else {
			CHECK(uvf_css_scsw_is_final(&irb.scsw), "status neither final nor intermediate");
			CHECK(fc == m->fc, "final status of another function");
			m->fc = 0;
			m->start_live = false;
		}
		nd = atomic_load(&m->ndeliv);
		memcpy(m->log[nd % LOG_CAP], &irb, sizeof(irb));
		atomic_store(&m->ndeliv, nd + 1);
	}
	if (r == 0) {
		if (ev == UVF_CCW_EV_IO_REQ) {
			CHECK(m->fc == 0, "START accepted with a function outstanding");
			m->fc = UVF_CSS_FC_START;
			m->start_live = true;
		} else if (ev == UVF_CCW_EV_HALT_REQ) {
			CHECK(!(m->fc & (UVF_CSS_FC_HALT | UVF_CSS_FC_CLEAR)),
			      "HSCH accepted with halt or clear outstanding");
			m->fc |= UVF_CSS_FC_HALT;
		} else if (ev == UVF_CCW_EV_CLEAR_REQ) {
			m->fc = UVF_CSS_FC_CLEAR;
		}
	} else if (ev == UVF_CCW_EV_IO_REQ || ev == UVF_CCW_EV_HALT_REQ ||
		   ev == UVF_CCW_EV_CLEAR_REQ) {
		CHECK(r == -EBUSY, "request failed with something else than EBUSY");
		CHECK(ev != UVF_CCW_EV_CLEAR_REQ, "CSCH refused");
	}

	/* The invariants. */
	CHECK(c->state == UVF_CCW_IDLE || c->state == UVF_CCW_BUSY, "not open");
	CHECK((c->state == UVF_CCW_IDLE) == (c->vfc == 0), "IDLE iff vfc == 0");
	CHECK(c->vfc == m->fc, "vfc differs from the requests accepted");
	CHECK(uvf_css_stsch(c->sch, &sb) == 0, "STSCH");
	CHECK(uvf_css_scsw_fc(&sb.scsw) == c->vfc, "vfc differs from the css SCSW FC");
	CHECK((c->cp != NULL) == m->start_live, "cp without a live start, or none with one");
	live = uvf_ccw_cp_live(c->arena);
	CHECK(live == (c->cp ? 1 : 0), "live programs != (cp ? 1 : 0)");
	CHECK(!c->chan_ref || c->cp, "channel reference without cp");
	nd = atomic_load(&m->ndeliv);
	na = atomic_load(&m->nacked);
	CHECK(na <= nd && nd - na <= 1, "more than one IRB outstanding");
	CHECK(c->irb_pending == (nd != na), "irb_pending differs from delivered - consumed");
	CHECK(c->status_dropped == 0, "status dropped while running");
}

/* ---- the VMM ---- */

struct vmm {
	struct dfx *f;
	struct model *m;
	uint64_t rng;
	uint64_t vread;		/* IRBs this thread consumed */
	unsigned long starts, halts, clears, reads, spurious, unsol, pcis, irbs;
};

static uint32_t rnd(struct vmm *v)
{
	/* xorshift64* */
	v->rng ^= v->rng >> 12;
	v->rng ^= v->rng << 25;
	v->rng ^= v->rng >> 27;
	return (uint32_t)((v->rng * 0x2545F4914F6CDD1Dull) >> 32);
}

static void check_model(struct vmm *v, uint64_t seed)
{
	if (atomic_load(&v->m->failed))
		fail_msg("seed %llu: %s", (unsigned long long)seed, v->m->why);
}

/* Read the IRB area; verify it against the hook's log. */
static void read_irb(struct vmm *v, uint64_t seed)
{
	uint8_t b[UVF_CCW_IRB_AREA_SIZE];
	uint64_t n0 = atomic_load(&v->m->nacked), n1;

	assert_int_equal(uvf_client_ccw_read_irb(&v->f->cc, b), 0);
	n1 = atomic_load(&v->m->nacked);
	v->reads++;
	if (n1 == n0 + 1) {
		/* It consumed IRB number n0: the next one, as delivered. */
		if (n0 != v->vread)
			fail_msg("seed %llu: consumed IRB %llu, expected %llu",
				 (unsigned long long)seed, (unsigned long long)n0,
				 (unsigned long long)v->vread);
		if (memcmp(b, v->m->log[n0 % LOG_CAP], sizeof(b)))
			fail_msg("seed %llu: IRB %llu read differs from the one delivered",
				 (unsigned long long)seed, (unsigned long long)n0);
		v->vread++;
		v->irbs++;
	} else if (n1 == n0) {
		static const uint8_t zero[UVF_CCW_IRB_AREA_SIZE];

		/* Nothing pending: the last IRB again. */
		v->spurious++;
		if (memcmp(b, n0 ? v->m->log[(n0 - 1) % LOG_CAP] : zero, sizeof(b)))
			fail_msg("seed %llu: a read that consumed nothing saw a new IRB",
				 (unsigned long long)seed);
	} else {
		fail_msg("seed %llu: one read consumed %llu IRBs", (unsigned long long)seed,
			 (unsigned long long)(n1 - n0));
	}
	check_model(v, seed);
}

static void start_random(struct vmm *v, uint64_t seed)
{
	struct dfx *f = v->f;
	bool write = rnd(v) % 10 == 0;
	uint32_t n = 1 + rnd(v) % 4, block = rnd(v) % (f->o.blocks - n);
	uint32_t pci = rnd(v) % 4 == 0 ? rnd(v) & ((1u << (2 + n)) - 1) : 0;
	int r;

	/* The data buffer of a write holds whatever the last read left. */
	r = g_fba_start(f, G_PROG, G_PARM, write, block, n, G_BUF, pci);
	if (r != 0 && r != -EBUSY)
		fail_msg("seed %llu: START: %d", (unsigned long long)seed, r);
	if (!r) {
		v->starts++;
		v->pcis += pci != 0;
	}
	check_model(v, seed);
}

static bool io_signalled(struct vmm *v, int ms)
{
	return efd_wait(v->f->cc.io_efd, ms) == 0;
}

static void consume_signalled(struct vmm *v, uint64_t seed, int ms)
{
	if (io_signalled(v, ms)) {
		efd_drain(v->f->cc.io_efd);
		read_irb(v, seed);
	}
}

/* The css has nothing left to say: no function, no status, nothing held,
 * no unsolicited status waiting. */
static bool css_quiet(struct dfx *f)
{
	struct uvf_css_sch *sch = f->sch;
	bool q;

	pthread_mutex_lock(&sch->lock);
	q = sch->scsw.ctrl == 0 && !sch->unsol_dstat && !sch->busy;
	pthread_mutex_unlock(&sch->lock);
	return q;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void quiesce(struct vmm *v, uint64_t seed)
{
	struct dfx *f = v->f;
	uint64_t end = now_ms() + DFX_WAIT_MS;
	struct dfx_snap s;

	uvf_css_sch_set_delay(f->sch, 0);
	for (;;) {
		consume_signalled(v, seed, 2);
		dfx_snap(f, &s);
		check_model(v, seed);
		if (!s.vfc && !s.irb_pending && css_quiet(f)) {
			/* Nothing can come any more; make sure nothing came. */
			dfx_snap(f, &s);
			if (!s.irb_pending && !s.vfc)
				break;
		}
		if (now_ms() > end)
			fail_msg("seed %llu: did not quiesce (state %s vfc %#x irb_pending %d "
				 "css ctrl %#x)", (unsigned long long)seed, ccw_state_name(s.state),
				 s.vfc, s.irb_pending, css_ctrl(f));
	}
	/* Everything delivered was consumed, every function ended. */
	if (atomic_load(&v->m->ndeliv) != v->vread ||
	    atomic_load(&v->m->nacked) != v->vread)
		fail_msg("seed %llu: delivered %llu, consumed %llu, read %llu",
			 (unsigned long long)seed, (unsigned long long)atomic_load(&v->m->ndeliv),
			 (unsigned long long)atomic_load(&v->m->nacked),
			 (unsigned long long)v->vread);
	assert_false(s.cp);
	assert_int_equal(s.live, 0);
	assert_int_equal(s.irbs_delivered, v->vread);
	assert_int_equal(s.status_dropped, 0);
	efd_drain(f->cc.io_efd);
}

static void run_seed(struct vmm *v, uint64_t seed)
{
	struct dfx *f = v->f;
	unsigned nops;

	v->rng = seed * 0x9E3779B97F4A7C15ull + 1;
	nops = 10 + rnd(v) % 40;
	for (unsigned i = 0; i < nops; i++) {
		unsigned a = rnd(v) % 100;

		if (a < 30) {
			start_random(v, seed);
		} else if (a < 40) {
			int r = vmm_halt(f);

			if (r && r != -EBUSY)
				fail_msg("seed %llu: HSCH %d", (unsigned long long)seed, r);
			v->halts += !r;
		} else if (a < 46) {
			assert_int_equal(vmm_clear(f), 0);
			v->clears++;
		} else if (a < 76) {
			consume_signalled(v, seed, (int)(rnd(v) % 3));
		} else if (a < 82) {
			read_irb(v, seed);		/* without looking at the eventfd */
		} else if (a < 90) {
			uvf_css_sch_set_delay(f->sch, rnd(v) % 4 ? 0 : rnd(v) % 300);
		} else if (a < 93) {
			uvf_css_fault_unsolicited(f->sch, UVF_CSS_DS_ATTN);
			v->unsol++;
		} else {
			io_signalled(v, (int)(rnd(v) % 4));
		}
		check_model(v, seed);
	}
	quiesce(v, seed);
}

static unsigned long env_num(const char *name, unsigned long def)
{
	const char *s = getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : def;
}

static void stress(void **state)
{
	struct dfx *f = *state;
	struct model *m = calloc(1, sizeof(*m));
	struct vmm v = { .f = f, .m = m };
	unsigned long seeds = env_num("UVF_CCW_STRESS_SEEDS", 4000);
	unsigned long secs = env_num("UVF_CCW_STRESS_SECONDS", 20);
	unsigned long seed0 = env_num("UVF_CCW_STRESS_SEED0", 1), n = 0;
	uint64_t t0 = now_ms();

	assert_non_null(m);
	dfx_set_hook(f, after_event, m);
	for (n = 0; n < seeds; n++) {
		run_seed(&v, seed0 + n);
		if (now_ms() - t0 > secs * 1000) {
			n++;
			break;
		}
	}
	dfx_set_hook(f, NULL, NULL);
	fprintf(stderr, "stress: %lu seeds (%lu..%lu) in %llu ms, %llu FSM events checked; "
		"%lu starts (%lu with PCI), %lu halts, %lu clears, %lu unsolicited; %lu IRBs "
		"consumed, %lu spurious reads\n", n, seed0, seed0 + n - 1,
		(unsigned long long)(now_ms() - t0), (unsigned long long)atomic_load(&m->events),
		v.starts, v.pcis, v.halts, v.clears, v.unsol, v.irbs, v.spurious);
	/* The schedule must actually have exercised the device. */
	assert_true(n >= 50);
	assert_true(v.starts > n && v.halts > 0 && v.clears > 0 && v.pcis > 0);
	free(m);
}

static int setup(void **state)
{
	struct dfx_opts o = { .blocks = 256 };

	*state = dfx_new(&o);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(stress, setup, dfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
