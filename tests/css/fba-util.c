/* SPDX-License-Identifier: MIT */
/*
 * tests/css/fba-util.c - FBA test helpers (see fba-util.h).
 */
#include "fba-util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- program builder ---------------------------------------------------- */

struct prog fba_prog_new(struct env *e)
{
	return (struct prog){ .e = e, .at = PROG, .parm = PARM };
}

/* Append a CCW; returns its address. */
uint32_t fba_emit(struct prog *p, uint8_t cmd, uint8_t flags,
		  uint16_t count, uint32_t cda)
{
	put_ccw1(p->e, p->at, cmd, flags, count, cda);
	p->at += 8;
	return p->at - 8;
}

uint32_t fba_emit_de(struct prog *p, uint8_t flags, uint8_t mask,
		     uint32_t locator, uint32_t first, uint32_t last)
{
	fba_put_de(p->e, p->parm, mask, BS, locator, first, last);
	p->parm += 16;
	return fba_emit(p, DE, flags, 16, p->parm - 16);
}

uint32_t fba_emit_loc(struct prog *p, uint8_t flags, uint8_t op,
		      uint16_t count, uint32_t block)
{
	fba_put_locate(p->e, p->parm, op, count, block);
	p->parm += 8;
	return fba_emit(p, LOC, flags, 8, p->parm - 8);
}

/* ---- image access ------------------------------------------------------- */

uint8_t fba_pat(uint32_t block, unsigned i)
{
	return (uint8_t)((block * 31 + i) ^ 0x5A) | 1;
}

void fba_image_fill(struct env *e, uint32_t first, uint32_t n,
		    uint32_t bs)
{
	uint8_t *buf = malloc(bs);
	int fd = open(e->image, O_WRONLY | O_CLOEXEC);
	uint32_t b, i;

	assert_non_null(buf);
	assert_true(fd >= 0);
	for (b = first; b < first + n; b++) {
		for (i = 0; i < bs; i++)
			buf[i] = fba_pat(b, i);
		assert_int_equal(pwrite(fd, buf, bs, (off_t)b * bs), bs);
	}
	close(fd);
	free(buf);
}

void fba_image_read(struct env *e, uint32_t block, uint8_t *buf,
		    uint32_t len)
{
	int fd = open(e->image, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)block * BS), len);
	close(fd);
}

bool fba_block_is(struct env *e, uint32_t block, bool zero)
{
	uint8_t buf[BS];
	unsigned i;

	fba_image_read(e, block, buf, BS);
	for (i = 0; i < BS; i++)
		if (buf[i] != (zero ? 0 : fba_pat(block, i)))
			return false;
	return true;
}

void fba_assert_block(const uint8_t *p, uint32_t block,
		      unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (p[i] != fba_pat(block, i))
			fail_msg("block %u byte %u: %#x != %#x", block, i, p[i],
				 fba_pat(block, i));
}

/* ---- status helpers ----------------------------------------------------- */

/* Run a SENSE program (count 32, SLI) and return the 24 bytes stored. */
const uint8_t *fba_sense(struct env *e)
{
	struct uvf_css_irb irb;

	memset(e->mem + SNSD, 0xEE, 32);
	put_ccw1(e, SNSP, UVF_CSS_CMD_SENSE, SLI, 32, SNSD);
	run(e, SNSP, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_count(&irb, 8);
	return e->mem + SNSD;
}

/* The program at PROG ends with unit check at ccw, sense s0/s1. */
void fba_expect_uc(struct env *e, uint32_t ccw, uint8_t s0, uint8_t s1)
{
	struct uvf_css_irb irb;
	const uint8_t *s;

	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, UC_END, 0);
	assert_cpa(&irb, ccw + 8);
	s = fba_sense(e);
	assert_int_equal(s[0], s0);
	assert_int_equal(s[1], s1);
	assert_int_equal(s[2], 0);
}


struct env *fba_disk(void)
{
	struct env *e = env_new_fba(BLOCKS, BS, false);

	fba_image_fill(e, 0, 128, BS);
	return e;
}

/* §4.1: DE, Locate(n), n data CCWs of one block, all but the last DC. */
void fba_program_41(struct env *e, bool write, uint32_t first,
		    uint16_t n, uint32_t buf)
{
	struct prog p = fba_prog_new(e);
	unsigned i;

	fba_emit_de(&p, CC, write ? 0x00 : 0x40, first, 0, n - 1u);
	fba_emit_loc(&p, CC, write ? OP_W : OP_R, n, 0);
	for (i = 0; i < n; i++)
		fba_emit(&p, write ? WR : RD, i + 1u < n ? CD : 0, BS,
			 buf + BS * i);
}

/* §4.2: DE, then Locate(1)+Read/Write pairs, command-chained. */
void fba_program_42(struct env *e, bool write, uint32_t first,
		    uint16_t n, uint32_t buf)
{
	struct prog p = fba_prog_new(e);
	unsigned i;

	fba_emit_de(&p, CC, write ? 0x00 : 0x40, first, 0, n - 1u);
	for (i = 0; i < n; i++) {
		fba_emit_loc(&p, CC, write ? OP_W : OP_R, 1, i);
		fba_emit(&p, write ? WR : RD, i + 1u < n ? CC : 0, BS,
			 buf + BS * i);
	}
}
