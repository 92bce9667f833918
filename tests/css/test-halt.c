/* SPDX-License-Identifier: MIT */
/*
 * tests/css/test-halt.c - halt and clear of running programs at every
 * command boundary, while status is held, against a device that never
 * answers; and the START-after-CLEAR attribution race of channel-io.md
 * §4.4 (test 1 of §4.7).
 */
#include "helpers.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define PROG	0x1000u
#define DATA	0x10000u
#define N	12
#define SLOT	64
#define LEN	32

#define HALT_FINAL	(UVF_CSS_FC_START | UVF_CSS_FC_HALT | \
			 UVF_CSS_SC_PRIMARY | UVF_CSS_SC_SECONDARY | \
			 UVF_CSS_SC_PENDING)
#define CLEAR_FINAL	(UVF_CSS_FC_CLEAR | UVF_CSS_SC_PENDING)

/* N chained reads of LEN bytes, command i into slot i. */
static void long_program(struct env *e)
{
	unsigned i;

	e->td->len = LEN;
	for (i = 0; i < N; i++)
		put_ccw1(e, PROG + 8 * i, TD_READ,
			 i + 1 < N ? UVF_CSS_CCW_CC : 0, LEN, DATA + SLOT * i);
	memset(e->mem + DATA, 0, SLOT * N);
}

static bool slot_filled(struct env *e, unsigned i)
{
	unsigned j;

	for (j = 0; j < LEN; j++)
		if (e->mem[DATA + SLOT * i + j] != td_pattern(j))
			return false;
	return true;
}

static bool slot_empty(struct env *e, unsigned i)
{
	unsigned j;

	for (j = 0; j < SLOT; j++)
		if (e->mem[DATA + SLOT * i + j])
			return false;
	return true;
}

/* Slots [0, k) written, [k, N) untouched. */
static void assert_prefix(struct env *e, unsigned k)
{
	unsigned i;

	for (i = 0; i < N; i++) {
		if (i < k && !slot_filled(e, i))
			fail_msg("slot %u not written (prefix %u)", i, k);
		if (i >= k && !slot_empty(e, i))
			fail_msg("slot %u written (prefix %u)", i, k);
	}
}

static unsigned filled_prefix(struct env *e)
{
	unsigned k = 0;

	while (k < N && slot_filled(e, k))
		k++;
	assert_prefix(e, k);
	return k;
}

/* After any halt or clear the subchannel must run a program normally. */
static void assert_still_works(struct env *e)
{
	struct uvf_css_irb irb;
	struct uvf_css_schib schib;

	uvf_css_stsch(e->sch, &schib);
	assert_int_equal(uvf_css_scsw_ctrl(&schib.scsw), 0);
	long_program(e);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, PROG + 8 * N);
	assert_prefix(e, N);
}

static void halt_at_every_command(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;
	uint64_t seq;
	unsigned k;

	for (k = 0; k < N; k++) {
		long_program(e);
		e->td->nlog = 0;
		uvf_css_sch_pause_at(e->sch, (int)k);
		start(e, PROG, 0);
		seq = uvf_css_sch_last_seq(e->sch);
		assert_int_equal(uvf_css_sch_wait_paused(e->sch, WAIT_MS), 0);
		assert_int_equal(uvf_css_hsch(e->sch), 0);
		assert_int_equal(wait_irb(e, &irb, &tag), 0);
		check_scsw(&irb, HALT_FINAL, UVF_CSS_DS_DE, 0);
		/* Last executed CCW + 8, or the ORB CPA before the first. */
		assert_cpa(&irb, PROG + 8 * k);
		assert_count(&irb, 0);
		assert_true(uvf_css_scsw_is_final(&irb.scsw));
		assert_int_equal(tag.fn, UVF_CSS_FN_HALT);
		assert_int_equal(tag.seq, seq + 1);
		assert_true(tag.final);
		assert_int_equal(e->td->nlog, k);
		assert_prefix(e, k);
		uvf_css_sch_pause_at(e->sch, -1);
		assert_still_works(e);
	}
	env_free(e);
}

static void clear_at_every_command(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;
	struct uvf_css_schib schib;
	uint64_t seq;
	unsigned k;

	for (k = 0; k < N; k++) {
		long_program(e);
		e->td->nlog = 0;
		uvf_css_sch_pause_at(e->sch, (int)k);
		start(e, PROG, 0);
		seq = uvf_css_sch_last_seq(e->sch);
		assert_int_equal(uvf_css_sch_wait_paused(e->sch, WAIT_MS), 0);
		assert_int_equal(uvf_css_csch(e->sch), 0);
		assert_int_equal(wait_irb(e, &irb, &tag), 0);
		check_scsw(&irb, CLEAR_FINAL, 0, 0);
		assert_cpa(&irb, 0);
		assert_count(&irb, 0);
		assert_int_equal(tag.fn, UVF_CSS_FN_CLEAR);
		assert_int_equal(tag.seq, seq + 1);
		assert_true(tag.final);
		assert_int_equal(e->td->nlog, k);
		assert_prefix(e, k);
		/* Clear reset the path masks. */
		uvf_css_stsch(e->sch, &schib);
		assert_int_equal(schib.pmcw.pom, 0xFF);
		assert_int_equal(schib.pmcw.pnom, 0);
		uvf_css_sch_pause_at(e->sch, -1);
		assert_still_works(e);
	}
	env_free(e);
}

/* Halt or clear at random moments of a delayed program: whatever point it
 * hits, CPA and storage agree and the subchannel works afterwards. */
static void halt_and_clear_at_random_moments(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;
	unsigned i, k;
	int cc;

	srand(42);
	uvf_css_sch_set_delay(e->sch, 1000);
	for (i = 0; i < 24; i++) {
		bool clear = i & 1;

		long_program(e);
		start(e, PROG, 0);
		poll(NULL, 0, rand() % 16);	/* a random point, not a sync */
		cc = clear ? uvf_css_csch(e->sch) : uvf_css_hsch(e->sch);
		assert_true(cc == 0 || (!clear && cc == 1));
		assert_int_equal(wait_irb(e, &irb, &tag), 0);
		assert_true(uvf_css_scsw_is_final(&irb.scsw));
		k = filled_prefix(e);
		if (clear) {
			check_scsw(&irb, CLEAR_FINAL, 0, 0);
		} else if (cc == 1) {
			/* Finished before the halt: cc 1, the final status. */
			check_scsw(&irb, FINAL_OK, CE_DE, 0);
			assert_int_equal(k, N);
		} else if (uvf_css_scsw_ac(&irb.scsw) &
			   UVF_CSS_AC_START_PEND) {
			/* Halted before the start left start pending. */
			check_scsw(&irb, UVF_CSS_FC_START | UVF_CSS_FC_HALT |
				   UVF_CSS_AC_START_PEND | UVF_CSS_SC_PENDING,
				   0, 0);
			assert_int_equal(k, 0);
		} else {
			assert_ctrl(&irb, HALT_FINAL);
			assert_cpa(&irb, PROG + 8 * k);
			assert_int_equal(tag.fn, UVF_CSS_FN_HALT);
		}
		assert_true(tag.final);
		assert_int_equal(uvf_css_tsch(e->sch, &irb), 1);
	}
	uvf_css_sch_set_delay(e->sch, 0);
	assert_still_works(e);
	env_free(e);
}

static void hung_device_halt_never_completes_clear_does(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	long_program(e);
	uvf_css_fault_hang(e->sch, true);
	start(e, PROG, 0);
	/* Linux's escalation: XSCH (cc 2, active), HSCH, HSCH again (cc 2,
	 * halt pending), then CSCH. */
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_AC_SCH_ACTIVE,
		UVF_CSS_AC_SCH_ACTIVE, WAIT_MS), 0);
	assert_int_equal(uvf_css_xsch(e->sch), 2);
	assert_int_equal(uvf_css_hsch(e->sch), 0);
	assert_int_equal(wait_irb_ms(e, &irb, NULL, 100), -ETIMEDOUT);
	assert_int_equal(uvf_css_hsch(e->sch), 2);
	assert_int_equal(uvf_css_csch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, CLEAR_FINAL, 0, 0);
	assert_int_equal(tag.fn, UVF_CSS_FN_CLEAR);
	assert_prefix(e, 0);

	/* A halt of an idle subchannel does not complete either. */
	assert_int_equal(uvf_css_hsch(e->sch), 0);
	assert_int_equal(wait_irb_ms(e, &irb, NULL, 50), -ETIMEDOUT);
	uvf_css_fault_hang(e->sch, false);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, UVF_CSS_FC_HALT | UVF_CSS_SC_PENDING,
		   UVF_CSS_DS_DE, 0);
	assert_still_works(e);
	env_free(e);
}

static void clear_hang_knob_holds_clear(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	uvf_css_fault_clear_hang(e->sch, true);
	assert_int_equal(uvf_css_csch(e->sch), 0);
	assert_int_equal(wait_irb_ms(e, &irb, NULL, 100), -ETIMEDOUT);
	/* Another CSCH while the first is still pending is accepted. */
	assert_int_equal(uvf_css_csch(e->sch), 0);
	uvf_css_fault_clear_hang(e->sch, false);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, CLEAR_FINAL, 0, 0);
	assert_int_equal(tag.seq, 2);
	assert_int_equal(wait_irb_ms(e, &irb, NULL, 50), -ETIMEDOUT);
	env_free(e);
}

static void halt_withdraws_intermediate_status(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	long_program(e);
	e->mem[PROG + 8 + 1] |= UVF_CSS_CCW_PCI;
	uvf_css_sch_pause_at(e->sch, 3);
	start(e, PROG, 0);
	assert_int_equal(uvf_css_sch_wait_paused(e->sch, WAIT_MS), 0);
	/* The PCI status is pending; halt withdraws it, the PCI bit is
	 * reported with the halt's status instead. */
	assert_int_equal(uvf_css_hsch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, HALT_FINAL, UVF_CSS_DS_DE, UVF_CSS_CS_PCI);
	assert_cpa(&irb, PROG + 24);
	assert_int_equal(tag.fn, UVF_CSS_FN_HALT);
	assert_prefix(e, 3);
	uvf_css_sch_pause_at(e->sch, -1);
	assert_still_works(e);
	env_free(e);
}

static void halt_merges_with_held_final_status(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	put_ccw1(e, PROG, TD_NOOP, UVF_CSS_CCW_SLI | UVF_CSS_CCW_PCI, 0, 0);
	start(e, PROG, 0);
	/* Intermediate PCI status is pending; the final status is (or will
	 * be) held behind it. */
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_SC_MASK,
		UVF_CSS_SC_INTERMEDIATE | UVF_CSS_SC_PENDING, WAIT_MS), 0);
	assert_int_equal(uvf_css_hsch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, HALT_FINAL, CE_DE, UVF_CSS_CS_PCI);
	assert_cpa(&irb, PROG + 8);
	assert_int_equal(tag.fn, UVF_CSS_FN_HALT);
	assert_true(tag.final);
	assert_int_equal(wait_irb_ms(e, &irb, NULL, 50), -ETIMEDOUT);

	/* Clear instead drops the held status entirely. */
	start(e, PROG, 0);
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_SC_MASK,
		UVF_CSS_SC_INTERMEDIATE | UVF_CSS_SC_PENDING, WAIT_MS), 0);
	assert_int_equal(uvf_css_csch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, CLEAR_FINAL, 0, 0);
	assert_int_equal(wait_irb_ms(e, &irb, NULL, 50), -ETIMEDOUT);
	env_free(e);
}

/* channel-io.md §4.7 test 1: IDLE, CSCH, the clear completes, a START
 * before the status was fetched is refused; the clear's status can never
 * be taken for the later start's. */
static void start_after_clear_is_refused_until_tsch(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_orb orb;
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;
	uint64_t clear_seq;

	assert_int_equal(uvf_css_csch(e->sch), 0);
	clear_seq = uvf_css_sch_last_seq(e->sch);
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_SC_PENDING,
		UVF_CSS_SC_PENDING, WAIT_MS), 0);
	long_program(e);
	make_orb(&orb, PROG, 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 1);
	assert_int_equal(uvf_css_tsch_tagged(e->sch, &irb, &tag), 0);
	assert_int_equal(tag.fn, UVF_CSS_FN_CLEAR);
	assert_int_equal(tag.seq, clear_seq);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	assert_int_equal(tag.fn, UVF_CSS_FN_START);
	assert_true(tag.seq > clear_seq);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(halt_at_every_command),
		cmocka_unit_test(clear_at_every_command),
		cmocka_unit_test(halt_and_clear_at_random_moments),
		cmocka_unit_test(hung_device_halt_never_completes_clear_does),
		cmocka_unit_test(clear_hang_knob_holds_clear),
		cmocka_unit_test(halt_withdraws_intermediate_status),
		cmocka_unit_test(halt_merges_with_held_final_status),
		cmocka_unit_test(start_after_clear_is_refused_until_tsch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
