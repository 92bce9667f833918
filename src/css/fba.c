/* SPDX-License-Identifier: MIT */
/*
 * css/fba.c - the FBA DASD command set (fba-disk.md §2, §3) behind a
 * subchannel: a 9336-10 on a 6310 control unit.
 *
 * All state below is touched only by the ops, i.e. only on the owning
 * subchannel's worker, so it needs no lock.  The per-chain state (extent,
 * locate, previous command) is reset by chain_start, halt and clear; sense
 * survives into the next program (cio fetches it with a separate SENSE) and
 * is reset by the next command other than SENSE, or by clear.
 */
#include "css/fba-image.h"
#include "uvfio/css.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Blocks moved per backend I/O and per channel transfer. */
#define CHUNK_BYTES	(64u * 1024)

/* Define Extent file mask (fba-disk.md §2.3). */
#define MASK_WRITE_BITS	0xC0
#define MASK_INHIBIT_ALL	0x40
#define MASK_PERMIT_ALL	0xC0
#define MASK_RESERVED_WR	0x80
#define MASK_CE_AREA	0x08
#define MASK_RSVD	0x33

struct uvf_css_fba {
	struct uvf_css_fba_image img;
	uint8_t mode;			/* RDC byte 0 */
	uint8_t sense[UVF_CSS_SENSE_LEN];
	uint8_t *buf;			/* CHUNK_BYTES */

	/* per-chain state */
	bool extent_defined;
	uint8_t mask;
	uint32_t ext_locator, ext_first, ext_last;
	bool located;
	uint8_t op;
	uint32_t loc_block;		/* physical */
	uint32_t loc_count;
	uint8_t prev_cmd;		/* 0: none yet in this chain */
};

static void reset_chain(struct uvf_css_fba *fba)
{
	fba->extent_defined = false;
	fba->located = false;
	fba->prev_cmd = 0;
}

static uint8_t unit_check(struct uvf_css_fba *fba, uint8_t s0, uint8_t s1)
{
	memset(fba->sense, 0, sizeof(fba->sense));
	fba->sense[0] = s0;
	fba->sense[1] = s1;
	return UVF_CSS_DS_CE | UVF_CSS_DS_DE | UVF_CSS_DS_UC;
}

static uint8_t reject(struct uvf_css_fba *fba)
{
	return unit_check(fba, UVF_CSS_SNS0_CMD_REJECT, 0);
}

/* Our convention for range and write-mask violations: command reject
 * qualified by "file protected" (see uvfio/css.h). */
static uint8_t file_protected(struct uvf_css_fba *fba)
{
	return unit_check(fba, UVF_CSS_SNS0_CMD_REJECT,
			  UVF_CSS_SNS1_FILE_PROT);
}

static uint8_t io_error(struct uvf_css_fba *fba, enum uvf_css_fba_io e)
{
	switch (e) {
	case UVF_CSS_FBA_IO_INJECTED:
		return unit_check(fba, UVF_CSS_SNS0_DATA_CHK, 0);
	case UVF_CSS_FBA_IO_INJECTED_PERM:
		return unit_check(fba, UVF_CSS_SNS0_DATA_CHK,
				  UVF_CSS_SNS1_PERM_ERR);
	default:
		return unit_check(fba, UVF_CSS_SNS0_EQUIP_CHK,
				  UVF_CSS_SNS1_PERM_ERR);
	}
}

#define OK	(UVF_CSS_DS_CE | UVF_CSS_DS_DE)

/* ---- parameter and identification commands ------------------------------ */

static uint8_t sense_id(struct uvf_css_xfer *x)
{
	static const uint8_t id[7] = { 0xFF, 0x63, 0x10, 0x01, 0x93, 0x36, 0x00 };

	uvf_css_xfer_to_storage(x, id, sizeof(id));
	return OK;
}

static uint8_t rdc(struct uvf_css_fba *fba, struct uvf_css_xfer *x)
{
	uint8_t c[32] = { 0 };

	c[0] = fba->mode;
	c[1] = 0x08;		/* movable access mechanism */
	c[2] = 0x21;		/* device class */
	c[3] = 0x11;		/* unit type 9336 */
	uvf_css_put_be16(c + 4, (uint16_t)fba->img.blksize);
	uvf_css_put_be32(c + 6, 63);	/* blocks per cyclical group */
	uvf_css_put_be32(c + 10, 315);	/* blocks per access position */
	uvf_css_put_be32(c + 14, fba->img.blocks);
	uvf_css_xfer_to_storage(x, c, sizeof(c));
	return OK;
}

static uint8_t sense(struct uvf_css_fba *fba, struct uvf_css_xfer *x)
{
	uvf_css_xfer_to_storage(x, fba->sense, sizeof(fba->sense));
	memset(fba->sense, 0, sizeof(fba->sense));
	return OK;
}

static uint8_t define_extent(struct uvf_css_fba *fba, struct uvf_css_xfer *x)
{
	uint8_t de[16];
	uint32_t locator, first, last;
	uint8_t mask;
	long n;

	n = uvf_css_xfer_from_storage(x, de, sizeof(de));
	if (n < 0)
		return OK;	/* the channel reports its check */
	if (n < (long)sizeof(de) || fba->extent_defined)
		return reject(fba);
	mask = de[0];
	if ((mask & MASK_WRITE_BITS) == MASK_RESERVED_WR ||
	    (mask & (MASK_CE_AREA | MASK_RSVD)))
		return reject(fba);
	if (uvf_css_get_be16(de + 2) != fba->img.blksize)
		return unit_check(fba, UVF_CSS_SNS0_CMD_REJECT,
				  UVF_CSS_SNS1_INV_BLKSZ);
	locator = uvf_css_get_be32(de + 4);
	first = uvf_css_get_be32(de + 8);
	last = uvf_css_get_be32(de + 12);
	/* The extent must fit on the device. */
	if (last < first || locator > fba->img.blocks ||
	    (uint64_t)last - first >= (uint64_t)fba->img.blocks - locator)
		return reject(fba);
	fba->extent_defined = true;
	fba->mask = mask;
	fba->ext_locator = locator;
	fba->ext_first = first;
	fba->ext_last = last;
	return OK;
}

static bool op_is_read(uint8_t op)
{
	return op == UVF_CSS_FBA_OP_READ || op == UVF_CSS_FBA_OP_READ_REPL;
}

static bool op_is_write(uint8_t op)
{
	return op == UVF_CSS_FBA_OP_WRITE || op == UVF_CSS_FBA_OP_WRITE_VERIFY ||
	       op == UVF_CSS_FBA_OP_FORMAT;
}

static uint8_t locate(struct uvf_css_fba *fba, struct uvf_css_xfer *x)
{
	uint8_t lo[8], op;
	uint32_t count, bn;
	long n;

	fba->located = false;
	n = uvf_css_xfer_from_storage(x, lo, sizeof(lo));
	if (n < 0)
		return OK;
	if (n < (long)sizeof(lo) || !fba->extent_defined)
		return reject(fba);
	/* 0xE0 reserved; 0x10 ("suppress") ignored, as Hercules does. */
	op = lo[0] & 0x0F;
	count = uvf_css_get_be16(lo + 2);
	bn = uvf_css_get_be32(lo + 4);
	if ((lo[0] & 0xE0) || !(op_is_read(op) || op_is_write(op)) || !count)
		return reject(fba);
	if (op == UVF_CSS_FBA_OP_READ_REPL && (!lo[1] || lo[1] % count))
		return reject(fba);
	if ((op == UVF_CSS_FBA_OP_FORMAT &&
	     (fba->mask & MASK_WRITE_BITS) != MASK_PERMIT_ALL) ||
	    (op_is_write(op) &&
	     (fba->mask & MASK_WRITE_BITS) == MASK_INHIBIT_ALL))
		return file_protected(fba);
	if (bn < fba->ext_first || bn > fba->ext_last ||
	    (uint64_t)bn + count - 1 > fba->ext_last)
		return file_protected(fba);
	fba->located = true;
	fba->op = op;
	fba->loc_block = fba->ext_locator + (bn - fba->ext_first);
	fba->loc_count = count;
	return OK;
}

/* ---- data commands ------------------------------------------------------ */

/* Stream count blocks from block to storage; stop when the channel's
 * counts run out (it then indicates incorrect length unless suppressed). */
static uint8_t read_blocks(struct uvf_css_fba *fba, struct uvf_css_xfer *x,
			   uint32_t block, uint32_t count)
{
	uint32_t per = CHUNK_BYTES / fba->img.blksize, n;
	enum uvf_css_fba_io e;
	size_t bytes;
	long moved;

	while (count) {
		n = count < per ? count : per;
		bytes = (size_t)n * fba->img.blksize;
		e = uvf_css_fba_image_read(&fba->img, block, n, fba->buf);
		if (e != UVF_CSS_FBA_IO_OK)
			return io_error(fba, e);
		moved = uvf_css_xfer_to_storage(x, fba->buf, bytes);
		if (moved < (long)bytes)
			break;
		block += n;
		count -= n;
	}
	return OK;
}

/*
 * Take count blocks from storage and write them.  When the channel runs
 * out of data the partial block is padded with zeros and every further
 * located block is written as zeros (fba-disk.md §2.5; count 0 zero-fills
 * all).  The writes are flushed before the status is returned.
 */
static uint8_t write_blocks(struct uvf_css_fba *fba, struct uvf_css_xfer *x,
			    uint32_t block, uint32_t count)
{
	uint32_t per = CHUNK_BYTES / fba->img.blksize, n;
	enum uvf_css_fba_io e;
	bool zeros = false;
	size_t bytes;
	long got;

	while (count) {
		n = count < per ? count : per;
		bytes = (size_t)n * fba->img.blksize;
		if (zeros) {
			e = uvf_css_fba_image_write(&fba->img, block, n, NULL);
		} else {
			got = uvf_css_xfer_from_storage(x, fba->buf, bytes);
			if (got < 0)
				break;	/* channel check: write nothing more */
			if ((size_t)got < bytes) {
				memset(fba->buf + got, 0, bytes - (size_t)got);
				zeros = true;
			}
			e = uvf_css_fba_image_write(&fba->img, block, n,
						    fba->buf);
		}
		if (e != UVF_CSS_FBA_IO_OK)
			return io_error(fba, e);
		block += n;
		count -= n;
	}
	e = uvf_css_fba_image_flush(&fba->img);
	if (e != UVF_CSS_FBA_IO_OK)
		return io_error(fba, e);
	return OK;
}

static uint8_t data_command(struct uvf_css_fba *fba, uint8_t cmd,
			    struct uvf_css_xfer *x)
{
	bool write = cmd == UVF_CSS_FBA_WRITE;
	bool after_locate = fba->prev_cmd == UVF_CSS_FBA_LOCATE ||
			    (!write && fba->prev_cmd == UVF_CSS_FBA_READ_IPL);

	/* Must directly follow a Locate of the matching class; a second
	 * Read/Write needs a new Locate. */
	if (!after_locate || !fba->located ||
	    (write ? !op_is_write(fba->op) : !op_is_read(fba->op)))
		return reject(fba);
	fba->located = false;
	return write ? write_blocks(fba, x, fba->loc_block, fba->loc_count) :
		       read_blocks(fba, x, fba->loc_block, fba->loc_count);
}

static uint8_t read_ipl(struct uvf_css_fba *fba, struct uvf_css_xfer *x)
{
	uint8_t status;

	/* Implicit extent: the whole device, mask 0 (fba-disk.md §2.7). */
	fba->extent_defined = true;
	fba->mask = 0;
	fba->ext_locator = 0;
	fba->ext_first = 0;
	fba->ext_last = fba->img.blocks - 1;
	status = read_blocks(fba, x, 0, 1);
	/* Our choice: a Read right after Read IPL continues with block 1. */
	fba->located = fba->img.blocks > 1;
	fba->op = UVF_CSS_FBA_OP_READ;
	fba->loc_block = 1;
	fba->loc_count = 1;
	return status;
}

/* ---- ops ---------------------------------------------------------------- */

static uint8_t fba_exec(void *dev, uint8_t cmd, struct uvf_css_xfer *x)
{
	struct uvf_css_fba *fba = dev;
	uint8_t status;

	/* Contingent allegiance ends with the next command but SENSE. */
	if (cmd != UVF_CSS_CMD_SENSE)
		memset(fba->sense, 0, sizeof(fba->sense));

	switch (cmd) {
	case UVF_CSS_CMD_NOOP:
		status = OK;
		break;
	case UVF_CSS_CMD_SENSE:
		status = sense(fba, x);
		break;
	case UVF_CSS_CMD_SENSE_ID:
		status = sense_id(x);
		break;
	case UVF_CSS_FBA_RDC:
		status = rdc(fba, x);
		break;
	case UVF_CSS_FBA_DEFINE_EXT:
		status = define_extent(fba, x);
		break;
	case UVF_CSS_FBA_LOCATE:
		status = locate(fba, x);
		break;
	case UVF_CSS_FBA_READ:
	case UVF_CSS_FBA_WRITE:
		status = data_command(fba, cmd, x);
		break;
	case UVF_CSS_FBA_READ_IPL:
		status = read_ipl(fba, x);
		break;
	default:
		/* Sense PGID, reserve/release, unknown codes. */
		status = reject(fba);
		break;
	}
	fba->prev_cmd = cmd;
	return status;
}

static void fba_chain_start(void *dev)
{
	reset_chain(dev);
}

static size_t fba_take_sense(void *dev, uint8_t *buf, size_t len)
{
	struct uvf_css_fba *fba = dev;
	size_t n = len < sizeof(fba->sense) ? len : sizeof(fba->sense);

	memcpy(buf, fba->sense, n);
	memset(fba->sense, 0, sizeof(fba->sense));
	return n;
}

static void fba_halt(void *dev)
{
	reset_chain(dev);
}

static void fba_clear(void *dev)
{
	struct uvf_css_fba *fba = dev;

	reset_chain(fba);
	memset(fba->sense, 0, sizeof(fba->sense));
}

static void fba_destroy(void *dev)
{
	uvf_css_fba_close(dev);
}

const struct uvf_css_devops uvf_css_fba_ops = {
	.version = UVF_CSS_DEVOPS_VERSION,
	.chain_start = fba_chain_start,
	.exec = fba_exec,
	.take_sense = fba_take_sense,
	.halt = fba_halt,
	.clear = fba_clear,
	.destroy = fba_destroy,
};

int uvf_css_fba_open(const struct uvf_css_fba_config *cfg,
		     struct uvf_css_fba **out)
{
	struct uvf_css_fba *fba;
	int ret;

	if (!cfg->path || !cfg->blocks ||
	    (cfg->blksize != 512 && cfg->blksize != 1024 &&
	     cfg->blksize != 2048 && cfg->blksize != 4096))
		return -EINVAL;
	fba = calloc(1, sizeof(*fba));
	if (!fba)
		return -ENOMEM;
	fba->buf = malloc(CHUNK_BYTES);
	if (!fba->buf) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = uvf_css_fba_image_open(&fba->img, cfg->path, cfg->blocks,
				     cfg->blksize);
	if (ret)
		goto err_free;
	fba->mode = cfg->no_data_chaining ? 0x00 : 0x30;
	*out = fba;
	return 0;

err_free:
	free(fba->buf);
	free(fba);
	return ret;
}

void uvf_css_fba_close(struct uvf_css_fba *fba)
{
	if (!fba)
		return;
	uvf_css_fba_image_close(&fba->img);
	free(fba->buf);
	free(fba);
}

int uvf_css_fba_fail_io(struct uvf_css_fba *fba, unsigned nth, bool persist)
{
	uvf_css_fba_image_fail(&fba->img, nth, persist);
	return 0;
}

unsigned long uvf_css_fba_io_count(struct uvf_css_fba *fba)
{
	return uvf_css_fba_image_ios(&fba->img);
}
