/* SPDX-License-Identifier: MIT */
/*
 * tests/css/test-fault.c - one test per fault-injection knob: device gone
 * and back, channel path lost and restored, unsolicited status, CRW queue
 * overflow and doorbell, delays, failing the Nth backend I/O of the disk.
 */
#include "helpers.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define PROG	0x1000u
#define DATA	0x10000u

static uint32_t next_crw(struct env *e)
{
	uint32_t crw;

	assert_int_equal(uvf_css_stcrw(e->css, &crw), 0);
	return crw;
}

static void nop_program(struct env *e)
{
	put_ccw1(e, PROG, TD_NOOP, UVF_CSS_CCW_SLI, 0, 0);
}

static void device_gone_and_back(void **state)
{
	struct env *e = env_new_testdev();
	int crw_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct uvf_css_schib schib;
	struct uvf_css_orb orb;
	struct uvf_css_irb irb;
	uint32_t crw;

	assert_int_equal(uvf_css_set_crw_doorbell(e->css, crw_fd), 0);
	/* Status pending when the device goes: lost with it. */
	nop_program(e);
	start(e, PROG, 0);
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_SC_PENDING,
		UVF_CSS_SC_PENDING, WAIT_MS), 0);
	assert_int_equal(uvf_css_fault_device_gone(e->sch), 0);
	assert_int_equal(uvf_css_fault_device_gone(e->sch), -EALREADY);
	make_orb(&orb, PROG, 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 3);
	assert_int_equal(uvf_css_hsch(e->sch), 3);
	assert_int_equal(uvf_css_csch(e->sch), 3);
	assert_int_equal(uvf_css_xsch(e->sch), 3);
	assert_int_equal(uvf_css_rsch(e->sch), 3);
	assert_int_equal(uvf_css_tsch(e->sch, &irb), 3);
	assert_int_equal(uvf_css_stsch(e->sch, &schib), 0);
	assert_false(uvf_css_get_be16(schib.pmcw.flags) & UVF_CSS_PMCW_DNV);
	assert_int_equal(schib.pmcw.pom, 0);
	assert_int_equal(schib.pmcw.pnom, 0xC0);
	assert_int_equal(uvf_css_scsw_ctrl(&schib.scsw), 0);
	/* MSCH without a device: cc 0, no effect. */
	uvf_css_put_be16(schib.pmcw.flags, UVF_CSS_PMCW_ENA);
	assert_int_equal(uvf_css_msch(e->sch, &schib), 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 3);

	assert_int_equal(drain(crw_fd), 1);
	crw = next_crw(e);
	assert_int_equal(uvf_css_crw_rsc(crw), UVF_CSS_RSC_SCH);
	assert_int_equal(uvf_css_crw_erc(crw), UVF_CSS_ERC_IPI);
	assert_int_equal(crw & UVF_CSS_CRW_RSID_MASK, 0);
	assert_false(crw & UVF_CSS_CRW_C);
	assert_int_equal(uvf_css_stcrw(e->css, &crw), 1);

	assert_int_equal(uvf_css_fault_device_back(e->sch), 0);
	assert_int_equal(uvf_css_fault_device_back(e->sch), -EALREADY);
	assert_int_equal(uvf_css_crw_rsc(next_crw(e)), UVF_CSS_RSC_SCH);
	/* Back disabled; enabled it works. */
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 3);
	env_enable(e, false);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(uvf_css_set_crw_doorbell(e->css, -1), 0);
	close(crw_fd);
	env_free(e);
}

static void device_gone_stops_running_program(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	unsigned i;

	e->td->len = 16;
	for (i = 0; i < 8; i++)
		put_ccw1(e, PROG + 8 * i, TD_READ, i < 7 ? UVF_CSS_CCW_CC : 0,
			 16, DATA + 32 * i);
	uvf_css_sch_pause_at(e->sch, 3);
	start(e, PROG, 0);
	assert_int_equal(uvf_css_sch_wait_paused(e->sch, WAIT_MS), 0);
	assert_int_equal(uvf_css_fault_device_gone(e->sch), 0);
	/* The worker has let go: storage may disappear at once. */
	assert_int_equal(uvf_css_mem_unmap(e->css, 0, STORAGE_LEN), 1);
	memset(e->mem, 0, STORAGE_LEN);
	uvf_css_sch_pause_at(e->sch, -1);
	assert_int_equal(uvf_css_tsch(e->sch, &irb), 3);
	assert_int_equal(e->td->nlog, 3);

	/* Same with a device that hangs. */
	assert_int_equal(uvf_css_mem_map(e->css, 0, e->mem, STORAGE_LEN,
		UVF_CSS_PROT_READ | UVF_CSS_PROT_WRITE), 0);
	assert_int_equal(uvf_css_fault_device_back(e->sch), 0);
	env_enable(e, false);
	uvf_css_fault_hang(e->sch, true);
	put_ccw1(e, PROG, TD_NOOP, UVF_CSS_CCW_SLI, 0, 0);
	start(e, PROG, 0);
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_AC_SCH_ACTIVE,
		UVF_CSS_AC_SCH_ACTIVE, WAIT_MS), 0);
	assert_int_equal(uvf_css_fault_device_gone(e->sch), 0);
	env_free(e);
}

static void path_lost_and_restored(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_schib schib;
	struct uvf_css_orb orb;
	struct uvf_css_irb irb;
	uint32_t crw;

	nop_program(e);
	assert_int_equal(uvf_css_fault_path(e->css, 0x10, false), 0);
	crw = next_crw(e);
	assert_int_equal(uvf_css_crw_rsc(crw), UVF_CSS_RSC_CHP);
	assert_int_equal(uvf_css_crw_erc(crw), UVF_CSS_ERC_PERRN);
	assert_int_equal(crw & UVF_CSS_CRW_RSID_MASK, 0x10);
	uvf_css_stsch(e->sch, &schib);
	assert_int_equal(schib.pmcw.pam, 0x40);

	/* Only the lost path allowed: deferred cc 3. */
	make_orb(&orb, PROG, 0);
	orb.lpm = 0x80;
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	assert_int_equal(uvf_css_scsw_cc(&irb.scsw), 3);
	assert_int_equal(uvf_css_scsw_sc(&irb.scsw),
			 UVF_CSS_SC_ALERT | UVF_CSS_SC_PENDING);
	uvf_css_stsch(e->sch, &schib);
	assert_int_equal(schib.pmcw.pnom, 0x80);

	/* The other path still works and is the one used. */
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(irb.esw[1], 0x40);

	/* Both gone, then both back. */
	assert_int_equal(uvf_css_fault_path(e->css, 0x11, false), 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	assert_int_equal(uvf_css_scsw_cc(&irb.scsw), 3);
	assert_int_equal(uvf_css_fault_path(e->css, 0x10, true), 0);
	assert_int_equal(uvf_css_fault_path(e->css, 0x11, true), 0);
	next_crw(e);
	crw = next_crw(e);
	assert_int_equal(uvf_css_crw_erc(crw), UVF_CSS_ERC_INIT);
	assert_int_equal(crw & UVF_CSS_CRW_RSID_MASK, 0x10);
	assert_int_equal(uvf_css_crw_erc(next_crw(e)), UVF_CSS_ERC_INIT);
	assert_int_equal(uvf_css_stcrw(e->css, &crw), 1);
	uvf_css_stsch(e->sch, &schib);
	assert_int_equal(schib.pmcw.pam, 0xC0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(irb.esw[1], 0x80);
	env_free(e);
}

static void unsolicited_status(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_orb orb;
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	assert_int_equal(uvf_css_fault_unsolicited(e->sch, 0), -EINVAL);
	assert_int_equal(uvf_css_fault_unsolicited(e->sch, UVF_CSS_DS_ATTN), 0);
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_SC_PENDING,
		UVF_CSS_SC_PENDING, WAIT_MS), 0);
	make_orb(&orb, PROG, 0);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 1);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	check_scsw(&irb, UVF_CSS_SC_ALERT | UVF_CSS_SC_PENDING,
		   UVF_CSS_DS_ATTN, 0);
	assert_false(uvf_css_scsw_is_solicited(&irb.scsw));
	assert_int_equal(tag.fn, UVF_CSS_FN_NONE);
	assert_int_equal(tag.seq, 0);
	assert_false(tag.final);

	/* Held while a start runs; the start's status comes first. */
	nop_program(e);
	uvf_css_sch_pause_at(e->sch, 0);
	start(e, PROG, 0);
	assert_int_equal(uvf_css_sch_wait_paused(e->sch, WAIT_MS), 0);
	uvf_css_fault_unsolicited(e->sch, UVF_CSS_DS_DE);
	uvf_css_sch_pause_at(e->sch, -1);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	assert_int_equal(tag.fn, UVF_CSS_FN_START);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	assert_int_equal(tag.fn, UVF_CSS_FN_NONE);
	assert_int_equal(irb.scsw.dstat, UVF_CSS_DS_DE);

	/* Held while disabled. */
	{
		struct uvf_css_schib schib;

		uvf_css_stsch(e->sch, &schib);
		uvf_css_put_be16(schib.pmcw.flags, UVF_CSS_PMCW_DNV);
		assert_int_equal(uvf_css_msch(e->sch, &schib), 0);
	}
	uvf_css_fault_unsolicited(e->sch, UVF_CSS_DS_ATTN);
	assert_int_equal(wait_irb_ms(e, &irb, NULL, 30), -ETIMEDOUT);
	env_enable(e, false);
	assert_int_equal(wait_irb(e, &irb, &tag), 0);
	assert_int_equal(irb.scsw.dstat, UVF_CSS_DS_ATTN);
	env_free(e);
}

static void crw_overflow_sets_r(void **state)
{
	struct env *e = env_new_testdev();
	int crw_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint32_t crw;
	unsigned i;

	for (i = 0; i < UVF_CSS_CRW_QUEUE_LEN + 3; i++)
		uvf_css_queue_crw(e->css, (uint32_t)UVF_CSS_RSC_CHP <<
				  UVF_CSS_CRW_RSC_SHIFT | i);
	/* A doorbell set while CRWs are queued rings at once. */
	assert_int_equal(uvf_css_set_crw_doorbell(e->css, crw_fd), 0);
	assert_int_equal(drain(crw_fd), 1);
	crw = next_crw(e);
	assert_int_equal(crw & UVF_CSS_CRW_RSID_MASK, 0);
	assert_false(crw & UVF_CSS_CRW_R);
	uvf_css_queue_crw(e->css, 0x12340000u);
	assert_int_equal(drain(crw_fd), 1);
	for (i = 1; i < UVF_CSS_CRW_QUEUE_LEN; i++) {
		crw = next_crw(e);
		assert_int_equal(crw & UVF_CSS_CRW_RSID_MASK, i);
		assert_false(crw & UVF_CSS_CRW_R);
	}
	/* The first CRW after the loss carries R. */
	crw = next_crw(e);
	assert_true(crw & UVF_CSS_CRW_R);
	assert_int_equal(crw & ~UVF_CSS_CRW_R, 0x12340000);
	assert_int_equal(uvf_css_stcrw(e->css, &crw), 1);
	uvf_css_set_crw_doorbell(e->css, -1);
	close(crw_fd);
	env_free(e);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void delay_knob_and_halt_cut_it_short(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	struct timespec t0;

	put_ccw1(e, PROG, TD_NOOP, UVF_CSS_CCW_SLI | UVF_CSS_CCW_CC, 0, 0);
	put_ccw1(e, PROG + 8, TD_NOOP, UVF_CSS_CCW_SLI | UVF_CSS_CCW_CC, 0, 0);
	put_ccw1(e, PROG + 16, TD_NOOP, UVF_CSS_CCW_SLI, 0, 0);
	uvf_css_sch_set_delay(e->sch, 20000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_true(elapsed_ms(&t0) >= 60);

	uvf_css_sch_set_delay(e->sch, 10 * 1000 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	start(e, PROG, 0);
	assert_int_equal(uvf_css_sch_wait_ctrl(e->sch, UVF_CSS_AC_SCH_ACTIVE,
		UVF_CSS_AC_SCH_ACTIVE, WAIT_MS), 0);
	assert_int_equal(uvf_css_hsch(e->sch), 0);
	assert_int_equal(wait_irb(e, &irb, NULL), 0);
	assert_int_equal(uvf_css_scsw_fc(&irb.scsw),
			 UVF_CSS_FC_START | UVF_CSS_FC_HALT);
	assert_true(elapsed_ms(&t0) < 2000);
	assert_int_equal(e->td->nlog, 3);
	/* Pausing at an index never reached times out. */
	uvf_css_sch_set_delay(e->sch, 0);
	assert_int_equal(uvf_css_sch_wait_paused(e->sch, 10), -ETIMEDOUT);
	assert_int_equal(uvf_css_sch_pause_at(e->sch, -2), -EINVAL);
	env_free(e);
}

/* SQLite-style fault loop: fail the 1st, 2nd, ... backend I/O of a write
 * until it completes; every failure is a unit check with data check, the
 * disk keeps answering, and the final data is right. */
static void fail_nth_backend_io(void **state)
{
	struct env *e = env_new_fba(64, 512, false);
	struct uvf_css_irb irb;
	unsigned n, i, failures = 0;
	unsigned long before;

	env_enable(e, true);	/* sense in the ECW */
	for (i = 0; i < 2048; i++)
		e->mem[DATA + i] = (uint8_t)(i * 13 + 1);
	fba_rw_program(e, PROG, true, 10, 4, DATA, 512);
	for (n = 1; n < 100; n++) {
		uvf_css_fba_fail_io(e->fba, n, false);
		run(e, PROG, 0, &irb);
		if (irb.scsw.dstat == CE_DE)
			break;
		failures++;
		check_scsw(&irb, FINAL_ALERT, CE_DE | UVF_CSS_DS_UC, 0);
		assert_cpa(&irb, PROG + 24);
		assert_int_equal(irb.ecw[0], UVF_CSS_SNS0_DATA_CHK);
		assert_int_equal(irb.ecw[1], 0);
	}
	assert_true(failures >= 2);	/* at least the write and the flush */
	uvf_css_fba_fail_io(e->fba, 0, false);

	/* Persistent: every I/O fails until the knob is reset. */
	uvf_css_fba_fail_io(e->fba, 1, true);
	fba_rw_program(e, PROG, false, 10, 4, DATA + 4096, 512);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE | UVF_CSS_DS_UC, 0);
	assert_int_equal(irb.ecw[0], UVF_CSS_SNS0_DATA_CHK);
	assert_int_equal(irb.ecw[1], UVF_CSS_SNS1_PERM_ERR);
	run(e, PROG, 0, &irb);
	assert_int_equal(irb.ecw[1], UVF_CSS_SNS1_PERM_ERR);
	uvf_css_fba_fail_io(e->fba, 0, false);

	before = uvf_css_fba_io_count(e->fba);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_true(uvf_css_fba_io_count(e->fba) > before);
	assert_memory_equal(e->mem + DATA + 4096, e->mem + DATA, 2048);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_gone_and_back),
		cmocka_unit_test(device_gone_stops_running_program),
		cmocka_unit_test(path_lost_and_restored),
		cmocka_unit_test(unsolicited_status),
		cmocka_unit_test(crw_overflow_sets_r),
		cmocka_unit_test(delay_knob_and_halt_cut_it_short),
		cmocka_unit_test(fail_nth_backend_io),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
