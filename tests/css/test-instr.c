/* SPDX-License-Identifier: MIT */
/*
 * tests/css/test-instr.c - every I/O instruction and condition code
 * (channel-io.md §1.8, §1.9), tags and doorbells.
 */
#include "helpers.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define PROG	0x1000u

static void set_pmcw_flags(struct env *e, uint16_t set, uint16_t clear)
{
	struct uvf_css_schib schib;
	uint16_t f;

	uvf_css_stsch(e->sch, &schib);
	f = uvf_css_get_be16(schib.pmcw.flags);
	uvf_css_put_be16(schib.pmcw.flags, (uint16_t)((f | set) & ~clear));
	assert_int_equal(uvf_css_msch(e->sch, &schib), 0);
}

static uint16_t sch_ctrl(struct env *e)
{
	struct uvf_css_schib schib;

	uvf_css_stsch(e->sch, &schib);
	return uvf_css_scsw_ctrl(&schib.scsw);
}

/* Wait (bounded, on the doorbell) until status is pending, without TSCH. */
static void wait_pending(struct env *e)
{
	struct pollfd pfd = { .fd = e->efd, .events = POLLIN };
	int i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		if (sch_ctrl(e) & UVF_CSS_SC_PENDING)
			return;
		if (poll(&pfd, 1, 10) > 0)
			drain(e->efd);
	}
	fail_msg("status never became pending");
}

static void nop_program(struct env *e)
{
	put_ccw1(e, PROG, TD_NOOP, UVF_CSS_CCW_CC | UVF_CSS_CCW_SLI, 0, 0);
	put_ccw1(e, PROG + 8, TD_NOOP, UVF_CSS_CCW_SLI, 0, 0);
}

static void ssch_cc0_presents_final_status(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_schib schib;
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	nop_program(e);
	start(e, PROG, 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, PROG + 16);
	assert_count(&irb, 0);
	assert_true(uvf_css_scsw_flags(&irb.scsw) & UVF_CSS_SCSW_F_F);
	assert_true(uvf_css_scsw_is_solicited(&irb.scsw));
	assert_true(uvf_css_scsw_is_valid_cpa(&irb.scsw));
	assert_int_equal(irb.esw[1], 0x80);	/* LPUM: first path */
	assert_int_equal(uvf_css_irb_erw(&irb), 0);
	assert_int_equal(tag.seq, 1);
	assert_int_equal(tag.fn, UVF_CSS_FN_START);
	assert_true(tag.final);
	assert_int_equal(e->td->nlog, 2);
	assert_int_equal(e->td->chain_starts, 1);

	/* The ORB intparm replaced the PMCW's; TSCH cleared everything. */
	uvf_css_stsch(e->sch, &schib);
	assert_int_equal(uvf_css_get_be32(schib.pmcw.intparm), 0x12345678);
	assert_int_equal(uvf_css_scsw_ctrl(&schib.scsw), 0);
	assert_int_equal(uvf_css_tsch(e->sch, &irb), 1);
	env_free(e);
}

static void instructions_cc3_when_disabled(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_orb orb;
	struct uvf_css_irb irb;

	set_pmcw_flags(e, 0, UVF_CSS_PMCW_ENA);
	make_orb(&orb, PROG, 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 3);
	assert_int_equal(uvf_css_rsch(e->sch), 3);
	assert_int_equal(uvf_css_hsch(e->sch), 3);
	assert_int_equal(uvf_css_csch(e->sch), 3);
	assert_int_equal(uvf_css_xsch(e->sch), 3);
	assert_int_equal(uvf_css_tsch(e->sch, &irb), 3);
	set_pmcw_flags(e, UVF_CSS_PMCW_ENA, 0);
	assert_int_equal(uvf_css_tsch(e->sch, &irb), 1);
	env_free(e);
}

static void ssch_cc1_when_status_pending(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_orb orb;
	struct uvf_css_irb irb;

	nop_program(e);
	start(e, PROG, 0);
	wait_pending(e);
	make_orb(&orb, PROG, 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 1);
	assert_int_equal(uvf_css_hsch(e->sch), 1);
	assert_int_equal(uvf_css_xsch(e->sch), 1);
	assert_int_equal(uvf_css_rsch(e->sch), 1);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	env_free(e);
}

static void ssch_cc2_while_function_in_progress(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_orb orb;
	struct uvf_css_irb irb;

	nop_program(e);
	uvf_css_sch_pause_at(e->sch, 1);
	start(e, PROG, 0);
	assert_int_equal(uvf_css_sch_wait_paused(e->sch, WAIT_MS), 0);
	assert_int_equal(sch_ctrl(e), UVF_CSS_FC_START |
			 UVF_CSS_AC_SCH_ACTIVE | UVF_CSS_AC_DEV_ACTIVE);
	make_orb(&orb, PROG, 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 2);
	assert_int_equal(uvf_css_xsch(e->sch), 2);	/* active */
	assert_int_equal(uvf_css_rsch(e->sch), 2);	/* not suspended */
	uvf_css_sch_pause_at(e->sch, -1);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	env_free(e);
}

static void ssch_operand_exceptions(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_orb orb;

	make_orb(&orb, PROG, UVF_CSS_ORB_B);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), -EINVAL);
	make_orb(&orb, PROG, 0);
	orb.ctl2 = UVF_CSS_ORB2_D;
	assert_int_equal(uvf_css_ssch(e->sch, &orb), -EINVAL);
	orb.ctl2 = 0x02;
	assert_int_equal(uvf_css_ssch(e->sch, &orb), -EINVAL);
	make_orb(&orb, 0x80001000u, 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), -EINVAL);
	/* Nothing happened to the subchannel. */
	assert_int_equal(sch_ctrl(e), 0);
	assert_int_equal(uvf_css_sch_last_seq(e->sch), 0);
	/* L and X are accepted. */
	make_orb(&orb, PROG, 0);
	nop_program(e);
	orb.ctl2 = UVF_CSS_ORB2_L | UVF_CSS_ORB2_X;
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	env_free(e);
}

static void tsch_cc1_stores_idle_scsw(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag = { .seq = 99 };
	static const uint8_t zero[sizeof(irb)];

	memset(&irb, 0xEE, sizeof(irb));
	assert_int_equal(uvf_css_tsch_tagged(e->sch, &irb, &tag), 1);
	assert_memory_equal(&irb, zero, sizeof(irb));
	assert_int_equal(tag.seq, 0);
	assert_int_equal(tag.fn, UVF_CSS_FN_NONE);
	env_free(e);
}

static void stsch_reports_pmcw(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_schib schib;
	uint16_t flags;

	assert_int_equal(uvf_css_stsch(e->sch, &schib), 0);
	flags = uvf_css_get_be16(schib.pmcw.flags);
	assert_int_equal(flags, UVF_CSS_PMCW_DNV | UVF_CSS_PMCW_ENA |
			 (3 << UVF_CSS_PMCW_ISC_SHIFT));
	assert_int_equal(uvf_css_get_be16(schib.pmcw.devno), 0x1234);
	assert_int_equal(uvf_css_get_be32(schib.pmcw.intparm), 0xCAFE);
	assert_int_equal(schib.pmcw.pim, 0xC0);
	assert_int_equal(schib.pmcw.pam, 0xC0);
	assert_int_equal(schib.pmcw.pom, 0xFF);
	assert_int_equal(schib.pmcw.lpm, 0xC0);
	assert_int_equal(schib.pmcw.chpid[0], 0x10);
	assert_int_equal(schib.pmcw.chpid[1], 0x11);
	assert_int_equal(uvf_css_get_be32(schib.pmcw.chars), 0);
	env_free(e);
}

static void msch_rules(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_schib schib, bad, got;
	struct uvf_css_irb irb;

	uvf_css_stsch(e->sch, &schib);
	bad = schib;
	uvf_css_put_be16(bad.pmcw.flags, uvf_css_get_be16(bad.pmcw.flags) |
			 0x0100);
	assert_int_equal(uvf_css_msch(e->sch, &bad), -EINVAL);
	bad = schib;
	uvf_css_put_be16(bad.pmcw.flags, uvf_css_get_be16(bad.pmcw.flags) |
			 UVF_CSS_PMCW_LM);
	assert_int_equal(uvf_css_msch(e->sch, &bad), -EINVAL);
	bad = schib;
	uvf_css_put_be32(bad.pmcw.chars, UVF_CSS_CHARS_XMWME);
	assert_int_equal(uvf_css_msch(e->sch, &bad), -EINVAL);
	bad = schib;
	uvf_css_put_be32(bad.pmcw.chars, 0x01000000);
	assert_int_equal(uvf_css_msch(e->sch, &bad), -EINVAL);

	/* Only the program-modifiable fields change. */
	bad = schib;
	uvf_css_put_be32(bad.pmcw.intparm, 0x55AA);
	bad.pmcw.lpm = 0x40;
	bad.pmcw.pim = 0x01;
	bad.pmcw.pam = 0x01;
	uvf_css_put_be16(bad.pmcw.devno, 0x9999);
	uvf_css_put_be32(bad.pmcw.chars, UVF_CSS_CHARS_CSENSE);
	uvf_css_put_be64(bad.mba, 0x1000);
	assert_int_equal(uvf_css_msch(e->sch, &bad), 0);
	uvf_css_stsch(e->sch, &got);
	assert_int_equal(uvf_css_get_be32(got.pmcw.intparm), 0x55AA);
	assert_int_equal(got.pmcw.lpm, 0x40);
	assert_int_equal(got.pmcw.pim, 0xC0);
	assert_int_equal(got.pmcw.pam, 0xC0);
	assert_int_equal(uvf_css_get_be16(got.pmcw.devno), 0x1234);
	assert_int_equal(uvf_css_get_be32(got.pmcw.chars), UVF_CSS_CHARS_CSENSE);
	assert_int_equal(uvf_css_get_be64(got.mba), 0x1000);

	/* cc 2 while busy, cc 1 while status pending. */
	nop_program(e);
	uvf_css_sch_pause_at(e->sch, 0);
	start(e, PROG, 0);
	assert_int_equal(uvf_css_sch_wait_paused(e->sch, WAIT_MS), 0);
	assert_int_equal(uvf_css_msch(e->sch, &schib), 2);
	uvf_css_sch_pause_at(e->sch, -1);
	wait_pending(e);
	assert_int_equal(uvf_css_msch(e->sch, &schib), 1);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	assert_int_equal(uvf_css_msch(e->sch, &schib), 0);
	env_free(e);
}

static void hsch_idle_presents_halt_status(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	assert_int_equal(uvf_css_hsch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, UVF_CSS_FC_HALT | UVF_CSS_SC_PENDING,
		   UVF_CSS_DS_DE, 0);
	assert_true(uvf_css_scsw_is_final(&irb.scsw));
	assert_int_equal(tag.fn, UVF_CSS_FN_HALT);
	assert_int_equal(tag.seq, 1);
	assert_true(tag.final);
	assert_int_equal(e->td->halts, 1);
	assert_int_equal(sch_ctrl(e), 0);
	env_free(e);
}

static void hsch_cc2_while_halt_or_clear_pending(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	uvf_css_fault_hang(e->sch, true);
	assert_int_equal(uvf_css_hsch(e->sch), 0);
	assert_int_equal(uvf_css_hsch(e->sch), 2);
	uvf_css_fault_clear_hang(e->sch, true);
	assert_int_equal(uvf_css_csch(e->sch), 0);
	assert_int_equal(uvf_css_hsch(e->sch), 2);
	assert_int_equal(sch_ctrl(e), UVF_CSS_FC_CLEAR | UVF_CSS_AC_CLEAR_PEND);
	uvf_css_fault_clear_hang(e->sch, false);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, UVF_CSS_FC_CLEAR | UVF_CSS_SC_PENDING, 0, 0);
	assert_int_equal(tag.fn, UVF_CSS_FN_CLEAR);
	assert_int_equal(tag.seq, 2);
	env_free(e);
}

static void csch_withdraws_pending_status(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	nop_program(e);
	start(e, PROG, 0);
	wait_pending(e);
	assert_int_equal(uvf_css_csch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, UVF_CSS_FC_CLEAR | UVF_CSS_SC_PENDING, 0, 0);
	assert_cpa(&irb, 0);
	assert_int_equal(tag.fn, UVF_CSS_FN_CLEAR);
	assert_int_equal(tag.seq, 2);
	assert_true(tag.final);
	assert_int_equal(e->td->clears, 1);
	assert_int_equal(uvf_css_tsch(e->sch, &irb), 1);
	env_free(e);
}

static void xsch_cancels_suspended_start(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_orb orb;

	assert_int_equal(uvf_css_xsch(e->sch), 2);	/* idle */
	put_ccw1(e, PROG, TD_NOOP, UVF_CSS_CCW_SLI | UVF_CSS_CCW_S, 0, 0);
	start(e, PROG, UVF_CSS_ORB_S | UVF_CSS_ORB_U);
	/* U: suspended without interruption. */
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_AC_SUSPENDED,
					       UVF_CSS_AC_SUSPENDED, WAIT_MS), 0);
	assert_int_equal(uvf_css_xsch(e->sch), 0);
	assert_int_equal(sch_ctrl(e), 0);
	assert_int_equal(wait_irb_ms(e, &irb, NULL, 50), -ETIMEDOUT);
	assert_int_equal(e->td->nlog, 0);
	/* The subchannel is free for a new start. */
	nop_program(e);
	make_orb(&orb, PROG, 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	env_free(e);
}

static void rsch_resumes_suspended_program(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	assert_int_equal(uvf_css_rsch(e->sch), 2);	/* idle */
	put_ccw1(e, PROG, TD_NOOP, UVF_CSS_CCW_CC | UVF_CSS_CCW_SLI, 0, 0);
	put_ccw1(e, PROG + 8, TD_NOOP, UVF_CSS_CCW_SLI | UVF_CSS_CCW_S, 0, 0);
	start(e, PROG, UVF_CSS_ORB_S);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, UVF_CSS_FC_START | UVF_CSS_AC_SUSPENDED |
		   UVF_CSS_SC_INTERMEDIATE | UVF_CSS_SC_PENDING, 0, 0);
	assert_cpa(&irb, PROG + 16);
	assert_false(tag.final);
	assert_false(uvf_css_scsw_is_final(&irb.scsw));
	assert_true(uvf_css_scsw_is_intermediate_only(&irb.scsw));
	assert_int_equal(e->td->nlog, 1);
	/* Clear S, resume: the CCW is refetched.  The hang keeps the
	 * program from ending, so the second RSCH deterministically finds
	 * resume pending or the program active: cc 2 either way. */
	e->mem[PROG + 9] &= (uint8_t)~UVF_CSS_CCW_S;
	uvf_css_fault_hang(e->sch, true);
	assert_int_equal(uvf_css_rsch(e->sch), 0);
	assert_int_equal(uvf_css_rsch(e->sch), 2);
	uvf_css_fault_hang(e->sch, false);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, PROG + 16);
	assert_true(tag.final);
	assert_int_equal(tag.seq, 1);
	assert_int_equal(e->td->nlog, 2);
	env_free(e);
}

static void rsch_cc2_without_orb_s(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	put_ccw1(e, PROG, TD_NOOP, UVF_CSS_CCW_SLI | UVF_CSS_CCW_S, 0, 0);
	/* S flag without ORB S: program check, nothing suspends. */
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, UVF_CSS_CS_PROG);
	assert_int_equal(uvf_css_rsch(e->sch), 2);
	env_free(e);
}

static void stcrw_cc1_when_empty(void **state)
{
	struct env *e = env_new_testdev();
	uint32_t crw = 0xFFFFFFFF;

	assert_int_equal(uvf_css_stcrw(e->css, &crw), 1);
	assert_int_equal(crw, 0);
	env_free(e);
}

static void lookup_by_id_and_devno(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_sch *s = NULL;

	assert_ptr_equal(uvf_css_find_sch(e->css, 0, 0), e->sch);
	assert_null(uvf_css_find_sch(e->css, 0, 1));
	assert_ptr_equal(uvf_css_find_devno(e->css, 0, 0x1234), e->sch);
	assert_null(uvf_css_find_devno(e->css, 1, 0x1234));
	assert_int_equal(uvf_css_find_schid(e->css, 0x00010000, &s), 0);
	assert_ptr_equal(s, e->sch);
	assert_int_equal(uvf_css_find_schid(e->css, 0x00000000, &s), -EINVAL);
	assert_int_equal(uvf_css_find_schid(e->css, 0x01010000, &s), -EINVAL);
	assert_int_equal(uvf_css_find_schid(e->css, 0x00090000, &s), 0);
	assert_int_equal(uvf_css_find_schid(e->css, 0x00010001, &s), -ENODEV);
	assert_int_equal(uvf_css_find_schid(e->css, 0x00030000, &s), -ENODEV);
	env_free(e);
}

static void sch_create_rejects_bad_config(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_devops ops = testdev_ops;
	struct uvf_css_sch_config cfg = {
		.schno = 0, .devno = 0x5555, .ops = &testdev_ops, .dev = e->td,
	};
	struct uvf_css_sch *s;

	assert_int_equal(uvf_css_sch_create(e->css, &cfg, &s), -EEXIST);
	cfg.schno = 1;
	cfg.devno = 0x1234;
	assert_int_equal(uvf_css_sch_create(e->css, &cfg, &s), -EEXIST);
	cfg.devno = 0x5555;
	ops.halt = NULL;
	cfg.ops = &ops;
	assert_int_equal(uvf_css_sch_create(e->css, &cfg, &s), -EINVAL);
	ops = testdev_ops;
	ops.version = 2;
	assert_int_equal(uvf_css_sch_create(e->css, &cfg, &s), -EINVAL);
	cfg.ops = &testdev_ops;
	cfg.ssid = 4;
	assert_int_equal(uvf_css_sch_create(e->css, &cfg, &s), -EINVAL);
	env_free(e);
}

static void deferred_cc3_without_usable_path(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_schib schib;
	struct uvf_css_orb orb;
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	nop_program(e);
	make_orb(&orb, PROG, 0);
	orb.lpm = 0x20;		/* not installed */
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, UVF_CSS_FC_START | UVF_CSS_SC_ALERT |
		   UVF_CSS_SC_PENDING, 0, 0);
	assert_int_equal(uvf_css_scsw_cc(&irb.scsw), 3);
	assert_true(uvf_css_scsw_flags(&irb.scsw) & UVF_CSS_SCSW_F_N);
	assert_true(uvf_css_scsw_is_solicited(&irb.scsw));
	assert_true(uvf_css_scsw_is_final(&irb.scsw));
	assert_true(tag.final);
	assert_int_equal(e->td->nlog, 0);
	/* TSCH cleared N; the program still runs on a good path. */
	uvf_css_stsch(e->sch, &schib);
	assert_false(uvf_css_scsw_flags(&schib.scsw) & UVF_CSS_SCSW_F_N);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(uvf_css_scsw_cc(&irb.scsw), 0);
	env_free(e);
}

static void doorbell_rings_at_once_when_pending(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	int fd2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	assert_true(fd2 >= 0);
	nop_program(e);
	start(e, PROG, 0);
	wait_pending(e);
	assert_int_equal(uvf_css_sch_set_doorbell(e->sch, fd2), 0);
	assert_int_equal(drain(fd2), 1);
	assert_int_equal(uvf_css_sch_set_doorbell(e->sch, -1), 0);
	assert_int_equal(uvf_css_sch_set_doorbell(e->sch, -5), -EBADF);
	close(fd2);
	assert_int_equal(uvf_css_tsch(e->sch, &irb), 0);
	assert_int_equal(uvf_css_sch_set_doorbell(e->sch, e->efd), 0);
	env_free(e);
}

static void sequence_numbers_count_functions(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	nop_program(e);
	run(e, PROG, 0, &irb);
	assert_int_equal(uvf_css_sch_last_seq(e->sch), 1);
	assert_int_equal(uvf_css_hsch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	assert_int_equal(tag.seq, 2);
	assert_int_equal(uvf_css_csch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	assert_int_equal(tag.seq, 3);
	start(e, PROG, 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	assert_int_equal(tag.seq, 4);
	assert_int_equal(tag.fn, UVF_CSS_FN_START);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ssch_cc0_presents_final_status),
		cmocka_unit_test(instructions_cc3_when_disabled),
		cmocka_unit_test(ssch_cc1_when_status_pending),
		cmocka_unit_test(ssch_cc2_while_function_in_progress),
		cmocka_unit_test(ssch_operand_exceptions),
		cmocka_unit_test(tsch_cc1_stores_idle_scsw),
		cmocka_unit_test(stsch_reports_pmcw),
		cmocka_unit_test(msch_rules),
		cmocka_unit_test(hsch_idle_presents_halt_status),
		cmocka_unit_test(hsch_cc2_while_halt_or_clear_pending),
		cmocka_unit_test(csch_withdraws_pending_status),
		cmocka_unit_test(xsch_cancels_suspended_start),
		cmocka_unit_test(rsch_resumes_suspended_program),
		cmocka_unit_test(rsch_cc2_without_orb_s),
		cmocka_unit_test(stcrw_cc1_when_empty),
		cmocka_unit_test(lookup_by_id_and_devno),
		cmocka_unit_test(sch_create_rejects_bad_config),
		cmocka_unit_test(deferred_cc3_without_usable_path),
		cmocka_unit_test(doorbell_rings_at_once_when_pending),
		cmocka_unit_test(sequence_numbers_count_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
