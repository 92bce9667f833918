/* SPDX-License-Identifier: MIT */
/*
 * fuzz/ccw/fuzz-cp.c - random guest programs in random guest maps, through
 * the channel-program translator, executed in a css; differential against
 * native execution (tests/ccw/test_cp_harness.c).
 *
 * Properties checked, any violation aborts:
 *  - no crash, no access outside the guest maps: each map copy is its own
 *    heap block (ASan redzones), the css reaches guest memory only through
 *    windows of exactly those maps, and host CCWs/IDALs live in the arena;
 *  - a refusal leaves nothing behind: no arena block, no live program, guest
 *    memory untouched;
 *  - an accepted program ends with the same status (intermediate statuses
 *    and PCI bits masked: their number is timing), the same device log or
 *    disk image and the same guest memory as the native run; every CPA
 *    translates back;
 *  - after the last put the arena is empty.
 * Known, documented deviations are not reported: self-modifying programs
 * (the copy is made at the start), and a CCW or IDAW fetched from a map that
 * forbids reading (program check here, protection check natively).
 *
 * Input:
 *   0      ORB ctl low byte (F P I A U B H T)
 *   1      ORB ctl high byte (key, S, C, M, Y)
 *   2      ORB LPM (0 -> 0xFF on both sides: the translator's rule)
 *   3      options: 0x01 FBA disk (else the test device), 0x02 ORB byte 7
 *          from byte 8, bits 4-7 seed of the test device's behaviour
 *   4-7    ORB CPA (big-endian)
 *   8      number of maps - 1 (low 2 bits); ORB byte 7 with option 0x02
 *   9..    per map: 5-byte address (BE), 2-byte length - 1 (mod 16384),
 *          1-byte prot (low 2 bits)
 *   rest   contents of the maps, in order (zeros when input runs out)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_cp_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cph *hs[2];	/* test device, FBA disk */

/* Outcomes, printed at exit: a run that compares nothing proves nothing. */
static unsigned long n_refused, n_compared, n_selfmod, n_deviation;

static void print_stats(void)
{
	fprintf(stderr, "fuzz-ccw-cp: %lu refused, %lu compared equal, "
		"%lu self-modifying (skipped), %lu known fetch deviations\n",
		n_refused, n_compared, n_selfmod, n_deviation);
}

static struct cph *fixture(unsigned which)
{
	struct cph_td_cfg cfg;
	struct cph_opts o = { .wait_ms = 2000 };

	if (hs[which])
		return hs[which];
	if (!hs[0] && !hs[1])
		atexit(print_stats);
	cph_td_hashed(&cfg, 0);
	o.td = &cfg;
	if (which) {
		o.fba = true;
		o.fba_blocks = 64;
		o.fba_blksize = 512;
	}
	hs[which] = cph_new(&o);
	if (!hs[which])
		abort();
	return hs[which];
}

static void arena_empty_or_die(struct cph *h, const char *when)
{
	struct uvf_ccw_arena_stats st;

	uvf_ccw_arena_stats(h->arena, &st);
	if (st.blocks || st.used || uvf_ccw_cp_live(h->arena)) {
		fprintf(stderr, "%s: arena not empty (%u blocks)\n", when,
			st.blocks);
		abort();
	}
}

/* Snapshot of the guest bytes the translator read (CCWs, IDALs). */
struct snap {
	uint8_t *buf;
	size_t len;
};

static void snap_take(struct cph *h, struct snap *s)
{
	size_t off = 0;
	unsigned i;

	s->len = 0;
	for (i = 0; i < h->nreads; i++)
		s->len += h->reads[i].len;
	s->buf = malloc(s->len ? s->len : 1);
	if (!s->buf)
		abort();
	for (i = 0; i < h->nreads; i++) {
		memcpy(s->buf + off, cph_ref(h, h->reads[i].gaddr,
					     h->reads[i].len),
		       h->reads[i].len);
		off += h->reads[i].len;
	}
}

/* Did the native run store into what was copied? */
static bool snap_changed(struct cph *h, const struct snap *s)
{
	size_t off = 0;
	unsigned i;

	for (i = 0; i < h->nreads; i++) {
		if (memcmp(s->buf + off, cph_ref(h, h->reads[i].gaddr,
						 h->reads[i].len),
			   h->reads[i].len))
			return true;
		off += h->reads[i].len;
	}
	return false;
}

static bool readable(struct cph *h, uint64_t gaddr)
{
	unsigned i;

	for (i = 0; i < h->nmaps; i++)
		if (gaddr >= h->maps[i].iova &&
		    gaddr - h->maps[i].iova < h->maps[i].len)
			return h->maps[i].prot & UVF_CSS_PROT_READ;
	return false;
}

/* Does [a, a+len) touch a map the channel may not read? */
static bool touches_unreadable(struct cph *h, uint64_t a, uint64_t len)
{
	unsigned i;

	for (i = 0; i < h->nmaps; i++)
		if (!(h->maps[i].prot & UVF_CSS_PROT_READ) &&
		    a < h->maps[i].iova + h->maps[i].len &&
		    h->maps[i].iova < a + len)
			return true;
	return false;
}

/*
 * Protection check natively, program check translated, at the same CCW,
 * which lies in a map the channel may not read, or whose IDAL does: the
 * documented deviation (a fetch from the translator's copy cannot fail
 * with a protection check).
 */
static bool known_fetch_deviation(struct cph *h, const uint8_t orb[12],
				  const struct cph_run *ref,
				  const struct cph_run *tr)
{
	const struct uvf_css_irb *a, *b;
	const uint8_t *ccw;
	uint32_t cpa, cda;
	uint8_t flags;

	if (!ref->nirb || !tr->nirb)
		return false;
	a = &ref->irb[ref->nirb - 1];
	b = &tr->irb[tr->nirb - 1];
	cpa = uvf_css_scsw_cpa(&a->scsw);
	if (!(a->scsw.cstat & UVF_CSS_CS_PROT) ||
	    !(b->scsw.cstat & UVF_CSS_CS_PROG) ||
	    cpa != uvf_css_scsw_cpa(&b->scsw) || cpa < 8)
		return false;
	/* The CCW itself lies (partly) in storage the channel may not read. */
	if (!readable(h, cpa - 8) || touches_unreadable(h, cpa - 8, 8))
		return true;
	ccw = cph_ref(h, cpa - 8, 8);
	if (!ccw)
		return false;
	if (orb[5] & UVF_CSS_ORB_F) {
		flags = ccw[1];
		cda = uvf_css_get_be32(ccw + 4);
	} else {
		flags = ccw[4];
		cda = (uint32_t)ccw[1] << 16 | (uint32_t)ccw[2] << 8 | ccw[3];
	}
	/* At most 33 IDAWs of at most 8 bytes per CCW. */
	return (flags & UVF_CSS_CCW_IDA) && touches_unreadable(h, cda, 33 * 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uvf_ccw_cp_env env;
	struct cph_run ref, tr;
	struct uvf_css_orb horb;
	struct uvf_ccw_cp *cp = NULL;
	struct snap snap;
	struct cph *h;
	uint8_t orb[12];
	unsigned n, i;
	size_t pos, j;
	char why[400];
	int ret;

	if (size < 9)
		return 0;
	h = fixture(data[3] & 1);
	cph_reset_devices(h);
	cph_td_hashed(&h->ref.td.cfg, data[3] >> 4);
	h->tr.td.cfg = h->ref.td.cfg;

	memset(orb, 0, sizeof(orb));
	orb[0] = 0x12;
	orb[4] = data[1];
	orb[5] = data[0];
	orb[6] = data[2] ? data[2] : 0xFF;
	orb[7] = (data[3] & 2) ? data[8] : 0;
	memcpy(orb + 8, data + 4, 4);

	n = (data[8] & 3) + 1;
	pos = 9;
	for (i = 0; i < n && pos + 8 <= size; i++, pos += 8) {
		const uint8_t *d = data + pos;
		uint64_t addr = (uint64_t)d[0] << 32 | uvf_css_get_be32(d + 1);
		size_t len = uvf_css_get_be16(d + 5) % 16384 + 1;

		(void)cph_map(h, addr, len, d[7] & 3);	/* overlaps: skipped */
	}
	for (i = 0; i < h->nmaps; i++) {
		struct cph_map *m = &h->maps[i];

		for (j = 0; j < m->len; j++)
			m->ref[j] = m->tr[j] = pos < size ? data[pos++] : 0;
	}

	env = cph_env(h);
	cph_reads_reset(h);
	ret = uvf_ccw_cp_build(orb, &env, &cp, &horb);
	if (ret) {
		n_refused++;
		arena_empty_or_die(h, "refusal");
		if (!cph_mem_equal(h, why, sizeof(why))) {
			fprintf(stderr, "refusal touched memory: %s\n", why);
			abort();
		}
		goto out;
	}
	snap_take(h, &snap);
	if (cph_run_ref(h, orb, &ref) || cph_run_tr(h, cp, &horb, &tr)) {
		fprintf(stderr, "a subchannel did not complete\n");
		abort();
	}
	uvf_ccw_cp_put(cp);
	arena_empty_or_die(h, "after put");
	if (tr.xlate_err) {
		fprintf(stderr, "CPA did not translate back\n");
		cph_dump_run("translated", &tr);
		abort();
	}
	if (snap_changed(h, &snap)) {
		n_selfmod++;
	} else if (!cph_compare(h, &ref, &tr, CPH_MASK_PCI, why,
				sizeof(why))) {
		n_compared++;
	} else if (known_fetch_deviation(h, orb, &ref, &tr)) {
		n_deviation++;
	} else {
		fprintf(stderr, "MISMATCH: %s\n", why);
		cph_dump_run("native", &ref);
		cph_dump_run("translated", &tr);
		abort();
	}
	free(snap.buf);
out:
	cph_unmap_all(h);
	return 0;
}
