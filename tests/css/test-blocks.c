/* SPDX-License-Identifier: MIT */
/*
 * tests/css/test-blocks.c - the architected blocks: sizes and offsets,
 * big-endian accessors, SCSW predicates, and the host <-> big-endian
 * conversions of css/blocks.c.
 */
#include "helpers.h"

#include <stddef.h>
#include <string.h>

#include "css/internal.h"
#include "testutil.h"

static void sizes_and_offsets(void **state)
{
	assert_int_equal(sizeof(struct uvf_css_orb), 32);
	assert_int_equal(offsetof(struct uvf_css_orb, lpm), 6);
	assert_int_equal(offsetof(struct uvf_css_orb, cpa), 8);
	assert_int_equal(sizeof(struct uvf_css_ccw1), 8);
	assert_int_equal(offsetof(struct uvf_css_ccw1, cda), 4);
	assert_int_equal(offsetof(struct uvf_css_ccw0, flags), 4);
	assert_int_equal(offsetof(struct uvf_css_ccw0, count), 6);
	assert_int_equal(sizeof(struct uvf_css_scsw), 12);
	assert_int_equal(offsetof(struct uvf_css_scsw, dstat), 8);
	assert_int_equal(sizeof(struct uvf_css_irb), 96);
	assert_int_equal(offsetof(struct uvf_css_irb, esw), 12);
	assert_int_equal(offsetof(struct uvf_css_irb, ecw), 32);
	assert_int_equal(offsetof(struct uvf_css_irb, emw), 64);
	assert_int_equal(sizeof(struct uvf_css_pmcw), 28);
	assert_int_equal(offsetof(struct uvf_css_pmcw, mbi), 12);
	assert_int_equal(offsetof(struct uvf_css_pmcw, chpid), 16);
	assert_int_equal(offsetof(struct uvf_css_pmcw, chars), 24);
	assert_int_equal(sizeof(struct uvf_css_schib), 52);
	assert_int_equal(offsetof(struct uvf_css_schib, mba), 40);
	assert_int_equal(offsetof(struct uvf_css_schib, mda), 48);
}

static void be_accessors(void **state)
{
	uint8_t b[8];

	uvf_css_put_be16(b, 0x1234);
	assert_int_equal(b[0], 0x12);
	assert_int_equal(b[1], 0x34);
	assert_int_equal(uvf_css_get_be16(b), 0x1234);
	uvf_css_put_be32(b, 0xDEADBEEF);
	assert_int_equal(b[0], 0xDE);
	assert_int_equal(b[3], 0xEF);
	assert_int_equal(uvf_css_get_be32(b), 0xDEADBEEF);
	uvf_css_put_be64(b, 0x0102030405060708ull);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[7], 8);
	assert_true(uvf_css_get_be64(b) == 0x0102030405060708ull);
	/* Unaligned access is fine: bytes only. */
	{
		uint8_t u[9] = { 0 };

		uvf_css_put_be32(u + 1, 0xA1B2C3D4);
		assert_int_equal(uvf_css_get_be32(u + 1), 0xA1B2C3D4);
	}
}

static struct uvf_css_scsw scsw_of(uint16_t flags, uint16_t ctrl)
{
	struct uvf_css_scsw s;

	memset(&s, 0, sizeof(s));
	uvf_css_put_be16(s.flags, flags);
	uvf_css_put_be16(s.ctrl, ctrl);
	return s;
}

static void scsw_predicates(void **state)
{
	struct uvf_css_scsw s;

	s = scsw_of(0, UVF_CSS_SC_ALERT | UVF_CSS_SC_PENDING);
	assert_false(uvf_css_scsw_is_solicited(&s));	/* unsolicited */
	assert_true(uvf_css_scsw_is_final(&s));
	s = scsw_of(3 << 8, UVF_CSS_FC_START | UVF_CSS_SC_ALERT |
		    UVF_CSS_SC_PENDING);
	assert_true(uvf_css_scsw_is_solicited(&s));	/* deferred cc */
	assert_int_equal(uvf_css_scsw_cc(&s), 3);
	s = scsw_of(0, FINAL_OK);
	assert_true(uvf_css_scsw_is_final(&s));
	assert_true(uvf_css_scsw_is_valid_cpa(&s));
	assert_int_equal(uvf_css_scsw_fc(&s), UVF_CSS_FC_START);
	s = scsw_of(0, UVF_CSS_FC_START | UVF_CSS_AC_SCH_ACTIVE |
		    UVF_CSS_AC_DEV_ACTIVE | UVF_CSS_SC_INTERMEDIATE |
		    UVF_CSS_SC_PENDING);
	assert_false(uvf_css_scsw_is_final(&s));
	assert_true(uvf_css_scsw_is_intermediate_only(&s));
	assert_true(uvf_css_scsw_is_valid_cpa(&s));
	s = scsw_of(0, UVF_CSS_FC_START | UVF_CSS_AC_SUSPENDED |
		    UVF_CSS_SC_INTERMEDIATE | UVF_CSS_SC_PENDING);
	assert_false(uvf_css_scsw_is_final(&s));	/* suspended */
	s = scsw_of(0, UVF_CSS_FC_CLEAR | UVF_CSS_SC_PENDING);
	assert_true(uvf_css_scsw_is_final(&s));
	assert_false(uvf_css_scsw_is_valid_cpa(&s));
	assert_true(uvf_css_scsw_is_solicited(&s));
	s = scsw_of(0, UVF_CSS_FC_START | UVF_CSS_AC_SCH_ACTIVE);
	assert_false(uvf_css_scsw_is_status_pending(&s));
	assert_false(uvf_css_scsw_is_final(&s));
}

static void command_classes(void **state)
{
	assert_true(uvf_css_cmd_is_write(0x41));
	assert_true(uvf_css_cmd_is_read(0x42));
	assert_true(uvf_css_cmd_is_control(0x43));
	assert_true(uvf_css_cmd_is_sense(0x64));
	assert_true(uvf_css_cmd_is_sense(0xE4));
	assert_true(uvf_css_cmd_is_tic(0x08));
	assert_true(uvf_css_cmd_is_tic(0x18));
	assert_true(uvf_css_cmd_is_read_backward(0x0C));
	assert_true(uvf_css_cmd_is_invalid(0x40));
	assert_false(uvf_css_cmd_is_invalid(0x03));
}

static void ccw_decode_formats(void **state)
{
	static const uint8_t f1[8] = { 0x42, 0x64, 0x12, 0x34,
				       0x7F, 0x00, 0x10, 0x08 };
	static const uint8_t f0[8] = { 0x02, 0x12, 0x34, 0x56,
				       0x24, 0xAA, 0x00, 0x40 };
	static const uint8_t tic0[8] = { 0x98, 0x00, 0x20, 0x00,
					 0xFF, 0, 0x12, 0x34 };
	struct uvf_css_ccw_host c;

	uvf_css_ccw_decode(&c, f1, true);
	assert_int_equal(c.cmd, 0x42);
	assert_int_equal(c.flags, 0x64);
	assert_int_equal(c.count, 0x1234);
	assert_int_equal(c.cda, 0x7F001008);
	uvf_css_ccw_decode(&c, f0, false);
	assert_int_equal(c.cmd, 0x02);
	assert_int_equal(c.cda, 0x123456);
	assert_int_equal(c.flags, 0x24);
	assert_int_equal(c.count, 0x40);
	uvf_css_ccw_decode(&c, tic0, false);
	assert_int_equal(c.cmd, UVF_CSS_CMD_TIC);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.count, 0);
	assert_int_equal(c.cda, 0x2000);
}

static void schib_round_trip(void **state)
{
	struct uvf_css_schib_host h = {
		.pmcw = { .intparm = 0x11223344, .flags = 0x1885,
			  .devno = 0xBEEF, .lpm = 0x80, .pnom = 0x01,
			  .lpum = 0x40, .pim = 0xC0, .mbi = 0x0102,
			  .pom = 0xFE, .pam = 0x7F,
			  .chpid = { 1, 2, 3, 4, 5, 6, 7, 8 },
			  .chars = 0x00000001 },
		.scsw = { .flags = 0x1234, .ctrl = 0x4007, .cpa = 0x01020304,
			  .dstat = 0x0C, .cstat = 0x40, .count = 0x0506 },
		.mba = 0x1122334455667788ull, .mda = 0xA5A5A5A5,
	}, back;
	struct uvf_css_schib be;
	const uint8_t *raw = (const uint8_t *)&be;

	uvf_css_schib_to_be(&be, &h);
	assert_int_equal(raw[0], 0x11);
	assert_int_equal(raw[4], 0x18);
	assert_int_equal(raw[6], 0xBE);
	assert_int_equal(raw[11], 0xC0);
	assert_int_equal(raw[16], 1);
	assert_int_equal(raw[27], 0x01);
	assert_int_equal(raw[28], 0x12);	/* SCSW flags */
	assert_int_equal(raw[30], 0x40);	/* SCSW ctrl */
	assert_int_equal(raw[36], 0x0C);
	assert_int_equal(raw[40], 0x11);	/* MBA */
	uvf_css_schib_from_be(&back, &be);
	assert_memory_equal(&back.pmcw, &h.pmcw, sizeof(h.pmcw));
	assert_memory_equal(&back.scsw, &h.scsw, sizeof(h.scsw));
	assert_true(back.mba == h.mba);
	assert_int_equal(back.mda, h.mda);
}

static void irb_and_orb_and_crw(void **state)
{
	struct uvf_css_scsw_host s = { .ctrl = 0x4007, .dstat = 0x0C };
	struct uvf_css_ext_host x = { .esw = { 0x00800000, 0x01180000 } };
	struct uvf_css_orb orb;
	struct uvf_css_orb_host oh;
	struct uvf_css_irb irb;
	struct uvf_css_crw crw;

	x.ecw[0] = 0x80;
	memset(&irb, 0xEE, sizeof(irb));
	uvf_css_irb_to_be(&irb, &s, &x);
	assert_int_equal(uvf_css_scsw_ctrl(&irb.scsw), 0x4007);
	assert_int_equal(irb.esw[1], 0x80);
	assert_int_equal(uvf_css_irb_erw(&irb), 0x01180000);
	assert_int_equal(irb.ecw[0], 0x80);
	assert_int_equal(irb.emw[0], 0);	/* never written */

	make_orb(&orb, 0x2000, UVF_CSS_ORB_H);
	uvf_css_orb_from_be(&oh, &orb);
	assert_int_equal(oh.intparm, 0x12345678);
	assert_int_equal(oh.ctl, UVF_CSS_ORB_F | UVF_CSS_ORB_H);
	assert_int_equal(oh.lpm, 0xFF);
	assert_int_equal(oh.cpa, 0x2000);

	uvf_css_crw_put(&crw, 0x04060010);
	assert_int_equal(crw.word[0], 0x04);
	assert_int_equal(crw.word[3], 0x10);
	assert_int_equal(uvf_css_crw_rsc(0x04060010), 4);
	assert_int_equal(uvf_css_crw_erc(0x04060010), 6);
}

static int fds_before;

static int count_fds(void **state)
{
	fds_before = uvf_test_count_fds();
	return 0;
}

static int check_fds(void **state)
{
	assert_int_equal(uvf_test_count_fds(), fds_before);
	return 0;
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, count_fds, check_fds)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(sizes_and_offsets),
		TEST(be_accessors),
		TEST(scsw_predicates),
		TEST(command_classes),
		TEST(ccw_decode_formats),
		TEST(schib_round_trip),
		TEST(irb_and_orb_and_crw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
