/* SPDX-License-Identifier: MIT */
/*
 * tests/css/fba-util.h - FBA channel-program builders, image access and
 * status checks shared by the FBA disk tests.
 *
 * Our "file protected" convention (uvfio/css.h): range and write-mask
 * violations are unit check with sense byte 0 = 0x80 and byte 1 = 0x04.
 */
#ifndef UVF_TEST_CSS_FBA_UTIL_H
#define UVF_TEST_CSS_FBA_UTIL_H

#include "helpers.h"

#define PROG	0x1000u
#define PARM	0x4000u		/* parameter blocks */
#define SNSP	0x6000u		/* the SENSE program */
#define SNSD	0x6100u		/* sense data */
#define DATA	0x10000u
#define HIGH	0x100000000ull

#define BLOCKS	1024u
#define BS	512u

#define CC	UVF_CSS_CCW_CC
#define CD	UVF_CSS_CCW_CD
#define SLI	UVF_CSS_CCW_SLI
#define IDA	UVF_CSS_CCW_IDA
#define UC_END	(CE_DE | UVF_CSS_DS_UC)
#define DE	UVF_CSS_FBA_DEFINE_EXT
#define LOC	UVF_CSS_FBA_LOCATE
#define RD	UVF_CSS_FBA_READ
#define WR	UVF_CSS_FBA_WRITE
#define OP_R	UVF_CSS_FBA_OP_READ
#define OP_W	UVF_CSS_FBA_OP_WRITE_VERIFY

/* A program being built at PROG, parameter blocks at PARM. */
struct prog {
	struct env *e;
	uint32_t at;
	uint32_t parm;
};

struct prog fba_prog_new(struct env *e);
uint32_t fba_emit(struct prog *p, uint8_t cmd, uint8_t flags,
		  uint16_t count, uint32_t cda);
uint32_t fba_emit_de(struct prog *p, uint8_t flags, uint8_t mask,
		     uint32_t locator, uint32_t first, uint32_t last);
uint32_t fba_emit_loc(struct prog *p, uint8_t flags, uint8_t op,
		      uint16_t count, uint32_t block);
uint8_t fba_pat(uint32_t block, unsigned i);
void fba_image_fill(struct env *e, uint32_t first, uint32_t n,
		    uint32_t bs);
void fba_image_read(struct env *e, uint32_t block, uint8_t *buf,
		    uint32_t len);
bool fba_block_is(struct env *e, uint32_t block, bool zero);
void fba_assert_block(const uint8_t *p, uint32_t block,
		      unsigned n);
const uint8_t *fba_sense(struct env *e);
void fba_expect_uc(struct env *e, uint32_t ccw, uint8_t s0, uint8_t s1);
struct env *fba_disk(void);
void fba_program_41(struct env *e, bool write, uint32_t first,
		    uint16_t n, uint32_t buf);
void fba_program_42(struct env *e, bool write, uint32_t first,
		    uint16_t n, uint32_t buf);

/* The program at PROG ends with command reject / "file protected" at ccw. */
#define fba_expect_cr(e, ccw) \
	fba_expect_uc(e, ccw, UVF_CSS_SNS0_CMD_REJECT, 0)
#define fba_expect_fp(e, ccw) \
	fba_expect_uc(e, ccw, UVF_CSS_SNS0_CMD_REJECT, UVF_CSS_SNS1_FILE_PROT)

#endif
