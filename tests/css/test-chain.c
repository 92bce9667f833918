/* SPDX-License-Identifier: MIT */
/*
 * tests/css/test-chain.c - channel-program rules: command and data
 * chaining, status modifier, SKP, SLI and incorrect length, PCI, suspend,
 * TIC, format-0 CCWs and every program check of channel-io.md §1.5.
 */
#include "helpers.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#define PROG	0x1000u
#define DATA	0x10000u

#define CC	UVF_CSS_CCW_CC
#define CD	UVF_CSS_CCW_CD
#define SLI	UVF_CSS_CCW_SLI
#define SKP	UVF_CSS_CCW_SKP
#define PCI	UVF_CSS_CCW_PCI
#define IDA	UVF_CSS_CCW_IDA
#define SUSP	UVF_CSS_CCW_S
#define PROGCHK	UVF_CSS_CS_PROG

static void assert_pattern(const uint8_t *p, unsigned from, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		assert_int_equal(p[i], td_pattern(from + i));
}

static void assert_zero(const uint8_t *p, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		assert_int_equal(p[i], 0);
}

static void command_chaining_runs_each_ccw(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	e->td->len = 16;
	put_ccw1(e, PROG, TD_READ, CC, 16, DATA);
	put_ccw1(e, PROG + 8, TD_NOOP, CC | SLI, 0, 0);
	put_ccw1(e, PROG + 16, TD_READ, 0, 16, DATA + 100);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, PROG + 24);
	assert_int_equal(e->td->nlog, 3);
	assert_pattern(e->mem + DATA, 0, 16);
	assert_pattern(e->mem + DATA + 100, 0, 16);
	env_free(e);
}

static void data_chaining_scatters_one_command(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	e->td->len = 30;
	put_ccw1(e, PROG, TD_READ, CD, 10, DATA);
	put_ccw1(e, PROG + 8, 0xFF /* ignored */, CD, 5, DATA + 200);
	put_ccw1(e, PROG + 16, 0x00, 0, 15, DATA + 400);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, PROG + 24);
	assert_count(&irb, 0);
	assert_int_equal(e->td->nlog, 1);	/* one command */
	assert_pattern(e->mem + DATA, 0, 10);
	assert_pattern(e->mem + DATA + 200, 10, 5);
	assert_pattern(e->mem + DATA + 400, 15, 15);

	/* Data chaining on a write gathers. */
	e->td->len = 8;
	memset(e->mem + DATA, 0x11, 4);
	memset(e->mem + DATA + 200, 0x22, 4);
	put_ccw1(e, PROG, TD_WRITE, CD, 4, DATA);
	put_ccw1(e, PROG + 8, 0, 0, 4, DATA + 200);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(e->td->wlen, 8);
	assert_int_equal(e->td->wbuf[3], 0x11);
	assert_int_equal(e->td->wbuf[4], 0x22);
	env_free(e);
}

static void data_chain_through_tic(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	e->td->len = 8;
	put_ccw1(e, PROG, TD_READ, CD, 4, DATA);
	put_ccw1(e, PROG + 8, UVF_CSS_CMD_TIC, 0, 0, PROG + 64);
	put_ccw1(e, PROG + 64, 0, 0, 4, DATA + 8);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, PROG + 72);
	assert_pattern(e->mem + DATA + 8, 4, 4);
	env_free(e);
}

static void status_modifier_skips_one_ccw(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	put_ccw1(e, PROG, TD_SM, CC | SLI, 0, 0);
	put_ccw1(e, PROG + 8, TD_UE, CC | SLI, 0, 0);	/* skipped */
	put_ccw1(e, PROG + 16, TD_NOOP, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, PROG + 24);
	assert_int_equal(e->td->nlog, 2);
	assert_int_equal(e->td->log[1], TD_NOOP);

	/* Without CC the status modifier is just reported. */
	put_ccw1(e, PROG, TD_SM, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE | UVF_CSS_DS_SM, 0);
	env_free(e);
}

static void skip_counts_but_stores_nothing(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	e->td->len = 32;
	put_ccw1(e, PROG, TD_READ, SKP, 32, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_count(&irb, 0);
	assert_zero(e->mem + DATA, 32);
	/* SKP may be switched within a data chain. */
	put_ccw1(e, PROG, TD_READ, CD | SKP, 16, DATA);
	put_ccw1(e, PROG + 8, 0, 0, 16, DATA + 16);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_zero(e->mem + DATA, 16);
	assert_pattern(e->mem + DATA + 16, 16, 16);
	env_free(e);
}

static void incorrect_length_rules(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	/* Device offers 64, CCW asks 100: residual 36, IL, alert. */
	put_ccw1(e, PROG, TD_READ, CC, 100, DATA);
	put_ccw1(e, PROG + 8, TD_NOOP, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_IL);
	assert_count(&irb, 36);
	assert_cpa(&irb, PROG + 8);		/* IL ended the chain */
	assert_int_equal(e->td->nlog, 1);

	/* SLI suppresses it and chaining continues. */
	put_ccw1(e, PROG, TD_READ, CC | SLI, 100, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, PROG + 16);

	/* Device wants more than the count: IL with residual 0. */
	put_ccw1(e, PROG, TD_READ, 0, 10, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_IL);
	assert_count(&irb, 0);
	assert_pattern(e->mem + DATA, 0, 10);

	/* SLI is ignored in a CCW with CD. */
	put_ccw1(e, PROG, TD_READ, CD | SLI, 100, DATA);
	put_ccw1(e, PROG + 8, 0, 0, 8, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_IL);
	assert_cpa(&irb, PROG + 8);

	/* Exact end of a CD CCW: the chained CCW's count is left over. */
	e->td->len = 16;
	put_ccw1(e, PROG, TD_READ, CD, 16, DATA);
	put_ccw1(e, PROG + 8, 0, 0, 8, DATA + 16);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_IL);
	assert_cpa(&irb, PROG + 16);
	assert_count(&irb, 8);

	/* An immediate command with a count and no SLI. */
	put_ccw1(e, PROG, TD_NOOP, 0, 4, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_IL);
	assert_count(&irb, 4);
	env_free(e);
}

static void unit_check_and_exception_end_chain(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	uint8_t sense[32];

	put_ccw1(e, PROG, TD_NOOP, CC | SLI, 0, 0);
	put_ccw1(e, PROG + 8, TD_UE, CC | SLI, 0, 0);
	put_ccw1(e, PROG + 16, TD_NOOP, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE | UVF_CSS_DS_UE, 0);
	assert_cpa(&irb, PROG + 16);
	assert_int_equal(e->td->nlog, 2);

	put_ccw1(e, PROG + 8, TD_REJECT, CC | SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE | UVF_CSS_DS_UC, 0);
	assert_cpa(&irb, PROG + 16);
	assert_false(uvf_css_scsw_flags(&irb.scsw) & UVF_CSS_SCSW_F_E);
	/* The sense stays at the device for a SENSE command. */
	put_ccw1(e, PROG, TD_SENSE, SLI, 32, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(e->mem[DATA], UVF_CSS_SNS0_CMD_REJECT);

	/* With CSENSE the channel delivers it in the ECW. */
	env_enable(e, true);
	put_ccw1(e, PROG, TD_REJECT, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE | UVF_CSS_DS_UC, 0);
	assert_true(uvf_css_scsw_flags(&irb.scsw) & UVF_CSS_SCSW_F_E);
	assert_int_equal(uvf_css_irb_erw(&irb),
			 UVF_CSS_ERW_CONS | 24u << UVF_CSS_ERW_SCNT_SHIFT);
	memcpy(sense, irb.ecw, sizeof(sense));
	assert_int_equal(sense[0], UVF_CSS_SNS0_CMD_REJECT);
	assert_int_equal(sense[24], 0);
	env_free(e);
}

static void pci_gives_intermediate_then_final(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	put_ccw1(e, PROG, TD_NOOP, CC | SLI, 0, 0);
	put_ccw1(e, PROG + 8, TD_NOOP, CC | SLI | PCI, 0, 0);
	put_ccw1(e, PROG + 16, TD_NOOP, SLI, 0, 0);
	/* Pause after the PCI CCW so the order is observable. */
	uvf_css_sch_pause_at(e->sch, 2);
	start(e, PROG, 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, UVF_CSS_FC_START | UVF_CSS_AC_SCH_ACTIVE |
		   UVF_CSS_AC_DEV_ACTIVE | UVF_CSS_SC_INTERMEDIATE |
		   UVF_CSS_SC_PENDING, 0, UVF_CSS_CS_PCI);
	assert_cpa(&irb, PROG + 16);
	assert_false(tag.final);
	assert_int_equal(tag.fn, UVF_CSS_FN_START);
	assert_false(uvf_css_scsw_is_final(&irb.scsw));
	uvf_css_sch_pause_at(e->sch, -1);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_true(tag.final);
	assert_int_equal(tag.seq, 1);
	env_free(e);
}

/* The PCI doorbell rings when the PCI CCW becomes current, not when the
 * command it is on ends: here that command waits for the test. */
static void pci_rings_while_its_command_runs(void **state)
{
	struct env *e = env_new_testdev();
	struct pollfd p = { .fd = e->efd, .events = POLLIN };
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;
	uint64_t one = 1;

	(void)state;
	put_ccw1(e, PROG, TD_GATED, SLI | PCI, 0, 0);
	start(e, PROG, 0);
	assert_int_equal(poll(&p, 1, 5000), 1);		/* rung with the command held */
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, UVF_CSS_FC_START | UVF_CSS_AC_SCH_ACTIVE |
		   UVF_CSS_AC_DEV_ACTIVE | UVF_CSS_SC_INTERMEDIATE |
		   UVF_CSS_SC_PENDING, 0, UVF_CSS_CS_PCI);
	assert_false(tag.final);
	assert_int_equal(write(e->td->gate_efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_true(tag.final);
	env_free(e);
}

static void final_status_waits_for_tsch_of_pci(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_schib schib;
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	put_ccw1(e, PROG, TD_NOOP, CC | SLI | PCI, 0, 0);
	put_ccw1(e, PROG + 8, TD_NOOP, SLI, 0, 0);
	start(e, PROG, 0);
	/* The program ends, but its final status is held: the subchannel
	 * stays intermediate-pending and active until TSCH. */
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_SC_MASK,
		UVF_CSS_SC_INTERMEDIATE | UVF_CSS_SC_PENDING, WAIT_MS), 0);
	assert_int_equal(wait_irb_ms(e, &irb, &tag, 0), 0);
	assert_true(uvf_css_scsw_is_intermediate_only(&irb.scsw));
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_true(tag.final);
	uvf_css_stsch(e->sch, &schib);
	assert_int_equal(uvf_css_scsw_ctrl(&schib.scsw), 0);
	env_free(e);
}

static void second_pci_is_owed_not_lost(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;
	unsigned i;

	/* Five PCIs while nobody fetches status: the first is presented,
	 * the others are owed to (and reported in) the final status. */
	for (i = 0; i < 5; i++)
		put_ccw1(e, PROG + 8 * i, TD_NOOP, CC | SLI | PCI, 0, 0);
	put_ccw1(e, PROG + 40, TD_NOOP, SLI, 0, 0);
	uvf_css_sch_pause_at(e->sch, 5);
	start(e, PROG, 0);
	assert_int_equal(uvf_css_sch_wait_paused(e->sch, WAIT_MS), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	assert_true(uvf_css_scsw_is_intermediate_only(&irb.scsw));
	assert_int_equal(irb.scsw.cstat, UVF_CSS_CS_PCI);
	assert_cpa(&irb, PROG + 8);
	uvf_css_sch_pause_at(e->sch, -1);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, UVF_CSS_CS_PCI);
	assert_true(tag.final);
	assert_int_equal(e->td->nlog, 6);
	env_free(e);
}

static void suspend_needs_orb_s_and_u_suppresses(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	put_ccw1(e, PROG, TD_NOOP, SLI | SUSP, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	assert_cpa(&irb, PROG + 8);

	/* S in a data-chained CCW is a program check even with ORB S. */
	put_ccw1(e, PROG, TD_READ, CD, 8, DATA);
	put_ccw1(e, PROG + 8, 0, SUSP, 8, DATA);
	run(e, PROG, UVF_CSS_ORB_S, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, PROGCHK);
	assert_cpa(&irb, PROG + 16);

	/* Suspend at the first CCW; halt ends the suspended program. */
	put_ccw1(e, PROG, TD_NOOP, SLI | SUSP, 0, 0);
	e->td->nlog = 0;
	start(e, PROG, UVF_CSS_ORB_S | UVF_CSS_ORB_U);
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_AC_SUSPENDED,
		UVF_CSS_AC_SUSPENDED, WAIT_MS), 0);
	assert_int_equal(uvf_css_hsch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	assert_int_equal(uvf_css_scsw_fc(&irb.scsw),
			 UVF_CSS_FC_START | UVF_CSS_FC_HALT);
	assert_true(uvf_css_scsw_is_final(&irb.scsw));
	assert_int_equal(irb.scsw.dstat, 0);	/* suspended: no DE */
	assert_cpa(&irb, PROG + 8);
	assert_int_equal(e->td->nlog, 0);
	env_free(e);
}

static void suspend_again_when_s_still_set(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	put_ccw1(e, PROG, TD_NOOP, SLI | SUSP, 0, 0);
	start(e, PROG, UVF_CSS_ORB_S);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	assert_true(uvf_css_scsw_is_intermediate_only(&irb.scsw));
	assert_int_equal(uvf_css_rsch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	assert_true(uvf_css_scsw_ac(&irb.scsw) & UVF_CSS_AC_SUSPENDED);
	e->mem[PROG + 1] = SLI;
	assert_int_equal(uvf_css_rsch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_true(tag.final);
	assert_int_equal(e->td->nlog, 1);
	env_free(e);
}

static void tic_rules(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	/* TIC as the first CCW, forward jump. */
	put_ccw1(e, PROG, UVF_CSS_CMD_TIC, 0, 0, PROG + 0x100);
	put_ccw1(e, PROG + 0x100, TD_NOOP, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, PROG + 0x108);

	/* TIC to TIC: program check, CPA = second TIC + 8. */
	put_ccw1(e, PROG, UVF_CSS_CMD_TIC, 0, 0, PROG + 0x100);
	put_ccw1(e, PROG + 0x100, UVF_CSS_CMD_TIC, 0, 0, PROG + 0x200);
	put_ccw1(e, PROG + 0x200, TD_NOOP, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	assert_cpa(&irb, PROG + 0x108);

	/* Target not doubleword aligned. */
	put_ccw1(e, PROG, UVF_CSS_CMD_TIC, 0, 0, PROG + 0x104);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	assert_cpa(&irb, PROG + 8);

	/* Format-1 TIC with flags or count, or with a high nibble. */
	put_ccw1(e, PROG, UVF_CSS_CMD_TIC, CC, 0, PROG + 0x100);
	put_ccw1(e, PROG + 0x100, TD_NOOP, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	put_ccw1(e, PROG, UVF_CSS_CMD_TIC, 0, 8, PROG + 0x100);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	put_ccw1(e, PROG, 0x18, 0, 0, PROG + 0x100);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	/* Format-1 TIC beyond 2^31 (address bit 0). */
	put_ccw1(e, PROG, UVF_CSS_CMD_TIC, 0, 0, 0x80000000u | (PROG + 0x100));
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	assert_cpa(&irb, PROG + 8);
	assert_int_equal(e->td->nlog, 1);

	/* TIC back to itself via a NOP: the data-less cap ends the loop. */
	put_ccw1(e, PROG, TD_NOOP, CC | SLI, 0, 0);
	put_ccw1(e, PROG + 8, UVF_CSS_CMD_TIC, 0, 0, PROG);
	run(e, PROG, 0, &irb);
	assert_ctrl(&irb, FINAL_ALERT);
	assert_int_equal(irb.scsw.cstat, PROGCHK);
	assert_true(e->td->nlog > 100 && e->td->nlog < 300);
	/* ... also a TIC to itself. */
	put_ccw1(e, PROG, UVF_CSS_CMD_TIC, 0, 0, PROG);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	env_free(e);
}

static void format0_ccws(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_orb orb;
	struct uvf_css_irb irb;

	e->td->len = 16;
	put_ccw0(e, PROG, TD_READ, CC, 16, DATA);
	/* A format-0 TIC ignores the high nibble, its flags and count. */
	put_ccw0(e, PROG + 8, 0x78, 0xFF, 0x1234, PROG + 0x100);
	put_ccw0(e, PROG + 0x100, TD_NOOP, SLI, 1, 0);
	make_orb(&orb, PROG, 0);
	uvf_css_put_be16(orb.ctl, 0);	/* F = 0 */
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, PROG + 0x108);
	assert_false(uvf_css_scsw_flags(&irb.scsw) & UVF_CSS_SCSW_F_F);
	assert_pattern(e->mem + DATA, 0, 16);

	/* Format-0 non-TIC with count 0. */
	put_ccw0(e, PROG, TD_NOOP, SLI, 0, 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);

	/* Data beyond 16 MiB. */
	put_ccw0(e, PROG, TD_READ, 0, 16, 0xFFFFF8);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);

	/* CPA beyond 16 MiB. */
	uvf_css_put_be32(orb.cpa, 0x01000000);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	assert_cpa(&irb, 0x01000008);
	env_free(e);
}

static void program_checks(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	/* Unaligned CPA is a deferred program check, not an exception. */
	put_ccw1(e, PROG, TD_NOOP, SLI, 0, 0);
	run(e, PROG + 4, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	assert_cpa(&irb, PROG + 12);

	/* Command code with low nibble 0. */
	put_ccw1(e, PROG, 0x40, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);

	/* MIDA flag. */
	put_ccw1(e, PROG, TD_NOOP, SLI | UVF_CSS_CCW_MIDA, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);

	/* Format-1 count 0 data-chained-to. */
	put_ccw1(e, PROG, TD_READ, CD, 8, DATA);
	put_ccw1(e, PROG + 8, 0, 0, 0, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, PROGCHK);
	assert_cpa(&irb, PROG + 16);
	assert_pattern(e->mem + DATA, 0, 8);	/* first part moved */

	/* Data address + count beyond 2^31, and address bit 0. */
	put_ccw1(e, PROG, TD_READ, 0, 64, 0x7FFFFFF0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	put_ccw1(e, PROG, TD_READ, 0, 64, 0x80001000);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);

	/* Count 0 format-1 read (no data chaining) is fine. */
	put_ccw1(e, PROG, TD_READ, SLI, 0, 0x7FFFFFFF);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);

	/* CCW fetch from unmapped storage. */
	run(e, 0x00800000, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	assert_cpa(&irb, 0x00800008);
	assert_int_equal(e->td->nlog, 2);
	env_free(e);
}

static void storage_outside_map_and_protection(void **state)
{
	struct env *e = env_new_testdev();
	static uint8_t ro[4096];
	struct uvf_css_irb irb;

	assert_int_equal(uvf_css_mem_map(e->css, 0x01000000, ro, sizeof(ro),
					 UVF_CSS_PROT_READ), 0);
	/* Read into unmapped storage: program check, nothing moves. */
	put_ccw1(e, PROG, TD_READ, 0, 64, 0x00900000);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, PROGCHK);
	assert_count(&irb, 64);
	/* Read into a fetch-only range: protection check. */
	put_ccw1(e, PROG, TD_READ, 0, 64, 0x01000000);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_PROT);
	assert_zero(ro, 64);
	/* Crossing the end of storage mid-transfer. */
	put_ccw1(e, PROG, TD_READ, 0, 64, STORAGE_LEN - 32);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, PROGCHK);
	/* A write from the fetch-only range is fine. */
	ro[0] = 0x5A;
	e->td->len = 16;
	put_ccw1(e, PROG, TD_WRITE, 0, 16, 0x01000000);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(e->td->wbuf[0], 0x5A);
	env_free(e);
}

static void read_backward_stores_descending(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	unsigned i;

	e->td->len = 8;
	put_ccw1(e, PROG, TD_READ_BACK, 0, 8, DATA + 7);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(e->mem[DATA + 7 - i], td_pattern(i));
	/* Below address 0: program check. */
	put_ccw1(e, PROG, TD_READ_BACK, 0, 8, 3);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);
	env_free(e);
}

static void initial_status_interruption(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	put_ccw1(e, PROG, TD_NOOP, SLI, 0, 0);
	start(e, PROG, UVF_CSS_ORB_I);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	assert_true(uvf_css_scsw_is_intermediate_only(&irb.scsw));
	assert_true(uvf_css_scsw_flags(&irb.scsw) & UVF_CSS_SCSW_F_Z);
	assert_false(tag.final);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_false(uvf_css_scsw_flags(&irb.scsw) & UVF_CSS_SCSW_F_Z);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(command_chaining_runs_each_ccw),
		cmocka_unit_test(data_chaining_scatters_one_command),
		cmocka_unit_test(data_chain_through_tic),
		cmocka_unit_test(status_modifier_skips_one_ccw),
		cmocka_unit_test(skip_counts_but_stores_nothing),
		cmocka_unit_test(incorrect_length_rules),
		cmocka_unit_test(unit_check_and_exception_end_chain),
		cmocka_unit_test(pci_gives_intermediate_then_final),
		cmocka_unit_test(pci_rings_while_its_command_runs),
		cmocka_unit_test(final_status_waits_for_tsch_of_pci),
		cmocka_unit_test(second_pci_is_owed_not_lost),
		cmocka_unit_test(suspend_needs_orb_s_and_u_suppresses),
		cmocka_unit_test(suspend_again_when_s_still_set),
		cmocka_unit_test(tic_rules),
		cmocka_unit_test(format0_ccws),
		cmocka_unit_test(program_checks),
		cmocka_unit_test(storage_outside_map_and_protection),
		cmocka_unit_test(read_backward_stores_descending),
		cmocka_unit_test(initial_status_interruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
