/* SPDX-License-Identifier: MIT */
/*
 * fuzz/css/fuzz-exec.c - random channel programs against random storage
 * maps.  Every range is its own malloc'ed buffer, so ASan reports any
 * access outside registered storage; the buffers are unmapped and freed
 * right after each run, so an access after unmap is a use-after-free.
 *
 * Input:
 *   0      ORB ctl low byte (F P I A U B H T)
 *   1      ORB ctl high byte (key, S, C, M, Y)
 *   2      ORB LPM
 *   3      options: 0x01 FBA disk (else the scripted device),
 *                   0x02 HSCH after the first status, 0x04 CSENSE,
 *                   0x08 ORB byte 7 from byte 8 (else 0)
 *   4-7    ORB CPA (big-endian)
 *   8      number of ranges - 1 (low 2 bits); ORB byte 7 if 0x08 above
 *   9..    per range: 5-byte address (BE), 2-byte length - 1 (mod 8192),
 *          1-byte prot
 *   rest   contents of the ranges, in order (zeros when input runs out)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "uvfio/css.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A device whose behaviour is a function of the command code. */
static uint8_t dev_exec(void *dev, uint8_t cmd, struct uvf_css_xfer *x)
{
	uint8_t buf[4096];
	size_t n = (size_t)(cmd >> 4) * 257 % sizeof(buf) + 1;

	memset(buf, cmd, n);
	if (uvf_css_cmd_is_write(cmd) || uvf_css_cmd_is_control(cmd)) {
		if ((cmd & 0x30) == 0x30)
			return UVF_CSS_DS_CE | UVF_CSS_DS_DE | UVF_CSS_DS_SM;
		if ((cmd & 0xF0) == 0xF0)
			return UVF_CSS_DS_CE | UVF_CSS_DS_DE | UVF_CSS_DS_UC;
		uvf_css_xfer_from_storage(x, buf, n);
	} else {
		uvf_css_xfer_to_storage(x, buf, n);
	}
	return (cmd & 0xC0) == 0x40 ? UVF_CSS_DS_CE | UVF_CSS_DS_DE |
				      UVF_CSS_DS_UE :
				      UVF_CSS_DS_CE | UVF_CSS_DS_DE;
}

static void dev_nop(void *dev)
{
}

static size_t dev_sense(void *dev, uint8_t *buf, size_t len)
{
	memset(buf, 0x80, len < 24 ? len : 24);
	return len < 24 ? len : 24;
}

static const struct uvf_css_devops dev_ops = {
	.version = UVF_CSS_DEVOPS_VERSION,
	.chain_start = dev_nop,
	.exec = dev_exec,
	.take_sense = dev_sense,
	.halt = dev_nop,
	.clear = dev_nop,
};

static struct uvf_css *css;
static struct uvf_css_sch *sch_dev, *sch_fba;
static int efd_dev, efd_fba;

static void setup(void)
{
	struct uvf_css_sch_config cfg = { .devno = 1, .ops = &dev_ops };
	struct uvf_css_fba_config fcfg = { .blocks = 64, .blksize = 512 };
	struct uvf_css_fba *fba;
	char path[64];

	snprintf(path, sizeof(path), "/tmp/uvfio-fuzz-css-%d.img",
		 (int)getpid());
	fcfg.path = path;
	efd_dev = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	efd_fba = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd_dev < 0 || efd_fba < 0 || uvf_css_create(&css, 0) ||
	    uvf_css_sch_create(css, &cfg, &sch_dev) ||
	    uvf_css_fba_open(&fcfg, &fba))
		abort();
	unlink(path);		/* the open fd keeps it */
	cfg.schno = 1;
	cfg.devno = 2;
	cfg.ops = &uvf_css_fba_ops;
	cfg.dev = fba;
	if (uvf_css_sch_create(css, &cfg, &sch_fba))
		abort();
	uvf_css_sch_set_doorbell(sch_dev, efd_dev);
	uvf_css_sch_set_doorbell(sch_fba, efd_fba);
}

static void enable(struct uvf_css_sch *sch, bool csense)
{
	struct uvf_css_schib schib;

	uvf_css_stsch(sch, &schib);
	uvf_css_put_be16(schib.pmcw.flags, UVF_CSS_PMCW_DNV | UVF_CSS_PMCW_ENA);
	uvf_css_put_be32(schib.pmcw.chars, csense ? UVF_CSS_CHARS_CSENSE : 0);
	if (uvf_css_msch(sch, &schib) != 0)
		abort();
}

/* TSCH, waiting up to ms on the doorbell. */
static int wait_status(struct uvf_css_sch *sch, int efd,
		       struct uvf_css_irb *irb, int ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t v;

	for (;;) {
		if (uvf_css_tsch(sch, irb) == 0)
			return 0;
		if (ms <= 0 || poll(&pfd, 1, 1) < 0)
			return -ETIMEDOUT;
		if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			abort();
		ms--;
	}
}

struct range {
	uint64_t addr;
	uint8_t *buf;
	size_t len;
};

static void run(struct uvf_css_sch *sch, int efd, const struct uvf_css_orb *orb,
		bool halt)
{
	struct uvf_css_irb irb;
	int i, cc;

	if (uvf_css_ssch(sch, orb) != 0)
		return;
	for (i = 0; i < 16; i++) {
		if (wait_status(sch, efd, &irb, 20))
			break;
		if (uvf_css_scsw_is_final(&irb.scsw))
			return;
		if (uvf_css_scsw_ac(&irb.scsw) & UVF_CSS_AC_SUSPENDED)
			uvf_css_rsch(sch);
		if (halt && i == 0)
			uvf_css_hsch(sch);
	}
	/* Too long (a loop moving data): clear, which must complete. */
	cc = uvf_css_csch(sch);
	if (cc != 0)
		abort();
	for (i = 0; i < 1000; i++) {
		if (wait_status(sch, efd, &irb, 1000))
			abort();
		if (uvf_css_scsw_fc(&irb.scsw) == UVF_CSS_FC_CLEAR)
			return;
	}
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct range r[4];
	struct uvf_css_orb orb;
	struct uvf_css_sch *sch;
	unsigned n, i, nr = 0;
	size_t pos, j;
	int efd;

	if (!css)
		setup();
	if (size < 9)
		return 0;
	sch = (data[3] & 1) ? sch_fba : sch_dev;
	efd = (data[3] & 1) ? efd_fba : efd_dev;
	enable(sch, data[3] & 4);

	memset(&orb, 0, sizeof(orb));
	orb.ctl[0] = data[1];
	orb.ctl[1] = data[0];
	orb.lpm = data[2];
	orb.ctl2 = (data[3] & 8) ? data[8] : 0;
	memcpy(orb.cpa, data + 4, 4);

	n = (data[8] & 3) + 1;
	pos = 9;
	for (i = 0; i < n && pos + 8 <= size; i++, pos += 8) {
		const uint8_t *d = data + pos;
		uint64_t addr = (uint64_t)d[0] << 32 | uvf_css_get_be32(d + 1);
		size_t len = uvf_css_get_be16(d + 5) % 8192 + 1;

		r[nr].buf = malloc(len);
		if (!r[nr].buf)
			abort();
		r[nr].addr = addr;
		r[nr].len = len;
		if (uvf_css_mem_map(css, addr, r[nr].buf, len, d[7] & 3)) {
			free(r[nr].buf);
			continue;
		}
		nr++;
	}
	for (i = 0; i < nr; i++)
		for (j = 0; j < r[i].len; j++)
			r[i].buf[j] = pos < size ? data[pos++] : 0;

	run(sch, efd, &orb, data[3] & 2);

	for (i = 0; i < nr; i++) {
		if (uvf_css_mem_unmap(css, r[i].addr, r[i].len) != 1)
			abort();
		free(r[i].buf);
	}
	return 0;
}
