/* SPDX-License-Identifier: MIT */
/*
 * tests/css/test-idaw.c - indirect data addressing (channel-io.md §1.6):
 * format-1 (2K, 31-bit), format-2 (4K, 64-bit) and format-2 with 2K blocks,
 * the block-boundary rules, IDAL alignment, read backward.
 */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>

#define PROG	0x1000u
#define IDAL	0x5000u
#define HIGH	0x100000000ull		/* above 4 GiB */

#define IDA	UVF_CSS_CCW_IDA
#define PROGCHK	UVF_CSS_CS_PROG

static void assert_pattern(const uint8_t *p, unsigned from, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (p[i] != td_pattern(from + i))
			fail_msg("byte %u: %#x != %#x", i, p[i],
				 td_pattern(from + i));
}

static void format1_idaws_cross_2k_blocks(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	e->td->len = 5000;
	put_idaw1(e, IDAL, 0x20000 + 100);
	put_idaw1(e, IDAL + 4, 0x30000);
	put_idaw1(e, IDAL + 8, 0x40800);
	put_ccw1(e, PROG, TD_READ, IDA, 5000, IDAL);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_pattern(e->mem + 0x20000 + 100, 0, 1948);
	assert_int_equal(e->mem[0x20000 + 2048], 0);
	assert_pattern(e->mem + 0x30000, 1948, 2048);
	assert_pattern(e->mem + 0x40800, 3996, 1004);
	assert_int_equal(e->mem[0x40800 + 1004], 0);

	/* The same through a format-0 CCW. */
	memset(e->mem + 0x20000, 0, 0x30000);
	put_ccw0(e, PROG, TD_READ, IDA, 5000, IDAL);
	{
		struct uvf_css_orb orb;

		make_orb(&orb, PROG, 0);
		uvf_css_put_be16(orb.ctl, 0);
		assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
		assert_int_equal(wait_irb(e, &irb, NULL), 0);
	}
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_pattern(e->mem + 0x40800, 3996, 1004);
	env_free(e);
}

static void format1_boundary_and_address_checks(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	e->td->len = 3000;
	/* Second IDAW not on a 2K boundary. */
	put_idaw1(e, IDAL, 0x20000);
	put_idaw1(e, IDAL + 4, 0x30010);
	put_ccw1(e, PROG, TD_READ, IDA, 3000, IDAL);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, PROGCHK);
	assert_pattern(e->mem + 0x20000, 0, 2048);	/* first block moved */
	assert_int_equal(e->mem[0x30010], 0);
	assert_count(&irb, 3000 - 2048);

	/* 31-bit IDAW with bit 0 set. */
	put_idaw1(e, IDAL, 0x80020000);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, PROGCHK);

	/* IDAL not word aligned. */
	put_ccw1(e, PROG, TD_READ, IDA, 3000, IDAL + 2);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);

	/* IDAW pointing outside storage. */
	put_idaw1(e, IDAL, 0x7FFFF000);
	put_ccw1(e, PROG, TD_READ, IDA, 3000, IDAL);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, PROGCHK);

	/* IDA with count 0: no IDAW is fetched, the IDAL may be anywhere. */
	put_ccw1(e, PROG, TD_READ, IDA | UVF_CSS_CCW_SLI, 0, 0x700000);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	env_free(e);
}

static void format2_idaws_above_4g(void **state)
{
	struct env *e = env_new_testdev();
	uint8_t *high = calloc(1, 16384);
	struct uvf_css_irb irb;

	assert_non_null(high);
	assert_int_equal(uvf_css_mem_map(e->css, HIGH, high, 16384,
					 UVF_CSS_PROT_READ | UVF_CSS_PROT_WRITE),
			 0);
	e->td->len = 5000;
	put_idaw2(e, IDAL, HIGH + 4000);
	put_idaw2(e, IDAL + 8, HIGH + 8192);
	put_idaw2(e, IDAL + 16, HIGH + 4096);
	put_ccw1(e, PROG, TD_READ, IDA, 5000, IDAL);
	run(e, PROG, UVF_CSS_ORB_H, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_pattern(high + 4000, 0, 96);
	assert_pattern(high + 8192, 96, 4096);
	assert_pattern(high + 4096, 4192, 808);

	/* A following IDAW on a 2K but not 4K boundary. */
	put_idaw2(e, IDAL + 8, HIGH + 2048);
	run(e, PROG, UVF_CSS_ORB_H, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, PROGCHK);
	/* ... which 2K format-2 IDAWs accept (T). */
	memset(high, 0, 16384);
	put_idaw2(e, IDAL, HIGH + 2000);
	put_idaw2(e, IDAL + 8, HIGH + 4096 + 2048);
	put_idaw2(e, IDAL + 16, HIGH + 2048);
	put_idaw2(e, IDAL + 24, HIGH + 8192);
	run(e, PROG, UVF_CSS_ORB_H | UVF_CSS_ORB_T, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_pattern(high + 2000, 0, 48);
	assert_pattern(high + 6144, 48, 2048);
	assert_pattern(high + 2048, 2096, 2048);
	assert_pattern(high + 8192, 4144, 856);

	/* IDAL not doubleword aligned. */
	put_ccw1(e, PROG, TD_READ, IDA, 5000, IDAL + 4);
	run(e, PROG, UVF_CSS_ORB_H, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, PROGCHK);

	assert_int_equal(uvf_css_mem_unmap(e->css, HIGH, 16384), 1);
	free(high);
	env_free(e);
}

static void idaw_write_gathers(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	e->td->len = 2100;
	memset(e->mem + 0x20000 + 2000, 0x11, 48);
	memset(e->mem + 0x30000, 0x22, 2048);
	memset(e->mem + 0x40000, 0x33, 4);
	put_idaw1(e, IDAL, 0x20000 + 2000);
	put_idaw1(e, IDAL + 4, 0x30000);
	put_idaw1(e, IDAL + 8, 0x40000);
	put_ccw1(e, PROG, TD_WRITE, IDA, 2100, IDAL);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(e->td->wlen, 2100);
	assert_int_equal(e->td->wbuf[47], 0x11);
	assert_int_equal(e->td->wbuf[48], 0x22);
	assert_int_equal(e->td->wbuf[2095], 0x22);
	assert_int_equal(e->td->wbuf[2096], 0x33);
	assert_int_equal(e->td->wbuf[2099], 0x33);
	env_free(e);
}

static void read_backward_idaws(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	unsigned i;

	e->td->len = 300;
	/* First IDAW anywhere (100 bytes down to the block start), the next
	 * one must point at the last byte of a block. */
	put_idaw1(e, IDAL, 0x20000 + 99);
	put_idaw1(e, IDAL + 4, 0x30000 + 2047);
	put_ccw1(e, PROG, TD_READ_BACK, IDA, 300, IDAL);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(e->mem[0x20000 + 99 - i], td_pattern(i));
	for (i = 0; i < 200; i++)
		assert_int_equal(e->mem[0x30000 + 2047 - i],
				 td_pattern(100 + i));

	put_idaw1(e, IDAL + 4, 0x30000);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, PROGCHK);
	env_free(e);
}

static void data_chain_with_idaws(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;

	e->td->len = 3000;
	put_idaw1(e, IDAL, 0x20000);
	put_idaw1(e, IDAL + 0x10, 0x30000 + 1000);
	put_idaw1(e, IDAL + 0x14, 0x30800);
	put_ccw1(e, PROG, TD_READ, IDA | UVF_CSS_CCW_CD, 1000, IDAL);
	put_ccw1(e, PROG + 8, 0, IDA, 2000, IDAL + 0x10);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_pattern(e->mem + 0x20000, 0, 1000);
	assert_pattern(e->mem + 0x30000 + 1000, 1000, 1048);
	assert_pattern(e->mem + 0x30800, 2048, 952);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format1_idaws_cross_2k_blocks),
		cmocka_unit_test(format1_boundary_and_address_checks),
		cmocka_unit_test(format2_idaws_above_4g),
		cmocka_unit_test(idaw_write_gathers),
		cmocka_unit_test(read_backward_idaws),
		cmocka_unit_test(data_chain_with_idaws),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
