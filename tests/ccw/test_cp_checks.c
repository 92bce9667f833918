/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_cp_checks.c - every architected check of channel-io.md
 * §1.5/§1.6, and the chaining rules around them, look to the guest the same
 * through the translator as on a mainframe (differential: native css vs
 * translated program).  Each test also pins the native outcome, so it is
 * known to exercise the rule it is named for.
 */
#include "test_cp_common.h"

/* ---- plain programs ------------------------------------------------------ */

static void test_read_write_direct(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, RD, CC, 64, DATA + 5);
	cph_ccw1(h, PROG + 8, WR, CC, 64, DATA + 0x800);
	cph_ccw1(h, PROG + 16, NOP, 0, 0, 0);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 24);
	/* The data really moved: the read's pattern is in guest memory. */
	assert_int_not_equal(cph_ref(h, DATA + 5, 1)[0], 0x11 + 5 * 11);
}

static void test_read_high_map(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* Direct addresses are 31-bit: above 4 GiB only through IDAWs. */
	set_len(h, RD, 5000);
	cph_ccw1(h, PROG, RD, IDA, 5000, IDAL);
	cph_idaw2(h, IDAL, HIGH + 0x123);
	cph_idaw2(h, IDAL + 8, HIGH + 0x1000);
	orb1(orb, PROG, H);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 8);
}

static void test_ida_fmt2_4k(void **state)
{
	struct cph_run r;
	uint8_t orb[12];
	uint16_t n = (0x1000 - 0x100) + 0x1000 + 100;

	(void)state;
	set_len(h, RD, n);
	set_len(h, WR, n);
	cph_ccw1(h, PROG, RD, IDA | CC, n, IDAL);
	cph_idaw2(h, IDAL, DATA + 0x100);
	cph_idaw2(h, IDAL + 8, HIGH + 0x3000);
	cph_idaw2(h, IDAL + 16, DATA + 0x5000);
	cph_ccw1(h, PROG + 8, WR, IDA, n, IDAL + 0x100);
	cph_idaw2(h, IDAL + 0x100, DATA + 0x7FF0);
	cph_idaw2(h, IDAL + 0x108, DATA + 0x8000);
	cph_idaw2(h, IDAL + 0x110, DATA + 0xA000);
	orb1(orb, PROG, H);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 16);
}

static void test_ida_fmt2_2k(void **state)
{
	struct cph_run r;
	uint8_t orb[12];
	uint16_t n = (0x800 - 0x10) + 0x800 + 0x800 + 1;

	(void)state;
	set_len(h, RD, n);
	cph_ccw1(h, PROG, RD, IDA, n, IDAL);
	cph_idaw2(h, IDAL, DATA + 0x10);
	cph_idaw2(h, IDAL + 8, DATA + 0x2800);	/* 2K, not 4K aligned */
	cph_idaw2(h, IDAL + 16, HIGH + 0x800);
	cph_idaw2(h, IDAL + 24, DATA + 0x9000);
	orb1(orb, PROG, H | T);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 8);
}

static void test_ida_fmt1(void **state)
{
	struct cph_run r;
	uint8_t orb[12];
	uint16_t n = (0x800 - 0x4) + 0x800 + 7;

	(void)state;
	set_len(h, WR, n);
	cph_ccw1(h, PROG, WR, IDA, n, IDAL + 4);	/* word aligned */
	cph_idaw1(h, IDAL + 4, DATA + 0x1004);
	cph_idaw1(h, IDAL + 8, DATA + 0x3800);
	cph_idaw1(h, IDAL + 12, DATA + 0x800);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 8);
}

/* ---- TIC ----------------------------------------------------------------- */

static void test_tic_to_tic(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, NOP, CC, 0, 0);
	cph_ccw1(h, PROG + 8, TIC, 0, 0, PROG + 0x40);
	cph_ccw1(h, PROG + 0x40, TIC, 0, 0, PROG + 0x80);
	cph_ccw1(h, PROG + 0x80, RD, 0, 64, DATA);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 0x48, 0);
}

static void test_tic_self(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, TIC, 0, 0, PROG);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 8, 0);
}

static void test_tic_first_and_back(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* A TIC as the first CCW, a jump backwards into the first segment,
	 * and a second segment reached twice. */
	cph_ccw1(h, PROG2, TIC, 0, 0, PROG);
	cph_ccw1(h, PROG, RD, CC, 64, DATA);
	cph_ccw1(h, PROG + 8, TIC, 0, 0, PROG + 0x100);
	cph_ccw1(h, PROG + 0x100, WR, CC, 64, DATA + 0x100);
	cph_ccw1(h, PROG + 0x108, TIC, 0, 0, PROG + 0x200);
	cph_ccw1(h, PROG + 0x200, SNS, 0, 24, DATA + 0x200);
	orb1(orb, PROG2, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 0x208);
}

static void test_tic_misaligned(void **state)
{
	struct cph_run r;
	uint8_t orb[12];
	unsigned off;

	(void)state;
	for (off = 1; off < 8; off++) {
		cph_ccw1(h, PROG, NOP, CC, 0, 0);
		cph_ccw1(h, PROG + 8, TIC, 0, 0, PROG + 0x40 + off);
		orb1(orb, PROG, 0);
		diff_ok(h, orb, 0, &r);
		expect_prog(&r, PROG + 16, 0);
	}
}

static void test_tic_fmt1_flags_count_code(void **state)
{
	static const struct { uint8_t cmd, flags; uint16_t count; } bad[] = {
		{ TIC, CC, 0 }, { TIC, 0x01, 0 }, { TIC, 0, 8 },
		{ 0x18, 0, 0 }, { 0xF8, 0, 0 },
	};
	struct cph_run r;
	uint8_t orb[12];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cph_ccw1(h, PROG, RD, CC, 64, DATA);
		cph_ccw1(h, PROG + 8, bad[i].cmd, bad[i].flags, bad[i].count,
			 PROG + 0x40);
		cph_ccw1(h, PROG + 0x40, WR, 0, 64, DATA);
		orb1(orb, PROG, 0);
		diff_ok(h, orb, 0, &r);
		expect_prog(&r, PROG + 16, 0);
	}
}

static void test_tic_target_unmapped(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, TIC, 0, 0, NOWHERE_G);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, NOWHERE_G + 8, 0);
}

static void test_tic_loop_dataless(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* The channel's limit on CCWs without data catches the loop. */
	cph_ccw1(h, PROG, NOP, CC, 0, 0);
	cph_ccw1(h, PROG + 8, TIC, 0, 0, PROG);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	assert_int_equal(last_irb(&r)->scsw.cstat, CS_PROG);
}

static void test_tic_loop_data(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* Moving data, it loops until the device gives up (4096
	 * commands, then unit exception). */
	cph_ccw1(h, PROG, RD, CC, 64, DATA);
	cph_ccw1(h, PROG + 8, WR, CC, 64, DATA + 0x40);
	cph_ccw1(h, PROG + 16, TIC, 0, 0, PROG);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	assert_int_equal(last_irb(&r)->scsw.dstat, CE_DE | UVF_CSS_DS_UE);
}

/* ---- CCW fetch checks ---------------------------------------------------- */

static void test_invalid_command(void **state)
{
	static const uint8_t codes[] = { 0x00, 0x10, 0x70, 0xF0 };
	struct cph_run r;
	uint8_t orb[12];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(codes); i++) {
		cph_ccw1(h, PROG, RD, CC, 64, DATA);
		cph_ccw1(h, PROG + 8, codes[i], 0, 64, DATA);
		orb1(orb, PROG, 0);
		diff_ok(h, orb, 0, &r);
		expect_prog(&r, PROG + 16, 0);
		/* As the first CCW. */
		orb1(orb, PROG + 8, 0);
		diff_ok(h, orb, 0, &r);
		expect_prog(&r, PROG + 16, 0);
	}
}

static void test_invalid_command_data_chained(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* In a data chain the command code is ignored: 0x00 is fine. */
	cph_ccw1(h, PROG, RD, CD, 32, DATA);
	cph_ccw1(h, PROG + 8, 0x00, 0, 32, DATA + 0x100);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 16);
}

static void test_mida(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, RD, UVF_CSS_CCW_MIDA, 64, DATA);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 8, 0);
}

static void test_cpa_misaligned(void **state)
{
	struct cph_run r;
	uint8_t orb[12];
	unsigned off;

	(void)state;
	cph_ccw1(h, PROG, RD, 0, 64, DATA);
	for (off = 1; off < 8; off++) {
		orb1(orb, PROG + off, 0);
		diff_ok(h, orb, 0, &r);
		expect_prog(&r, PROG + off + 8, 0);
	}
}

static void test_cpa_unmapped(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	orb1(orb, NOWHERE_G, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, NOWHERE_G + 8, 0);
}

static void test_chain_off_the_map(void **state)
{
	struct cph_run r;
	uint8_t orb[12];
	uint32_t end = RAM_LEN;

	(void)state;
	cph_ccw1(h, end - 8, RD, CC, 64, DATA);
	orb1(orb, end - 8, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, end + 8, 0);
}

static void test_suspend_without_orb_s(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, NOP, CC, 0, 0);
	cph_ccw1(h, PROG + 8, RD, SUS, 64, DATA);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 16, 0);
}

static void test_suspend(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, NOP, CC, 0, 0);
	cph_ccw1(h, PROG + 8, RD, SUS, 64, DATA);
	/* Suspended: intermediate status, then our halt ends it. */
	orb1(orb, PROG, UVF_CSS_ORB_S);
	diff_ok(h, orb, 0, &r);
	assert_true(r.halted);
	assert_int_equal(r.nirb, 2);
	assert_int_equal(uvf_css_scsw_cpa(&r.irb[0].scsw), PROG + 16);
	assert_true(uvf_css_scsw_ac(&r.irb[0].scsw) & UVF_CSS_AC_SUSPENDED);
	/* With U: no interruption, halted while suspended. */
	orb1(orb, PROG, UVF_CSS_ORB_S | UVF_CSS_ORB_U);
	diff_ok(h, orb, 0, &r);
	assert_true(r.halted);
	assert_int_equal(r.nirb, 1);
}

static void test_suspend_data_chained(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, RD, CD, 32, DATA);
	cph_ccw1(h, PROG + 8, RD, SUS, 32, DATA + 32);
	orb1(orb, PROG, UVF_CSS_ORB_S);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 16, 0);
}

static void test_data_range_beyond_31_bits(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* Bit 0 of a format-1 data address: beyond 2^31. */
	cph_ccw1(h, PROG, RD, 0, 64, 0x80000000u | DATA);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 8, 0);
	/* Count 0: nothing to check, nothing moves (incorrect length). */
	cph_ccw1(h, PROG, RD, 0, 0, 0x80000000u | DATA);
	diff_ok(h, orb, 0, &r);
	expect_end_(&r, CE_DE, CS_IL, PROG + 8, 0);
	/* Read backward: the data ends at the address. */
	cph_ccw1(h, PROG, RDB, 0, 64, 0x10);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 8, 0);
}

static void test_idal_address_checks(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* Format-2 IDAL must be doubleword aligned, format-1 word aligned. */
	cph_ccw1(h, PROG, RD, IDA, 64, IDAL + 4);
	cph_idaw2(h, IDAL + 4, DATA);
	orb1(orb, PROG, H);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 8, 0);
	cph_ccw1(h, PROG, RD, IDA, 64, IDAL + 2);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 8, 0);
	/* Checked even with count 0, although never fetched. */
	cph_ccw1(h, PROG, RD, IDA | SLI, 0, IDAL + 4);
	orb1(orb, PROG, H);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 8, 0);
	/* Count 0: an aligned IDAL outside storage is never fetched. */
	cph_ccw1(h, PROG, RD, IDA | SLI, 0, NOWHERE_G);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 8);
}

/* ---- IDAW checks --------------------------------------------------------- */

static void test_idaw_boundary(void **state)
{
	struct cph_run r;
	uint8_t orb[12];
	uint16_t n = 3 * 4096;

	(void)state;
	set_len(h, RD, n);
	/* Format 2, 4K: the second IDAW is off its boundary. */
	cph_ccw1(h, PROG, RD, IDA, n, IDAL);
	cph_idaw2(h, IDAL, DATA + 0x300);
	cph_idaw2(h, IDAL + 8, DATA + 0x2010);
	cph_idaw2(h, IDAL + 16, DATA + 0x3000);
	orb1(orb, PROG, H);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 8, n - (4096 - 0x300));
	/* 2K blocks: 0x2800 is fine, the third is not. */
	cph_idaw2(h, IDAL + 8, DATA + 0x2800);
	cph_idaw2(h, IDAL + 16, DATA + 0x3400);
	orb1(orb, PROG, H | T);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 8, n - (2048 - 0x300) - 2048);
	/* Format 1. */
	cph_idaw1(h, IDAL, DATA + 0x300);
	cph_idaw1(h, IDAL + 4, DATA + 0x2900);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 8, n - (2048 - 0x300));
}

static void test_idaw_bit0(void **state)
{
	struct cph_run r;
	uint8_t orb[12];
	uint16_t n = 3000;

	(void)state;
	set_len(h, RD, n);
	orb1(orb, PROG, 0);
	/* The first IDAW. */
	cph_ccw1(h, PROG, RD, IDA, n, IDAL);
	cph_idaw1(h, IDAL, 0x80000000u | (DATA + 0x10));
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 8, n);
	/* ... even when nothing is stored (skip). */
	cph_ccw1(h, PROG, RD, IDA | SKP, n, IDAL);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 8, n);
	/* The second one: after the first block moved. */
	cph_ccw1(h, PROG, RD, IDA, n, IDAL);
	cph_idaw1(h, IDAL, DATA + 0x10);
	cph_idaw1(h, IDAL + 4, 0x80000000u | (DATA + 0x800));
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 8, n - (2048 - 0x10));
	/* A device that moves less never gets to the bad IDAW. */
	set_len(h, RD, 100);
	cph_ccw1(h, PROG, RD, IDA | SLI, n, IDAL);
	diff_ok(h, orb, 0, &r);
	expect_end_(&r, CE_DE, 0, PROG + 8, n - 100);
}

static void test_idal_tail_unreadable(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* The second IDAW is invalid; the third would lie beyond the map,
	 * but the channel never gets there. */
	set_len(h, RD, 5000);
	cph_ccw1(h, PROG, RD, IDA, 5000, RAM_LEN - 8);
	cph_idaw1(h, RAM_LEN - 8, DATA + 0x7F0);
	cph_idaw1(h, RAM_LEN - 4, DATA + 0x1001);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 8, 5000 - 0x10);
}

static void test_idal_outside_maps(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* The IDAL is fetched IDAW by IDAW as the transfer gets there: one
	 * outside storage is a program check at that point, no earlier. */
	set_len(h, RD, 3000);
	orb1(orb, PROG, 0);
	cph_ccw1(h, PROG, RD, IDA, 3000, NOWHERE_G);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 8, 3000);
	/* Running off its map after the first IDAW. */
	cph_ccw1(h, PROG, RD, IDA, 3000, RAM_LEN - 4);
	cph_idaw1(h, RAM_LEN - 4, DATA);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 8, 3000 - 2048);
	/* Never reached: the device moves less. */
	set_len(h, RD, 100);
	cph_ccw1(h, PROG, RD, IDA | SLI, 3000, RAM_LEN - 4);
	diff_ok(h, orb, 0, &r);
	expect_end_(&r, CE_DE, 0, PROG + 8, 2900);
	/* A no-op and a skipping read with a junk IDAL: the no-op never
	 * fetches it, the skip does. */
	cph_ccw1(h, PROG, NOP, IDA | CC | SLI, 100, NOWHERE_G);
	cph_ccw1(h, PROG + 8, RD, IDA | SKP, 100, NOWHERE_G);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 16, 100);
}

/* ---- chaining ------------------------------------------------------------ */

static void test_data_chaining(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	set_len(h, RD, 96);
	set_len(h, WR, 96);
	cph_ccw1(h, PROG, RD, CD, 32, DATA);
	cph_ccw1(h, PROG + 8, RD, CD, 32, DATA + 0x1000);
	cph_ccw1(h, PROG + 16, RD, CC, 32, DATA + 0x2000);
	cph_ccw1(h, PROG + 24, WR, CD | IDA, 48, IDAL);
	cph_idaw2(h, IDAL, HIGH + 0x10);
	cph_ccw1(h, PROG + 32, WR, 0, 48, DATA + 0x3000);
	orb1(orb, PROG, H);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 40);
}

static void test_data_chain_count0(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, RD, CD, 32, DATA);
	cph_ccw1(h, PROG + 8, RD, CD, 0, DATA + 0x100);
	cph_ccw1(h, PROG + 16, RD, 0, 32, DATA + 0x200);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	/* The css reports (count of the rejected CCW - bytes done of the
	 * previous one): 0 - 32, wrapped.  Mirrored, whatever it is. */
	expect_prog_x(&r, PROG + 16, 0xFFE0);
	/* ... but a chain may start with count 0. */
	cph_ccw1(h, PROG, RD, CD, 0, DATA);
	cph_ccw1(h, PROG + 8, RD, 0, 64, DATA + 0x100);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 16);
}

static void test_data_chain_into_nowhere(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* The chained-to CCW cannot be fetched: off the end of the map, and
	 * through a TIC.  The residual is taken against the CCW the channel
	 * still holds. */
	set_len(h, RD, 96);
	cph_ccw1(h, RAM_LEN - 8, RD, CD, 32, DATA);
	orb1(orb, RAM_LEN - 8, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, RAM_LEN + 8, 0);
	cph_ccw1(h, PROG, RD, CD, 32, DATA);
	cph_ccw1(h, PROG + 8, TIC, 0, 0, NOWHERE_G);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, NOWHERE_G + 8, 0xFFE0);
	/* A data-chained TIC to a TIC. */
	cph_ccw1(h, PROG + 8, TIC, 0, 0, PROG2);
	cph_ccw1(h, PROG2, TIC, 0, 0, PROG2 + 0x40);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG2 + 8, 0xFFE0);
}

static void test_data_chain_through_tic(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, WR, CD, 16, DATA);
	cph_ccw1(h, PROG + 8, TIC, 0, 0, PROG2);
	cph_ccw1(h, PROG2, 0xFF, CD, 16, DATA + 0x100);	/* code ignored */
	cph_ccw1(h, PROG2 + 8, 0x00, 0, 32, DATA + 0x200);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG2 + 16);
}

static void test_status_modifier_skip(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, SMC, CC, 0, 0);
	cph_ccw1(h, PROG + 8, RD, CC, 64, DATA);	/* skipped */
	cph_ccw1(h, PROG + 16, WR, 0, 64, DATA + 0x100);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 24);
	assert_int_equal(h->ref.td.nlog, 2);
}

static void test_status_modifier_skip_to_last(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* The CCW after the skipped one ends no chain: the kernel's segment
	 * would end before it. */
	cph_ccw1(h, PROG, SMC, CC, 0, 0);
	cph_ccw1(h, PROG + 8, NOP, 0, 0, 0);
	cph_ccw1(h, PROG + 16, WR, 0, 64, DATA + 0x100);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 24);
	/* ... and past the end of the map it is a program check. */
	cph_ccw1(h, RAM_LEN - 16, SMC, CC, 0, 0);
	cph_ccw1(h, RAM_LEN - 8, NOP, 0, 0, 0);
	orb1(orb, RAM_LEN - 16, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, RAM_LEN + 8, 0);
}

static void test_status_modifier_over_tic(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* ECKD "search; TIC back" with the search satisfied at once. */
	cph_ccw1(h, PROG, WR, CC, 64, DATA);
	cph_ccw1(h, PROG + 8, SMC, CC, 0, 0);
	cph_ccw1(h, PROG + 16, TIC, 0, 0, PROG + 8);
	cph_ccw1(h, PROG + 24, RD, 0, 64, DATA + 0x100);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 32);
	/* Not satisfied (no SM): loops until the channel's limit. */
	cph_ccw1(h, PROG + 8, NOP, CC, 0, 0);
	diff_ok(h, orb, 0, &r);
	assert_int_equal(last_irb(&r)->scsw.cstat, CS_PROG);
}

static void test_incorrect_length(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	orb1(orb, PROG, 0);
	/* Count larger than the device's 64. */
	cph_ccw1(h, PROG, RD, CC, 100, DATA);
	cph_ccw1(h, PROG + 8, WR, 0, 64, DATA);
	diff_ok(h, orb, 0, &r);
	expect_end_(&r, CE_DE, CS_IL, PROG + 8, 36);
	/* SLI: chaining goes on. */
	cph_ccw1(h, PROG, RD, CC | SLI, 100, DATA);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 16);
	/* Count smaller: the device wanted more. */
	cph_ccw1(h, PROG, WR, CC, 32, DATA);
	diff_ok(h, orb, 0, &r);
	expect_end_(&r, CE_DE, CS_IL, PROG + 8, 0);
	cph_ccw1(h, PROG, WR, CC | SLI, 32, DATA);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 16);
	/* Count 0. */
	cph_ccw1(h, PROG, RD, 0, 0, DATA);
	diff_ok(h, orb, 0, &r);
	expect_end_(&r, CE_DE, CS_IL, PROG + 8, 0);
}

static void test_pci(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, RD, CC, 64, DATA);
	cph_ccw1(h, PROG + 8, WR, CC | PCI, 64, DATA + 0x100);
	cph_ccw1(h, PROG + 16, NOP, 0, 0, 0);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	assert_int_equal(r.nirb, 2);
	assert_int_equal(r.irb[0].scsw.cstat, UVF_CSS_CS_PCI);
	assert_int_equal(uvf_css_scsw_cpa(&r.irb[0].scsw), PROG + 16);
	expect_ok(&r, PROG + 24);
	/* Several PCIs may merge (timing): compare without them. */
	cph_ccw1(h, PROG, RD, CC | PCI, 64, DATA);
	cph_ccw1(h, PROG + 16, NOP, PCI, 0, 0);
	diff_ok(h, orb, CPH_MASK_PCI, &r);
}

static void test_initial_status(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, RD, 0, 64, DATA);
	orb1(orb, PROG, UVF_CSS_ORB_I);
	diff_ok(h, orb, 0, &r);
	assert_int_equal(r.nirb, 2);
	assert_true(uvf_css_scsw_flags(&r.irb[0].scsw) & UVF_CSS_SCSW_F_Z);
	assert_int_equal(uvf_css_scsw_cpa(&r.irb[0].scsw), PROG);
}

static void test_unit_check_concurrent_sense(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, RD, CC, 64, DATA);
	cph_ccw1(h, PROG + 8, REJ, CC, 0, 0);
	cph_ccw1(h, PROG + 16, RD, 0, 64, DATA);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	assert_int_equal(last_irb(&r)->scsw.dstat, CE_DE | UVF_CSS_DS_UC);
	assert_int_equal(last_irb(&r)->ecw[0], UVF_CSS_SNS0_CMD_REJECT);
	/* Unit exception ends the chain too. */
	cph_ccw1(h, PROG + 8, UEC, CC, 0, 0);
	diff_ok(h, orb, 0, &r);
	assert_int_equal(last_irb(&r)->scsw.dstat, CE_DE | UVF_CSS_DS_UE);
}

static void test_sense_command(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, REJ, 0, 0, 0);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	cph_ccw1(h, PROG, SNS, SLI, 32, DATA + 0x123);
	diff_ok(h, orb, 0, &r);
	assert_int_equal(cph_ref(h, DATA + 0x123, 1)[0],
			 UVF_CSS_SNS0_CMD_REJECT);
}

/* ---- directions, skip, protection ---------------------------------------- */

static void test_read_backward(void **state)
{
	struct cph_run r;
	uint8_t orb[12];
	uint16_t n = 0x81 + 4096 + 100;

	(void)state;
	cph_ccw1(h, PROG, RDB, CC, 64, DATA + 0x1000 + 63);
	cph_ccw1(h, PROG + 8, RDB, IDA, n, IDAL);
	cph_idaw2(h, IDAL, DATA + 0x2080);
	cph_idaw2(h, IDAL + 8, DATA + 0x5FFF);
	cph_idaw2(h, IDAL + 16, HIGH + 0x1FFF);
	orb1(orb, PROG, H);
	set_len(h, RDB, 64);
	diff_ok(h, orb, 0, &r);
	expect_end_(&r, CE_DE, CS_IL, PROG + 16, n - 64);
	set_len(h, RDB, n);
	cph_ccw1(h, PROG, RDB, CC | SLI, 64, DATA + 0x1000 + 63);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 16);
	/* A forward-aligned second IDAW is wrong for read backward. */
	cph_idaw2(h, IDAL + 8, DATA + 0x5000);
	diff_ok(h, orb, 0, &r);
	expect_prog_x(&r, PROG + 16, n - 0x81);
}

static void test_skip(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	orb1(orb, PROG, 0);
	cph_ccw1(h, PROG, RD, SKP, 64, DATA);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 8);
	/* Nothing is stored, so the address is never checked. */
	cph_ccw1(h, PROG, RD, SKP, 64, NOWHERE_G);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 8);
	/* Skip does not apply to writes. */
	cph_ccw1(h, PROG, WR, SKP, 64, DATA);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 8);
}

static void test_protection(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	orb1(orb, PROG, 0);
	/* Storing into a read-only map. */
	cph_ccw1(h, PROG, RD, 0, 64, RO + 0x100);
	diff_ok(h, orb, 0, &r);
	expect_end_(&r, CE_DE, CS_PROT, PROG + 8, 64);
	/* Fetching from it is fine; fetching from a write-only map is not. */
	cph_ccw1(h, PROG, WR, 0, 64, RO + 0x100);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 8);
	cph_ccw1(h, PROG, WR, 0, 64, WO + 0x100);
	diff_ok(h, orb, 0, &r);
	expect_end_(&r, CE_DE, CS_PROT, PROG + 8, 64);
	cph_ccw1(h, PROG, RD, 0, 64, WO + 0x100);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 8);
}

static void test_nop_with_garbage_address(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* A no-op moves nothing: its address is never used. */
	cph_ccw1(h, PROG, NOP, CC | SLI, 16, NOWHERE_G);
	cph_ccw1(h, PROG + 8, RD, 0, 64, DATA);
	orb1(orb, PROG, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 16);
}

static void test_lpm(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, RD, 0, 64, DATA);
	cph_orb(orb, PROG, F, 0x40, 0);
	diff_ok(h, orb, 0, &r);
	assert_int_equal(r.irb[0].esw[1], 0x40);	/* LPUM */
}

/* ---- format 0 ------------------------------------------------------------ */

static void test_fmt0_program(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	set_len(h, RD, 3000);
	cph_ccw0(h, PROG, WR, CC, 64, DATA);
	cph_ccw0(h, PROG + 8, 0x18, 0xFF, 0xFFFF, PROG2);	/* a TIC */
	cph_ccw0(h, PROG2, RD, CC | IDA, 3000, IDAL);
	cph_idaw1(h, IDAL, DATA + 0x100);
	cph_idaw1(h, IDAL + 4, DATA + 0x4000);
	cph_ccw0(h, PROG2 + 8, SNS, SLI, 8, DATA + 0x5000);
	cph_orb(orb, PROG, 0, 0xFF, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG2 + 16);
	assert_false(uvf_css_scsw_flags(&last_irb(&r)->scsw) &
		     UVF_CSS_SCSW_F_F);
}

static void test_fmt0_count0(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	cph_ccw0(h, PROG, RD, CC, 64, DATA);
	cph_ccw0(h, PROG + 8, NOP, 0, 0, 0);
	cph_orb(orb, PROG, 0, 0xFF, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 16, 0);
}

static void test_fmt0_limits(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	assert_int_equal(cph_map(h, 0xFF0000, 0x20000, RW), 0);
	/* CPA at 16 MiB. */
	cph_ccw0(h, 0x1000000, RD, 0, 64, DATA);
	cph_orb(orb, 0x1000000, 0, 0xFF, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, 0x1000008, 0);
	/* A chain running over 16 MiB. */
	cph_ccw0(h, 0xFFFFF8, RD, CC, 64, DATA);
	cph_orb(orb, 0xFFFFF8, 0, 0xFF, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, 0x1000008, 0);
	/* Data beyond 24 bits. */
	cph_ccw0(h, PROG, WR, 0, 64, 0xFFFFF0);
	cph_orb(orb, PROG, 0, 0xFF, 0);
	diff_ok(h, orb, 0, &r);
	expect_prog(&r, PROG + 8, 0);
	/* Format-1 IDAWs of a format-0 CCW may go beyond 24 bits. */
	cph_ccw0(h, PROG, WR, IDA, 64, IDAL);
	cph_idaw1(h, IDAL, 0x1000000);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, PROG + 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, cp_setup, cp_teardown)
		T_(test_read_write_direct),
		T_(test_read_high_map),
		T_(test_ida_fmt2_4k),
		T_(test_ida_fmt2_2k),
		T_(test_ida_fmt1),
		T_(test_tic_to_tic),
		T_(test_tic_self),
		T_(test_tic_first_and_back),
		T_(test_tic_misaligned),
		T_(test_tic_fmt1_flags_count_code),
		T_(test_tic_target_unmapped),
		T_(test_tic_loop_dataless),
		T_(test_tic_loop_data),
		T_(test_invalid_command),
		T_(test_invalid_command_data_chained),
		T_(test_mida),
		T_(test_cpa_misaligned),
		T_(test_cpa_unmapped),
		T_(test_chain_off_the_map),
		T_(test_suspend_without_orb_s),
		T_(test_suspend),
		T_(test_suspend_data_chained),
		T_(test_data_range_beyond_31_bits),
		T_(test_idal_address_checks),
		T_(test_idaw_boundary),
		T_(test_idaw_bit0),
		T_(test_idal_tail_unreadable),
		T_(test_idal_outside_maps),
		T_(test_data_chaining),
		T_(test_data_chain_count0),
		T_(test_data_chain_into_nowhere),
		T_(test_data_chain_through_tic),
		T_(test_status_modifier_skip),
		T_(test_status_modifier_skip_to_last),
		T_(test_status_modifier_over_tic),
		T_(test_incorrect_length),
		T_(test_pci),
		T_(test_initial_status),
		cmocka_unit_test_setup_teardown(test_unit_check_concurrent_sense,
						cp_setup_csense, cp_teardown),
		T_(test_sense_command),
		T_(test_read_backward),
		T_(test_skip),
		T_(test_protection),
		T_(test_nop_with_garbage_address),
		T_(test_lpm),
		T_(test_fmt0_program),
		T_(test_fmt0_count0),
		T_(test_fmt0_limits),
#undef T_
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
