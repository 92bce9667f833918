/* SPDX-License-Identifier: MIT */
/*
 * core/dirty.c - device-side DMA dirty-page log (see core/dirty.h).
 *
 * One bit per log page, 64 pages per word, one word array per logged range
 * (all carved from one allocation).  Ranges are kept sorted so a mark or a
 * report finds its first range by binary search.
 *
 * Concurrency: words are only modified by atomic RMW operations.  mark ORs
 * with release order; report/clear take bits with acquire exchange or
 * fetch-and.  Each set bit is therefore removed by exactly one taker, and a
 * taker that removes a bit also sees the guest-memory write that preceded
 * the mark.
 */
#include "core/dirty.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef _Atomic uint64_t aword;

struct log_range {
	uint64_t iova;
	uint64_t last;		/* iova + length - 1; never wraps */
	aword *words;		/* ceil(pages / 64) words */
};

struct uvf_dirty_log {
	uint64_t page_size;
	unsigned shift;		/* log2(page_size) */
	unsigned nr;
	aword *bits;		/* backing store of every range's words */
	struct log_range r[];	/* sorted by iova, non-overlapping */
};

bool uvf_dirty_page_size_ok(uint64_t ps)
{
	return ps >= UVF_DIRTY_MIN_PAGE_SIZE && !(ps & (ps - 1));
}

static unsigned ilog2(uint64_t pow2)
{
	return (unsigned)__builtin_ctzll(pow2);
}

/* Bits of word w covering bit indices [lo, end); 0 if they miss it. */
static uint64_t word_bits(uint64_t w, uint64_t lo, uint64_t end)
{
	uint64_t base = w * 64, m = ~0ull;

	if (end <= base || lo >= base + 64)
		return 0;
	if (lo > base)
		m &= ~0ull << (lo - base);
	if (end < base + 64)
		m &= ~0ull >> (base + 64 - end);
	return m;
}

/* Set bits [k0, k1] of a private (non-atomic) report bitmap. */
static void set_bits(uint64_t *out, uint64_t k0, uint64_t k1)
{
	uint64_t w, w0 = k0 >> 6, w1 = k1 >> 6;

	out[w0] |= word_bits(w0, k0, k1 + 1);
	if (w0 == w1)
		return;
	for (w = w0 + 1; w < w1; w++)
		out[w] = ~0ull;
	out[w1] |= word_bits(w1, k0, k1 + 1);
}

/* OR the 64 bits of v into out starting at bit k (not necessarily
 * word-aligned).  The caller guarantees every set bit of v lands inside
 * the bitmap, so the second word is only touched when bits spill into it. */
static void place_bits(uint64_t *out, uint64_t k, uint64_t v)
{
	unsigned sh = k & 63;
	uint64_t *o = out + (k >> 6);

	o[0] |= v << sh;
	if (sh && (v >> (64 - sh)))
		o[1] |= v >> (64 - sh);
}

/* Index of the first range whose end is at or after addr (nr if none). */
static unsigned first_range(const struct uvf_dirty_log *log, uint64_t addr)
{
	unsigned lo = 0, hi = log->nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (log->r[mid].last < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- create / destroy ------------------------------------------------- */

static int cmp_range(const void *a, const void *b)
{
	const struct log_range *x = a, *y = b;

	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

int uvf_dirty_log_create(const struct uvf_iova_range *ranges,
			 unsigned num_ranges, uint64_t page_size,
			 size_t max_bytes, struct uvf_dirty_log **out)
{
	struct uvf_dirty_log *log;
	uint64_t words = 0, end;
	unsigned i, shift;
	int ret;

	if (!num_ranges || !ranges)
		return -EINVAL;
	if (num_ranges > UVF_VFIO_DMA_LOGGING_MAX_RANGES)
		return -E2BIG;
	if (!uvf_dirty_page_size_ok(page_size))
		return -EINVAL;
	shift = ilog2(page_size);

	/* Per-range checks in the order the kernel applies them. */
	for (i = 0; i < num_ranges; i++) {
		if (!ranges[i].length ||
		    ((ranges[i].iova | ranges[i].length) & (page_size - 1)))
			return -EINVAL;
		if (__builtin_add_overflow(ranges[i].iova, ranges[i].length,
					   &end))
			return -EOVERFLOW;
	}

	log = calloc(1, sizeof(*log) + num_ranges * sizeof(log->r[0]));
	if (!log)
		return -ENOMEM;
	log->page_size = page_size;
	log->shift = shift;
	log->nr = num_ranges;
	for (i = 0; i < num_ranges; i++) {
		log->r[i].iova = ranges[i].iova;
		log->r[i].last = ranges[i].iova + ranges[i].length - 1;
	}

	/* START may list ranges in any order; sorting makes the overlap
	 * check one comparison per neighbour and lets lookups bisect. */
	qsort(log->r, num_ranges, sizeof(log->r[0]), cmp_range);
	for (i = 1; i < num_ranges; i++) {
		if (log->r[i].iova <= log->r[i - 1].last) {
			ret = -EINVAL;
			goto err_free_log;
		}
	}

	/* At most 256 ranges of at most 2^46 words each: no overflow. */
	for (i = 0; i < num_ranges; i++) {
		uint64_t pages = ((log->r[i].last - log->r[i].iova) >> shift) + 1;

		words += (pages + 63) / 64;
	}
	if (words > max_bytes / sizeof(uint64_t)) {
		ret = -E2BIG;
		goto err_free_log;
	}

	/* calloc: a big log comes from fresh zero pages that cost nothing
	 * until a range is actually dirtied. */
	log->bits = calloc((size_t)words, sizeof(aword));
	if (!log->bits) {
		ret = -ENOMEM;
		goto err_free_log;
	}
	words = 0;
	for (i = 0; i < num_ranges; i++) {
		uint64_t pages = ((log->r[i].last - log->r[i].iova) >> shift) + 1;

		log->r[i].words = log->bits + words;
		words += (pages + 63) / 64;
	}

	*out = log;
	return 0;

err_free_log:
	free(log);
	return ret;
}

void uvf_dirty_log_destroy(struct uvf_dirty_log *log)
{
	if (!log)
		return;
	free(log->bits);
	free(log);
}

uint64_t uvf_dirty_log_page_size(const struct uvf_dirty_log *log)
{
	return log->page_size;
}

/* ---- mark --------------------------------------------------------------- */

void uvf_dirty_log_mark(struct uvf_dirty_log *log, uint64_t iova,
			uint64_t len)
{
	uint64_t last;
	unsigned i;

	if (!len)
		return;
	if (__builtin_add_overflow(iova, len - 1, &last))
		last = UINT64_MAX;

	for (i = first_range(log, iova); i < log->nr && log->r[i].iova <= last;
	     i++) {
		const struct log_range *r = &log->r[i];
		uint64_t lo = iova > r->iova ? iova : r->iova;
		uint64_t hi = last < r->last ? last : r->last;
		uint64_t p0 = (lo - r->iova) >> log->shift;
		uint64_t p1 = (hi - r->iova) >> log->shift;
		uint64_t w;

		/* Release: the guest-memory write the caller made before
		 * this mark is visible to whoever takes the bit. */
		for (w = p0 >> 6; w <= p1 >> 6; w++)
			atomic_fetch_or_explicit(&r->words[w],
						 word_bits(w, p0, p1 + 1),
						 memory_order_release);
	}
}

/* ---- report / clear ----------------------------------------------------- */

/* One take: the request [iova, last] and where its bits go. */
struct take {
	uint64_t iova;
	uint64_t last;
	unsigned shift;		/* report page shift */
	uint64_t *out;		/* report bitmap; NULL when only clearing */
	uint64_t count;		/* clear only: dirty log pages cleared */
};

/*
 * Take the bits `read` of word *w, clearing those in `clear` (a subset of
 * read) in the same atomic step.
 *
 * The first load is relaxed and a word that reads zero is skipped without
 * any atomic RMW: that is what makes a clean log cost no more than reading
 * it.  It is still race-free: a bit set after the load is simply not taken
 * and stays set for the next report; a bit that is already set when we
 * exchange is taken exactly once.  Nothing that was set can be cleared
 * without being returned.
 */
static uint64_t take_word(aword *w, uint64_t read, uint64_t clear)
{
	uint64_t v = atomic_load_explicit(w, memory_order_relaxed);

	if (!(v & read))
		return 0;
	if (clear == ~0ull)
		v = atomic_exchange_explicit(w, 0, memory_order_acquire);
	else if (clear)
		v = atomic_fetch_and_explicit(w, ~clear, memory_order_acquire);
	else
		v = atomic_load_explicit(w, memory_order_acquire);
	return v & read;
}

/* Hand the dirty log pages v of word w (range r) to the take. */
static void emit(struct take *t, const struct uvf_dirty_log *log,
		 const struct log_range *r, uint64_t w, uint64_t v)
{
	uint64_t lps = log->page_size;

	if (!v)
		return;
	if (!t->out) {
		t->count += (uint64_t)__builtin_popcountll(v);
		return;
	}

	if (t->shift == log->shift) {
		/* Same page size: the bits move as a block.  Pages of a
		 * request-aligned log are never straddling, so the first set
		 * page starts at or after t->iova. */
		unsigned j = (unsigned)__builtin_ctzll(v);
		uint64_t start = r->iova + ((w * 64 + j) << log->shift);

		place_bits(t->out, (start - t->iova) >> t->shift, v >> j);
		return;
	}

	if (t->shift > log->shift) {
		/* Coarser report: a log page never crosses a report page
		 * (both are power-of-two aligned), so a report bit is the OR
		 * of a run of log bits.  Set it once per run and skip the
		 * rest of the run, so a 2 MiB report costs per word, not per
		 * dirty 4 KiB page. */
		while (v) {
			unsigned j = (unsigned)__builtin_ctzll(v);
			uint64_t start = r->iova + ((w * 64 + j) << log->shift);
			uint64_t k = (start - t->iova) >> t->shift, q;

			t->out[k >> 6] |= 1ull << (k & 63);
			/* No report page k + 1 below 2^64: nothing follows. */
			if (k + 1 > (UINT64_MAX - t->iova) >> t->shift)
				break;
			/* q = first log page of report page k + 1 */
			q = (t->iova + ((k + 1) << t->shift) - r->iova) >>
			    log->shift;
			if (q >= (w + 1) * 64)
				break;
			v &= ~0ull << (q - w * 64);
		}
		return;
	}

	/* Finer report: each dirty log page sets every report bit of the
	 * part of it inside the request. */
	while (v) {
		unsigned j = (unsigned)__builtin_ctzll(v);
		uint64_t start = r->iova + ((w * 64 + j) << log->shift);
		uint64_t end = start + (lps - 1);
		uint64_t x0 = start > t->iova ? start : t->iova;
		uint64_t x1 = end < t->last ? end : t->last;

		set_bits(t->out, (x0 - t->iova) >> t->shift,
			 (x1 - t->iova) >> t->shift);
		v &= v - 1;
	}
}

/* Take the first or last word of a range's part: pages [p0, p1] are
 * inside the request, [c0, c1) of them wholly.  A clear reads only what it
 * clears, so its count excludes the straddling pages it leaves alone. */
static void take_edge(struct take *t, const struct uvf_dirty_log *log,
		      const struct log_range *r, uint64_t w, uint64_t p0,
		      uint64_t p1, uint64_t c0, uint64_t c1)
{
	uint64_t clear = c0 < c1 ? word_bits(w, c0, c1) : 0;
	uint64_t read = t->out ? word_bits(w, p0, p1 + 1) : clear;

	if (read)
		emit(t, log, r, w, take_word(&r->words[w], read, clear));
}

/* Take the part of range r inside the request. */
static void take_range(struct take *t, const struct uvf_dirty_log *log,
		       const struct log_range *r)
{
	unsigned ls = log->shift;
	uint64_t lo = t->iova > r->iova ? t->iova : r->iova;
	uint64_t hi = t->last < r->last ? t->last : r->last;
	uint64_t p0 = (lo - r->iova) >> ls, p1 = (hi - r->iova) >> ls;
	uint64_t c0 = p0, c1 = p1 + 1;	/* cleared pages: [c0, c1) */
	uint64_t w, w0 = p0 >> 6, w1 = p1 >> 6;

	/* Edge pages sticking out of the request are read, not cleared:
	 * the part outside may hold the only record of a write there. */
	if (r->iova + (p0 << ls) < t->iova)
		c0++;
	if (r->iova + (p1 << ls) + ((1ull << ls) - 1) > t->last)
		c1--;

	take_edge(t, log, r, w0, p0, p1, c0, c1);
	if (w0 == w1)
		return;

	/* Interior words: every page in them is wholly inside the request
	 * (only p0 and p1 can straddle), so they are taken whole. */
	if (t->out && t->shift == ls) {
		/* Fast path, same page size: one relaxed load per clean
		 * word; a dirty word is exchanged and ORed into the report
		 * at a fixed bit offset (a single store when that offset is
		 * word-aligned, two otherwise). */
		uint64_t k = (r->iova + (((w0 + 1) * 64) << ls) - t->iova) >> ls;
		unsigned sh = k & 63;
		uint64_t *o = t->out + (k >> 6);

		for (w = w0 + 1; w < w1; w++, o++) {
			uint64_t v;

			if (!atomic_load_explicit(&r->words[w],
						  memory_order_relaxed))
				continue;
			v = atomic_exchange_explicit(&r->words[w], 0,
						     memory_order_acquire);
			if (!sh) {
				o[0] |= v;
			} else {
				o[0] |= v << sh;
				if (v >> (64 - sh))
					o[1] |= v >> (64 - sh);
			}
		}
	} else {
		for (w = w0 + 1; w < w1; w++)
			emit(t, log, r, w,
			     take_word(&r->words[w], ~0ull, ~0ull));
	}

	take_edge(t, log, r, w1, p0, p1, c0, c1);
}

static void take_all(struct take *t, const struct uvf_dirty_log *log)
{
	unsigned i;

	for (i = first_range(log, t->iova);
	     i < log->nr && log->r[i].iova <= t->last; i++)
		take_range(t, log, &log->r[i]);
}

int uvf_dirty_log_report(struct uvf_dirty_log *log, uint64_t iova,
			 uint64_t length, uint64_t page_size,
			 uint64_t *bitmap, size_t bitmap_bytes)
{
	struct take t = { 0 };
	uint64_t end;
	size_t need;

	if (!uvf_dirty_page_size_ok(page_size) || !length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length, &end))
		return -EOVERFLOW;
	if (iova & (page_size - 1))
		return -EINVAL;
	need = uvf_dirty_bitmap_bytes(length, page_size);
	if (!bitmap || bitmap_bytes < need)
		return -EINVAL;

	memset(bitmap, 0, need);
	t.iova = iova;
	t.last = end - 1;
	t.shift = ilog2(page_size);
	t.out = bitmap;
	take_all(&t, log);
	return 0;
}

uint64_t uvf_dirty_log_clear(struct uvf_dirty_log *log, uint64_t iova,
			     uint64_t length)
{
	struct take t = { 0 };

	if (!length)
		return 0;
	t.iova = iova;
	if (__builtin_add_overflow(iova, length - 1, &t.last))
		t.last = UINT64_MAX;
	take_all(&t, log);
	return t.count;
}
