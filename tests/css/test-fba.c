/* SPDX-License-Identifier: MIT */
/*
 * tests/css/test-fba.c - the FBA disk through the channel: the test table
 * of fba-disk.md §5 (cases 1-27, named case_NN_*), concurrent sense, block
 * sizes, the image file, and halting a write program at every CCW.
 *
 * Our "file protected" convention (uvfio/css.h): range and write-mask
 * violations are unit check with sense byte 0 = 0x80 and byte 1 = 0x04.
 */
#include "fba-util.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- §5 cases ----------------------------------------------------------- */

static void case_01_sense_id(void **state)
{
	static const uint8_t id[7] = { 0xFF, 0x63, 0x10, 0x01, 0x93, 0x36, 0 };
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);

	fba_emit(&p, UVF_CSS_CMD_SENSE_ID, SLI, 40, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_count(&irb, 33);
	assert_memory_equal(e->mem + DATA, id, sizeof(id));
	assert_int_equal(e->mem[DATA + 7], 0);
	env_free(e);
}

static void case_02_rdc_32_bytes(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);
	const uint8_t *c = e->mem + DATA;

	fba_emit(&p, UVF_CSS_FBA_RDC, 0, 32, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_count(&irb, 0);
	assert_int_equal(c[0], 0x30);
	assert_int_equal(c[2], 0x21);
	assert_int_equal(c[3], 0x11);
	assert_int_equal(uvf_css_get_be16(c + 4), BS);
	assert_int_equal(uvf_css_get_be32(c + 6), 63);
	assert_int_equal(uvf_css_get_be32(c + 10), 315);
	assert_int_equal(uvf_css_get_be32(c + 14), BLOCKS);
	env_free(e);

	/* Without data chaining the mode byte is 0. */
	e = env_new_fba(8, 1024, true);
	p = fba_prog_new(e);
	fba_emit(&p, UVF_CSS_FBA_RDC, 0, 32, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(e->mem[DATA], 0);
	assert_int_equal(uvf_css_get_be16(e->mem + DATA + 4), 1024);
	assert_int_equal(uvf_css_get_be32(e->mem + DATA + 14), 8);
	env_free(e);
}

static void case_03_rdc_16_bytes_is_il(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);

	fba_emit(&p, UVF_CSS_FBA_RDC, 0, 16, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_IL);
	assert_count(&irb, 0);
	env_free(e);
}

static void case_04_noop(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);

	fba_emit(&p, UVF_CSS_CMD_NOOP, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	/* Sense PGID is rejected (cio then falls back to NO-OP). */
	p = fba_prog_new(e);
	fba_emit(&p, 0x34, SLI, 12, DATA);
	fba_expect_cr(e, PROG);
	env_free(e);
}

static void case_05_read_41(void **state)
{
	static const uint16_t sizes[] = { 1, 2, 8, 96 };
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	unsigned s, i;

	for (s = 0; s < 4; s++) {
		memset(e->mem + DATA, 0, 96 * BS);
		fba_program_41(e, false, 3, sizes[s], DATA);
		run(e, PROG, 0, &irb);
		check_scsw(&irb, FINAL_OK, CE_DE, 0);
		for (i = 0; i < sizes[s]; i++)
			fba_assert_block(e->mem + DATA + BS * i, 3 + i, BS);
	}
	env_free(e);
}

static void case_06_read_write_42(void **state)
{
	static const uint16_t sizes[] = { 1, 2, 7, 96 };
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	unsigned s, i;

	for (s = 0; s < 4; s++) {
		for (i = 0; i < sizes[s] * BS; i++)
			e->mem[DATA + i] = (uint8_t)(i * 7 + s + 1);
		fba_program_42(e, true, 100, sizes[s], DATA);
		run(e, PROG, 0, &irb);
		check_scsw(&irb, FINAL_OK, CE_DE, 0);
		memset(e->mem + DATA + 0x40000, 0, 96 * BS);
		fba_program_42(e, false, 100, sizes[s], DATA + 0x40000);
		run(e, PROG, 0, &irb);
		check_scsw(&irb, FINAL_OK, CE_DE, 0);
		assert_memory_equal(e->mem + DATA + 0x40000, e->mem + DATA,
				    sizes[s] * BS);
	}
	env_free(e);
}

static void case_07_ida_above_2g(void **state)
{
	struct env *e = fba_disk();
	uint8_t *high = calloc(1, 16 * 4096);
	struct uvf_css_irb irb;
	struct prog p;
	unsigned i;

	assert_non_null(high);
	assert_int_equal(uvf_css_mem_map(e->css, HIGH, high, 16 * 4096,
		UVF_CSS_PROT_READ | UVF_CSS_PROT_WRITE), 0);
	for (i = 0; i < 8 * BS; i++)
		high[i] = (uint8_t)(i * 3 + 7);
	/* Linux: one-entry IDAL per data CCW (a block never crosses 4K). */
	for (i = 0; i < 8; i++)
		put_idaw2(e, 0x3000 + 8 * i, HIGH + BS * i);
	p = fba_prog_new(e);
	fba_emit_de(&p, CC, 0x00, 200, 0, 7);
	fba_emit_loc(&p, CC, OP_W, 8, 0);
	for (i = 0; i < 8; i++)
		fba_emit(&p, WR, (i < 7 ? CD : 0) | IDA, BS, 0x3000 + 8 * i);
	run(e, PROG, UVF_CSS_ORB_H, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);

	for (i = 0; i < 8; i++)
		put_idaw2(e, 0x3000 + 8 * i, HIGH + 0x8000 + BS * i);
	e->mem[PARM] = 0x40;			/* DE mask: read */
	e->mem[PARM + 16] = OP_R;		/* Locate op */
	for (i = 0; i < 8; i++)
		e->mem[PROG + 16 + 8 * i] = RD;
	run(e, PROG, UVF_CSS_ORB_H, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_memory_equal(high + 0x8000, high, 8 * BS);
	assert_int_equal(uvf_css_mem_unmap(e->css, HIGH, 16 * 4096), 1);
	free(high);
	env_free(e);
}

/* §4.3: discard blocks 5..20 (head 5-7, aligned 8-15 by count 0, tail
 * 16-20) over non-zero data. */
static void case_08_discard(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);
	uint32_t b;

	memset(e->mem + DATA, 0, 4096);
	fba_emit_de(&p, CC, 0x00, 5, 0, 15);
	fba_emit_loc(&p, CC, OP_W, 3, 0);
	fba_emit(&p, WR, CC | SLI, 1536, DATA);
	fba_emit_loc(&p, CC, OP_W, 8, 3);
	fba_emit(&p, WR, CC | SLI, 0, 0);
	fba_emit_loc(&p, CC, OP_W, 5, 11);
	fba_emit(&p, WR, SLI, 2560, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	for (b = 5; b <= 20; b++)
		assert_true(fba_block_is(e, b, true));
	assert_true(fba_block_is(e, 4, false));
	assert_true(fba_block_is(e, 21, false));
	env_free(e);
}

static void case_09_write_count_0_zero_fills(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);
	uint32_t b;

	fba_emit_de(&p, CC, 0x00, 30, 0, 3);
	fba_emit_loc(&p, CC, OP_W, 4, 0);
	fba_emit(&p, WR, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	for (b = 30; b < 34; b++)
		assert_true(fba_block_is(e, b, true));
	assert_true(fba_block_is(e, 34, false));
	env_free(e);
}

static void case_10_locate_without_de(void **state)
{
	struct env *e = fba_disk();
	struct prog p = fba_prog_new(e);
	uint32_t loc;

	loc = fba_emit_loc(&p, CC, OP_R, 1, 0);
	fba_emit(&p, RD, 0, BS, DATA);
	fba_expect_cr(e, loc);
	assert_int_equal(e->mem[DATA], 0);
	env_free(e);
}

static void case_11_two_des(void **state)
{
	struct env *e = fba_disk();
	struct prog p = fba_prog_new(e);
	uint32_t de2;

	fba_emit_de(&p, CC, 0x40, 0, 0, 0);
	de2 = fba_emit_de(&p, CC, 0x40, 0, 0, 0);
	fba_emit(&p, UVF_CSS_CMD_NOOP, SLI, 0, 0);
	fba_expect_cr(e, de2);
	env_free(e);
}

static void case_12_short_parameters(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);
	uint32_t ccw;

	ccw = fba_emit_de(&p, 0, 0x40, 0, 0, 0);
	put_ccw1(e, ccw, DE, 0, 15, PARM);
	fba_expect_cr(e, ccw);

	p = fba_prog_new(e);
	fba_emit_de(&p, CC, 0x40, 0, 0, 0);
	ccw = fba_emit_loc(&p, 0, OP_R, 1, 0);
	put_ccw1(e, ccw, LOC, 0, 7, PARM + 16);
	fba_expect_cr(e, ccw);

	/* Longer than 16 without SLI: incorrect length, DE accepted. */
	p = fba_prog_new(e);
	ccw = fba_emit_de(&p, 0, 0x40, 0, 0, 0);
	put_ccw1(e, ccw, DE, 0, 20, PARM);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_IL);
	assert_count(&irb, 4);
	env_free(e);
}

static void case_13_bad_masks(void **state)
{
	static const uint8_t masks[] = { 0x80, 0x01, 0x02, 0x10, 0x20, 0x08 };
	struct env *e = fba_disk();
	struct prog p;
	unsigned i;
	uint32_t ccw;

	for (i = 0; i < sizeof(masks); i++) {
		p = fba_prog_new(e);
		ccw = fba_emit_de(&p, 0, masks[i], 0, 0, 0);
		fba_expect_cr(e, ccw);
	}
	/* 0xC0 (permit all) and 0x04 (diagnostics) are fine. */
	p = fba_prog_new(e);
	fba_emit_de(&p, 0, 0xC4, 0, 0, 0);
	{
		struct uvf_css_irb irb;

		run(e, PROG, 0, &irb);
		check_scsw(&irb, FINAL_OK, CE_DE, 0);
	}
	env_free(e);
}

static void case_14_extent_outside_device(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);
	uint32_t ccw;

	ccw = fba_emit_de(&p, 0, 0x40, BLOCKS - 4, 0, 4);	/* one too many */
	fba_expect_cr(e, ccw);
	p = fba_prog_new(e);
	ccw = fba_emit_de(&p, 0, 0x40, 0, 10, 9);		/* last < first */
	fba_expect_cr(e, ccw);
	p = fba_prog_new(e);
	ccw = fba_emit_de(&p, 0, 0x40, BLOCKS + 1, 0, 0);
	fba_expect_cr(e, ccw);
	p = fba_prog_new(e);
	fba_emit_de(&p, 0, 0x40, BLOCKS - 4, 0, 3);		/* exactly fits */
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	env_free(e);
}

static void case_15_locate_outside_extent(void **state)
{
	struct env *e = fba_disk();
	struct prog p = fba_prog_new(e);
	uint32_t ccw;

	fba_emit_de(&p, CC, 0x40, 10, 100, 109);
	ccw = fba_emit_loc(&p, CC, OP_R, 2, 109);		/* past the end */
	fba_emit(&p, RD, 0, 2 * BS, DATA);
	fba_expect_fp(e, ccw);
	p = fba_prog_new(e);
	fba_emit_de(&p, CC, 0x40, 10, 100, 109);
	ccw = fba_emit_loc(&p, CC, OP_R, 1, 99);		/* before the start */
	fba_emit(&p, RD, 0, BS, DATA);
	fba_expect_fp(e, ccw);
	assert_int_equal(e->mem[DATA], 0);
	env_free(e);
}

static void case_16_bad_locate(void **state)
{
	static const uint8_t ops[] = { 0x80 | OP_R, 0x20 | OP_R, 0x3, 0x7, 0x8,
				       0x0, 0xF };
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p;
	unsigned i;
	uint32_t ccw;

	p = fba_prog_new(e);
	fba_emit_de(&p, CC, 0x40, 0, 0, 9);
	ccw = fba_emit_loc(&p, 0, OP_R, 0, 0);		/* count 0 */
	fba_expect_cr(e, ccw);
	for (i = 0; i < sizeof(ops); i++) {
		p = fba_prog_new(e);
		fba_emit_de(&p, CC, 0x40, 0, 0, 9);
		ccw = fba_emit_loc(&p, 0, ops[i], 1, 0);
		fba_expect_cr(e, ccw);
	}
	/* 0x10 is ignored, as Hercules does. */
	p = fba_prog_new(e);
	fba_emit_de(&p, CC, 0x40, 0, 0, 9);
	fba_emit_loc(&p, 0, 0x10 | OP_R, 1, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	env_free(e);
}

static void case_17_write_under_read_mask(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);
	uint32_t ccw;

	fba_emit_de(&p, CC, 0x40, 0, 0, 9);
	ccw = fba_emit_loc(&p, CC, OP_W, 1, 0);
	fba_emit(&p, WR, 0, BS, DATA);
	fba_expect_fp(e, ccw);
	assert_true(fba_block_is(e, 0, false));
	/* Format needs mask 0xC0. */
	p = fba_prog_new(e);
	fba_emit_de(&p, CC, 0x00, 0, 0, 9);
	ccw = fba_emit_loc(&p, 0, UVF_CSS_FBA_OP_FORMAT, 1, 0);
	fba_expect_fp(e, ccw);
	p = fba_prog_new(e);
	fba_emit_de(&p, CC, 0xC0, 0, 0, 9);
	fba_emit_loc(&p, 0, UVF_CSS_FBA_OP_FORMAT, 1, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	env_free(e);
}

static void case_18_read_without_locate(void **state)
{
	struct env *e = fba_disk();
	struct prog p = fba_prog_new(e);
	uint32_t ccw;

	fba_emit_de(&p, CC, 0x40, 0, 0, 9);
	ccw = fba_emit(&p, RD, 0, BS, DATA);
	fba_expect_cr(e, ccw);
	/* A second Read after one Locate needs a new Locate. */
	p = fba_prog_new(e);
	fba_emit_de(&p, CC, 0x40, 0, 0, 9);
	fba_emit_loc(&p, CC, OP_R, 1, 0);
	fba_emit(&p, RD, CC, BS, DATA);
	ccw = fba_emit(&p, RD, 0, BS, DATA + BS);
	fba_expect_cr(e, ccw);
	env_free(e);
}

static void case_19_operation_class_mismatch(void **state)
{
	struct env *e = fba_disk();
	struct prog p = fba_prog_new(e);
	uint32_t ccw;

	fba_emit_de(&p, CC, 0x00, 0, 0, 9);
	fba_emit_loc(&p, CC, OP_R, 1, 0);
	ccw = fba_emit(&p, WR, 0, BS, DATA);
	fba_expect_cr(e, ccw);
	assert_true(fba_block_is(e, 0, false));
	p = fba_prog_new(e);
	fba_emit_de(&p, CC, 0x00, 0, 0, 9);
	fba_emit_loc(&p, CC, OP_W, 1, 0);
	ccw = fba_emit(&p, RD, 0, BS, DATA);
	fba_expect_cr(e, ccw);
	env_free(e);
}

static void case_20_read_longer_than_located(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);
	uint32_t ccw;

	fba_emit_de(&p, CC, 0x40, 0, 0, 9);
	fba_emit_loc(&p, CC, OP_R, 1, 5);
	ccw = fba_emit(&p, RD, 0, 1024, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_IL);
	assert_count(&irb, 512);
	fba_assert_block(e->mem + DATA, 5, BS);
	e->mem[ccw + 1] = SLI;
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_count(&irb, 512);
	env_free(e);
}

static void case_21_read_shorter_than_located(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);

	fba_emit_de(&p, CC, 0x40, 0, 0, 9);
	fba_emit_loc(&p, CC, OP_R, 1, 5);
	fba_emit(&p, RD, 0, 256, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_IL);
	assert_count(&irb, 0);
	fba_assert_block(e->mem + DATA, 5, 256);
	assert_int_equal(e->mem[DATA + 256], 0);
	env_free(e);
}

static void case_22_short_write_zero_fills(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);
	uint8_t buf[BS];
	unsigned i;

	memset(e->mem + DATA, 0x77, 256);
	fba_emit_de(&p, CC, 0x00, 40, 0, 1);
	fba_emit_loc(&p, CC, OP_W, 2, 0);
	fba_emit(&p, WR, 0, 256, DATA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_IL);
	fba_image_read(e, 40, buf, BS);
	for (i = 0; i < BS; i++)
		assert_int_equal(buf[i], i < 256 ? 0x77 : 0);
	assert_true(fba_block_is(e, 41, true));
	assert_true(fba_block_is(e, 42, false));
	env_free(e);
}

static void case_23_sense_after_reject(void **state)
{
	struct env *e = fba_disk();
	struct prog p = fba_prog_new(e);
	const uint8_t *s;
	unsigned i;

	fba_emit(&p, 0x1F, SLI, 0, 0);
	fba_expect_cr(e, PROG);		/* runs SENSE: byte 0 = 0x80 */
	s = fba_sense(e);			/* the next SENSE: all zero */
	for (i = 0; i < 24; i++)
		assert_int_equal(s[i], 0);
	assert_int_equal(s[24], 0xEE);	/* only 24 bytes stored */
	env_free(e);
}

static void case_24_failing_ccw_mid_chain(void **state)
{
	struct env *e = fba_disk();
	struct prog p = fba_prog_new(e);
	uint32_t bad;

	fba_emit(&p, UVF_CSS_CMD_NOOP, CC | SLI, 0, 0);
	fba_emit_de(&p, CC, 0x40, 0, 0, 9);
	bad = fba_emit_loc(&p, CC, OP_R, 1, 20);	/* outside the extent */
	fba_emit(&p, RD, 0, BS, DATA);
	fba_expect_fp(e, bad);
	assert_int_equal(e->mem[DATA], 0);	/* later CCWs did not run */
	env_free(e);
}

static void case_25_de_block_size_mismatch(void **state)
{
	struct env *e = fba_disk();
	struct prog p = fba_prog_new(e);
	uint32_t ccw;

	ccw = fba_emit_de(&p, 0, 0x40, 0, 0, 0);
	uvf_css_put_be16(e->mem + PARM + 2, 4096);
	fba_expect_uc(e, ccw, UVF_CSS_SNS0_CMD_REJECT, UVF_CSS_SNS1_INV_BLKSZ);
	env_free(e);
}

static void case_26_read_ipl_then_locate(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);

	fba_emit(&p, UVF_CSS_FBA_READ_IPL, CC | SLI, BS, DATA);
	fba_emit_loc(&p, CC, OP_R, 1, 1);
	fba_emit(&p, RD, 0, BS, DATA + BS);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	fba_assert_block(e->mem + DATA, 0, BS);
	fba_assert_block(e->mem + DATA + BS, 1, BS);

	/* zipl stage 0: Read IPL -> TIC -> Locate -> Read, no DE. */
	memset(e->mem + DATA, 0, 2 * BS);
	p = fba_prog_new(e);
	fba_emit(&p, UVF_CSS_FBA_READ_IPL, CC | SLI, 24, DATA);
	fba_emit(&p, UVF_CSS_CMD_TIC, 0, 0, PROG + 0x80);
	p.at = PROG + 0x80;
	fba_emit_loc(&p, CC, OP_R, 1, 7);
	fba_emit(&p, RD, SLI, BS, DATA + BS);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	fba_assert_block(e->mem + DATA, 0, 24);
	fba_assert_block(e->mem + DATA + BS, 7, BS);

	/* Our choice: a Read right after Read IPL reads block 1. */
	memset(e->mem + DATA, 0, 2 * BS);
	p = fba_prog_new(e);
	fba_emit(&p, UVF_CSS_FBA_READ_IPL, CC, BS, DATA);
	fba_emit(&p, RD, 0, BS, DATA + BS);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	fba_assert_block(e->mem + DATA + BS, 1, BS);
	env_free(e);
}

static void case_27_unknown_command(void **state)
{
	static const uint8_t codes[] = { 0x1F, 0x0C, 0x14, 0x94, 0xB4, 0xAF };
	struct env *e = fba_disk();
	struct prog p;
	unsigned i;

	for (i = 0; i < sizeof(codes); i++) {
		p = fba_prog_new(e);
		fba_emit(&p, codes[i], SLI, 24, DATA);
		fba_expect_cr(e, PROG);
	}
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(case_01_sense_id),
		cmocka_unit_test(case_02_rdc_32_bytes),
		cmocka_unit_test(case_03_rdc_16_bytes_is_il),
		cmocka_unit_test(case_04_noop),
		cmocka_unit_test(case_05_read_41),
		cmocka_unit_test(case_06_read_write_42),
		cmocka_unit_test(case_07_ida_above_2g),
		cmocka_unit_test(case_08_discard),
		cmocka_unit_test(case_09_write_count_0_zero_fills),
		cmocka_unit_test(case_10_locate_without_de),
		cmocka_unit_test(case_11_two_des),
		cmocka_unit_test(case_12_short_parameters),
		cmocka_unit_test(case_13_bad_masks),
		cmocka_unit_test(case_14_extent_outside_device),
		cmocka_unit_test(case_15_locate_outside_extent),
		cmocka_unit_test(case_16_bad_locate),
		cmocka_unit_test(case_17_write_under_read_mask),
		cmocka_unit_test(case_18_read_without_locate),
		cmocka_unit_test(case_19_operation_class_mismatch),
		cmocka_unit_test(case_20_read_longer_than_located),
		cmocka_unit_test(case_21_read_shorter_than_located),
		cmocka_unit_test(case_22_short_write_zero_fills),
		cmocka_unit_test(case_23_sense_after_reject),
		cmocka_unit_test(case_24_failing_ccw_mid_chain),
		cmocka_unit_test(case_25_de_block_size_mismatch),
		cmocka_unit_test(case_26_read_ipl_then_locate),
		cmocka_unit_test(case_27_unknown_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
