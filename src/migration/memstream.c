/* The device-memory migration stream: a saver that streams a memory block
 * (tracking changes against a shadow copy in pre-copy) plus a device blob,
 * and a loader that stages, validates and applies it.  Format and rules in
 * memstream.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xxhash.h>

#include "core/le.h"
#include "migration/memstream.h"

#define PAGE		UVF_MEMSTREAM_PAGE_SIZE
#define HDR		UVF_MEMSTREAM_HDR_SIZE
#define REC		UVF_MEMSTREAM_REC_SIZE
#define MAX_RUN		UVF_MEMSTREAM_MAX_RUN

/* "UVFMSTRM" read as a little-endian u64. */
#define STREAM_MAGIC	0x4d5254534d465655ull
#define HDR_F_PRECOPY	1u

enum rec_type { REC_PAGES = 1, REC_BLOB = 2, REC_END = 3 };

/* Pages precopy_info compares per call: 8 MiB, about a millisecond. */
#define INFO_SCAN_PAGES	2048u
/* Pages a pre-copy read compares before it gives up for now: 64 MiB,
 * around 10 ms, so a VMM polling an idle big device does not hold the
 * daemon's loop (and its other devices) for a whole pass per poll. */
#define SCAN_BUDGET_PAGES 16384u

/* Payload is copied and hashed in pieces this big so the hash (and the
 * shadow copy) read what memcpy just wrote from L1, not from memory. */
#define PIECE		4096u

/* Smallest tail of a read worth handing out by reference rather than
 * copying. */
#define REF_MIN		(64u << 10)

/* ---- little-endian fields ---------------------------------------------------- */

static size_t min_sz(size_t a, uint64_t b)
{
	return (uint64_t)a < b ? a : (size_t)b;
}

/* ---- checksum ------------------------------------------------------------------ */
/*
 * XXH3-64 from libxxhash: vectorised, well above what a socket carries, so
 * the checksum costs a fraction of the copy it rides along with.  The
 * streaming state needs 64-byte alignment, hence the library's allocator.
 */
int uvf_mshash_init(struct uvf_mshash *h)
{
	h->state = XXH3_createState();
	if (!h->state)
		return -ENOMEM;
	XXH3_64bits_reset(h->state);
	return 0;
}

void uvf_mshash_update(struct uvf_mshash *h, const void *data, size_t len)
{
	XXH3_64bits_update(h->state, data, len);
}

uint64_t uvf_mshash_digest(const struct uvf_mshash *h)
{
	return XXH3_64bits_digest(h->state);
}

void uvf_mshash_free(struct uvf_mshash *h)
{
	XXH3_freeState(h->state);
	h->state = NULL;
}

/* ---- shared helpers --------------------------------------------------------------- */

static int check_geometry(uint64_t size)
{
	/* The page count must fit the bitmap arithmetic and mmap must be
	 * able to reserve the size. */
	if (size == 0 || size % PAGE || size > (1ull << 46))
		return -EINVAL;
	return 0;
}

static uint64_t *bitmap_alloc(uint64_t nbits)
{
	return calloc((size_t)((nbits + 63) / 64), sizeof(uint64_t));
}

static inline bool bit_test(const uint64_t *bm, uint64_t i)
{
	return (bm[i / 64] >> (i % 64)) & 1;
}

static inline void bit_set(uint64_t *bm, uint64_t i)
{
	bm[i / 64] |= 1ull << (i % 64);
}

static inline void bit_clear(uint64_t *bm, uint64_t i)
{
	bm[i / 64] &= ~(1ull << (i % 64));
}

/*
 * Private anonymous memory that costs nothing until touched, 2 MiB aligned
 * and advised for transparent huge pages: a staging copy or shadow of a
 * 256 MiB device then takes 128 page faults instead of 65536, which
 * otherwise cost more than the copy itself.
 */
#define HUGE_ALIGN	(2ull << 20)

static void *reserve(uint64_t size)
{
	size_t len = (size_t)size, extra = size >= HUGE_ALIGN ? HUGE_ALIGN : 0;
	uint8_t *p = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t head;

	if (p == MAP_FAILED)
		return NULL;
	if (!extra)
		return p;
	head = (HUGE_ALIGN - (uintptr_t)p % HUGE_ALIGN) % HUGE_ALIGN;
	if (head)
		munmap(p, head);
	if (extra - head)
		munmap(p + head + len, extra - head);
	p += head;
	madvise(p, len, MADV_HUGEPAGE);	/* advice only: failure is harmless */
	return p;
}

static void unreserve(void *p, uint64_t size)
{
	if (p)
		munmap(p, (size_t)size);
}

static uint64_t runs_of(uint64_t pages)
{
	return (pages + MAX_RUN - 1) / MAX_RUN;
}

uint64_t uvf_memstream_full_size(uint64_t mem_size, size_t blob_len)
{
	uint64_t pages = mem_size / PAGE;

	return HDR + runs_of(pages) * REC + pages * PAGE + REC + blob_len + REC;
}

/* ---- saver ---------------------------------------------------------------------------- */

/*
 * Phases of the saver.  INITIAL sends every page once, in order.  DELTA
 * (pre-copy, before final) sends pages that differ from the shadow, in
 * rounds over the memory.  After final(): the rest of INITIAL, then one
 * TAIL pass over the pages sent before final(), then BLOB, END, DONE.
 */
enum phase { PH_INITIAL, PH_DELTA, PH_TAIL, PH_BLOB, PH_END, PH_DONE };

struct uvf_memstream_saver {
	const uint8_t *mem;
	uint64_t size, npages;
	uint32_t dev_id;
	bool precopy, final;
	enum phase phase;

	/* Pre-copy tracking.  shadow holds exactly the bytes produced for
	 * each page (copied from the output, not from the memory, which may
	 * be changing under us).  dirty marks pages found to differ and not
	 * yet re-sent. */
	uint8_t *shadow;
	uint64_t *dirty;
	uint64_t ndirty;
	uint64_t shadow_limit;	/* pages below it keep their shadow current */
	uint64_t info_next;	/* where precopy_info's bounded compare resumes */

	uint64_t init_next;	/* next page of the initial pass */
	uint64_t init_sent;	/* initial page bytes produced (a prefix) */
	uint64_t initial_left;	/* stream header + initial page bytes unproduced */
	uint64_t delta_next;	/* compare cursor of DELTA/TAIL */
	bool pass_end;		/* a DELTA pass ended after producing data */
	uint64_t scan_left;	/* pages this read may still compare in DELTA */
	bool scan_out;		/* ... and it ran out */

	/* The item being produced: head bytes, then payload. */
	uint8_t head[HDR];
	unsigned head_len, head_pos;
	bool head_hashed;	/* END: hashed when built */
	bool head_initial;	/* the stream header */
	bool pay_pages;		/* payload is pages (else the blob) */
	bool pay_delta;		/* a re-send, counted in dirty bytes */
	uint64_t run_first, run_pages;
	uint64_t pay_len, pay_pos;

	uint8_t *blob;
	size_t blob_len;
	struct uvf_mshash hash;
	/* Bytes handed out by reference from the memory and not hashed yet:
	 * hashed at the next call, after the caller sent them, when reading
	 * them again is a cache hit (hashing cold memory costs as much as
	 * sending it). */
	const uint8_t *unhashed;
	size_t unhashed_len;
};

int uvf_memstream_saver_create(const void *mem, uint64_t size, uint32_t dev_id, bool precopy,
			       struct uvf_memstream_saver **out)
{
	struct uvf_memstream_saver *s;

	if (!mem || check_geometry(size))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mem = mem;
	s->size = size;
	s->npages = size / PAGE;
	s->dev_id = dev_id;
	s->precopy = precopy;
	if (precopy) {
		s->shadow = reserve(size);
		s->dirty = bitmap_alloc(s->npages);
		if (!s->shadow || !s->dirty) {
			uvf_memstream_saver_destroy(s);
			return -ENOMEM;
		}
		s->shadow_limit = s->npages;
	}
	if (uvf_mshash_init(&s->hash)) {
		uvf_memstream_saver_destroy(s);
		return -ENOMEM;
	}

	uvf_le_put64(s->head, STREAM_MAGIC);
	uvf_le_put32(s->head + 8, UVF_MEMSTREAM_VERSION);
	uvf_le_put32(s->head + 12, HDR);
	uvf_le_put32(s->head + 16, dev_id);
	uvf_le_put32(s->head + 20, PAGE);
	uvf_le_put64(s->head + 24, size);
	uvf_le_put32(s->head + 32, precopy ? HDR_F_PRECOPY : 0);
	s->head_len = HDR;
	s->head_initial = true;
	s->initial_left = HDR + size;
	s->phase = PH_INITIAL;
	*out = s;
	return 0;
}

void uvf_memstream_saver_destroy(struct uvf_memstream_saver *s)
{
	if (!s)
		return;
	unreserve(s->shadow, s->size);
	uvf_mshash_free(&s->hash);
	free(s->dirty);
	free(s->blob);
	free(s);
}

static void set_head(struct uvf_memstream_saver *s, uint32_t type, uint32_t count, uint64_t arg)
{
	uvf_le_put32(s->head, type);
	uvf_le_put32(s->head + 4, count);
	uvf_le_put64(s->head + 8, arg);
	s->head_len = REC;
	s->head_pos = 0;
	s->head_hashed = false;
	s->head_initial = false;
}

static void start_run(struct uvf_memstream_saver *s, uint64_t first, uint64_t n, bool delta)
{
	set_head(s, REC_PAGES, (uint32_t)n, first);
	s->pay_pages = true;
	s->pay_delta = delta;
	s->run_first = first;
	s->run_pages = n;
	s->pay_len = n * PAGE;
	s->pay_pos = 0;
}

/* Pages of the run being produced whose bytes are not all out yet: their
 * shadow is not complete, so nobody may compare them. */
static bool in_flight(const struct uvf_memstream_saver *s, uint64_t p)
{
	return s->pay_pages && s->pay_pos < s->pay_len && p >= s->run_first + s->pay_pos / PAGE &&
	       p < s->run_first + s->run_pages;
}

static bool page_differs(const struct uvf_memstream_saver *s, uint64_t p)
{
	return memcmp(s->mem + p * PAGE, s->shadow + p * PAGE, PAGE) != 0;
}

static bool take_dirty(struct uvf_memstream_saver *s, uint64_t p)
{
	if (bit_test(s->dirty, p)) {
		bit_clear(s->dirty, p);
		s->ndirty--;
		return true;
	}
	return page_differs(s, p);
}

/* Next run of changed pages in [delta_next, limit); false at the limit,
 * or (budgeted) when this read's compare budget ran out first. */
static bool find_run(struct uvf_memstream_saver *s, uint64_t limit, bool budgeted)
{
	uint64_t p = s->delta_next, n = 1;

	while (p < limit && !take_dirty(s, p)) {
		p++;
		if (budgeted && --s->scan_left == 0 && p < limit) {
			s->delta_next = p;
			s->scan_out = true;
			return false;
		}
	}
	if (p >= limit) {
		s->delta_next = limit;
		return false;
	}
	while (n < MAX_RUN && p + n < limit && take_dirty(s, p + n))
		n++;
	s->delta_next = p + n;
	start_run(s, p, n, true);
	return true;
}

static void start_end(struct uvf_memstream_saver *s)
{
	set_head(s, REC_END, 0, 0);
	uvf_mshash_update(&s->hash, s->head, 8);
	uvf_le_put64(s->head + 8, uvf_mshash_digest(&s->hash));
	s->head_hashed = true;
	s->pay_len = s->pay_pos = 0;
}

/* Set up the next item; false when there is nothing to produce now. */
static bool next_item(struct uvf_memstream_saver *s)
{
	for (;;) {
		switch (s->phase) {
		case PH_INITIAL:
			if (s->init_next < s->npages) {
				uint64_t n = s->npages - s->init_next;

				start_run(s, s->init_next, n < MAX_RUN ? n : MAX_RUN, false);
				s->init_next += s->run_pages;
				return true;
			}
			s->phase = s->final ? PH_TAIL : PH_DELTA;
			s->delta_next = 0;
			break;
		case PH_DELTA:
			if (find_run(s, s->npages, true))
				return true;
			if (s->scan_out)
				return false;
			/* The end of a pass over the memory is the temporary
			 * end of data, even while the memory keeps changing:
			 * that is what lets a user's round end (and look at
			 * PRECOPY_INFO) before the next pass. */
			s->delta_next = 0;
			return false;
		case PH_TAIL:
			if (s->precopy && find_run(s, s->shadow_limit, false))
				return true;
			s->phase = PH_BLOB;
			break;
		case PH_BLOB:
			set_head(s, REC_BLOB, (uint32_t)s->blob_len, 0);
			s->pay_pages = false;
			s->pay_delta = false;
			s->pay_len = s->blob_len;
			s->pay_pos = 0;
			s->phase = PH_END;
			return true;
		case PH_END:
			start_end(s);
			s->phase = PH_DONE;
			return true;
		case PH_DONE:
			return false;
		}
	}
}

/* n more payload bytes of the current item are out. */
static void pay_advance(struct uvf_memstream_saver *s, size_t n)
{
	if (s->pay_pages && !s->pay_delta) {
		s->initial_left -= n;
		s->init_sent += n;
	}
	s->pay_pos += n;
}

static size_t emit_payload(struct uvf_memstream_saver *s, uint8_t *dst, size_t room)
{
	size_t done = 0;

	if (!s->pay_pages) {
		size_t n = min_sz(room, s->pay_len - s->pay_pos);

		memcpy(dst, s->blob + s->pay_pos, n);
		uvf_mshash_update(&s->hash, dst, n);
		pay_advance(s, n);
		return n;
	}
	while (done < room && s->pay_pos < s->pay_len) {
		uint64_t off = s->run_first * PAGE + s->pay_pos;
		size_t n = min_sz(room - done, s->pay_len - s->pay_pos);

		n = min_sz(n, PIECE - off % PIECE);
		memcpy(dst + done, s->mem + off, n);
		if (s->shadow && off / PAGE < s->shadow_limit)
			memcpy(s->shadow + off, dst + done, n);
		uvf_mshash_update(&s->hash, dst + done, n);
		pay_advance(s, n);
		done += n;
	}
	return done;
}

/*
 * The next n payload bytes by reference, when they are page bytes of the
 * current run that stay unchanged until the next call into the saver: the
 * shadow's copy (made now) when the pages have one, else the memory
 * itself, which is frozen then (final() was called, or no pre-copy).  NULL
 * when they cannot be referenced; nothing is consumed then.
 */
static const uint8_t *payload_ref(struct uvf_memstream_saver *s, size_t n)
{
	uint64_t off = s->run_first * PAGE + s->pay_pos;
	bool shadowed = s->shadow && off / PAGE < s->shadow_limit;

	/* shadow_limit is a prefix of the pages, so a run starting below it
	 * has a shadow throughout; one starting above it reads frozen memory
	 * (shadowing more than needed would be harmless anyway). */
	if (!s->pay_pages || n < REF_MIN || s->pay_len - s->pay_pos < n)
		return NULL;
	if (!shadowed) {
		s->unhashed = s->mem + off;
		s->unhashed_len = n;
	} else {
		for (size_t done = 0; done < n;) {
			size_t k = min_sz(n - done, PIECE - (off + done) % PIECE);

			memcpy(s->shadow + off + done, s->mem + off + done, k);
			uvf_mshash_update(&s->hash, s->shadow + off + done, k);
			done += k;
		}
	}
	pay_advance(s, n);
	return (shadowed ? s->shadow : s->mem) + off;
}

static long produce(struct uvf_memstream_saver *s, uint8_t *out, size_t len, const void **ref,
		    size_t *ref_len)
{
	bool restarted = false;
	size_t done = 0;

	if (s->unhashed_len) {
		uvf_mshash_update(&s->hash, s->unhashed, s->unhashed_len);
		s->unhashed_len = 0;
	}
	if (!s->precopy && !s->final)
		return -EINVAL;
	if (s->pass_end) {
		/* The pass that ended in the previous call is the temporary
		 * end of data: say so once, the next call starts a pass. */
		s->pass_end = false;
		return 0;
	}
	s->scan_left = SCAN_BUDGET_PAGES;
	s->scan_out = false;
	if (len > (size_t)LONG_MAX)
		len = (size_t)LONG_MAX;
	while (done < len) {
		if (s->head_pos < s->head_len) {
			size_t n = min_sz(len - done, s->head_len - s->head_pos);

			memcpy(out + done, s->head + s->head_pos, n);
			if (!s->head_hashed)
				uvf_mshash_update(&s->hash, out + done, n);
			if (s->head_initial)
				s->initial_left -= n;
			s->head_pos += (unsigned)n;
			done += n;
		} else if (s->pay_pos < s->pay_len) {
			if (ref && (*ref = payload_ref(s, len - done))) {
				*ref_len = len - done;
				done = len;
				break;
			}
			done += emit_payload(s, out + done, len - done);
		} else if (!next_item(s)) {
			if (s->phase != PH_DELTA || s->scan_out)
				break;
			if (done) {
				s->pass_end = true;
				break;
			}
			/* A pass ended with nothing from this call: go
			 * round once more if pages behind the cursor are
			 * known to have changed. */
			if (!s->ndirty || restarted)
				break;
			restarted = true;
		}
	}
	return (long)done;
}

long uvf_memstream_saver_read(struct uvf_memstream_saver *s, void *buf, size_t len)
{
	return produce(s, buf, len, NULL, NULL);
}

long uvf_memstream_saver_read_ref(struct uvf_memstream_saver *s, void *buf, size_t len,
				  const void **ref, size_t *ref_len)
{
	*ref = NULL;
	*ref_len = 0;
	return produce(s, buf, len, ref, ref_len);
}

int uvf_memstream_saver_final(struct uvf_memstream_saver *s, const void *blob, size_t blob_len)
{
	uint8_t *copy;

	if (s->final)
		return -EALREADY;
	if (blob_len > UVF_MEMSTREAM_BLOB_MAX)
		return -E2BIG;
	copy = malloc(blob_len ? blob_len : 1);
	if (!copy)
		return -ENOMEM;
	if (blob_len)
		memcpy(copy, blob, blob_len);
	s->blob = copy;
	s->blob_len = blob_len;
	s->final = true;
	s->pass_end = false;	/* from now on 0 is the end of the stream */
	if (s->precopy) {
		/* Only pages whose initial copy went out before the device
		 * stopped can differ from what was sent; the rest of the
		 * initial pass reads frozen memory and needs no shadow. */
		s->shadow_limit = s->init_next;
		if (s->phase == PH_DELTA) {
			/* Pages behind the cursor may have changed since this
			 * round looked at them: the tail compares everything. */
			s->phase = PH_TAIL;
			s->delta_next = 0;
		}
	}
	return 0;
}

/* Compare up to INFO_SCAN_PAGES pages of [0, valid) against the shadow,
 * resuming where the last call stopped, and mark the changed ones. */
static void info_scan(struct uvf_memstream_saver *s, uint64_t valid)
{
	uint64_t p = s->info_next, n = valid < INFO_SCAN_PAGES ? valid : INFO_SCAN_PAGES;

	for (uint64_t i = 0; i < n; i++, p++) {
		if (p >= valid)
			p = 0;
		if (!bit_test(s->dirty, p) && !in_flight(s, p) && page_differs(s, p)) {
			bit_set(s->dirty, p);
			s->ndirty++;
		}
	}
	s->info_next = p;
}

void uvf_memstream_saver_precopy_info(struct uvf_memstream_saver *s, uint64_t *initial,
				      uint64_t *dirty)
{
	/* Only pages whose copy is completely out have a shadow to compare:
	 * during the initial pass (in page order) that is a prefix. */
	if (s->precopy && !s->final && s->phase == PH_INITIAL)
		info_scan(s, s->init_sent / PAGE);
	else if (s->precopy && !s->final && s->phase == PH_DELTA)
		info_scan(s, s->npages);
	*initial = s->initial_left;
	*dirty = s->ndirty * PAGE + (s->pay_delta ? s->pay_len - s->pay_pos : 0);
}

uint64_t uvf_memstream_saver_size(const struct uvf_memstream_saver *s, size_t blob_len)
{
	uint64_t n = (uint64_t)(s->head_len - s->head_pos) + (s->pay_len - s->pay_pos);
	uint64_t rest = s->npages - s->init_next;

	if (s->final)
		blob_len = s->blob_len;
	switch (s->phase) {
	case PH_INITIAL:
		n += rest * PAGE + runs_of(rest) * REC;
		/* fall through */
	case PH_DELTA:
	case PH_TAIL:
		/* Known changes, each in a record of its own at worst. */
		n += s->ndirty * (PAGE + REC);
		/* fall through */
	case PH_BLOB:
		n += REC + blob_len;
		/* fall through */
	case PH_END:
		n += REC;
		break;
	case PH_DONE:
		break;
	}
	return n;
}

/* ---- loader ------------------------------------------------------------------------------ */

enum lstate { L_HDR, L_REC, L_PAGES, L_BLOB, L_DONE };

struct uvf_memstream_loader {
	uint8_t *mem;
	uint64_t size, npages;
	uint32_t dev_id;
	size_t blob_cap;

	uint8_t *stage;		/* private copy the pages land in */
	uint64_t *got;		/* pages received at least once */
	uint64_t ngot;

	enum lstate st;
	uint8_t acc[HDR];	/* stream header / record head being assembled */
	unsigned acc_len;
	uint8_t *pay;		/* where the payload goes */
	uint64_t pay_left;

	uint8_t *blob;
	size_t blob_len;
	bool have_blob, have_end;
	uint64_t end_sum, sum;
	struct uvf_mshash hash;
	int err;		/* sticky */
};

int uvf_memstream_loader_create(void *mem, uint64_t size, uint32_t dev_id, size_t blob_cap,
				struct uvf_memstream_loader **out)
{
	struct uvf_memstream_loader *l;

	if (!mem || check_geometry(size) || blob_cap > UVF_MEMSTREAM_BLOB_MAX)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->mem = mem;
	l->size = size;
	l->npages = size / PAGE;
	l->dev_id = dev_id;
	l->blob_cap = blob_cap;
	l->stage = reserve(size);
	l->got = bitmap_alloc(l->npages);
	if (!l->stage || !l->got) {
		uvf_memstream_loader_destroy(l);
		return -ENOMEM;
	}
#ifdef MADV_POPULATE_WRITE
	/* Every page will be written (a complete image covers them all), so
	 * fault the staging copy in now, when the destination gets ready,
	 * rather than in the stop-copy phase where zeroing fresh pages would
	 * count as downtime.  Best effort: older kernels say EINVAL. */
	madvise(l->stage, (size_t)size, MADV_POPULATE_WRITE);
#endif
	if (uvf_mshash_init(&l->hash)) {
		uvf_memstream_loader_destroy(l);
		return -ENOMEM;
	}
	l->st = L_HDR;
	*out = l;
	return 0;
}

void uvf_memstream_loader_destroy(struct uvf_memstream_loader *l)
{
	if (!l)
		return;
	unreserve(l->stage, l->size);
	uvf_mshash_free(&l->hash);
	free(l->got);
	free(l->blob);
	free(l);
}

static int check_header(const struct uvf_memstream_loader *l)
{
	const uint8_t *h = l->acc;

	/* Magic first, then version: a newer layout may move everything
	 * after the version. */
	if (uvf_le_get64(h) != STREAM_MAGIC)
		return -EINVAL;
	if (uvf_le_get32(h + 8) != UVF_MEMSTREAM_VERSION || uvf_le_get32(h + 12) != HDR)
		return -EINVAL;
	if (uvf_le_get32(h + 16) != l->dev_id || uvf_le_get32(h + 20) != PAGE ||
	    uvf_le_get64(h + 24) != l->size)
		return -EINVAL;
	if ((uvf_le_get32(h + 32) & ~HDR_F_PRECOPY) || uvf_le_get32(h + 36) || uvf_le_get64(h + 40))
		return -EINVAL;
	return 0;
}

static int start_record(struct uvf_memstream_loader *l)
{
	uint32_t type = uvf_le_get32(l->acc), count = uvf_le_get32(l->acc + 4);
	uint64_t arg = uvf_le_get64(l->acc + 8);

	switch (type) {
	case REC_PAGES:
		if (count == 0 || count > MAX_RUN || arg >= l->npages || count > l->npages - arg)
			return -EINVAL;
		for (uint64_t p = arg; p < arg + count; p++)
			if (!bit_test(l->got, p)) {
				bit_set(l->got, p);
				l->ngot++;
			}
		l->pay = l->stage + arg * PAGE;
		l->pay_left = (uint64_t)count * PAGE;
		l->st = L_PAGES;
		return 0;
	case REC_BLOB:
		if (l->have_blob || arg)
			return -EINVAL;
		if (count > l->blob_cap)
			return -E2BIG;
		l->blob = malloc(count ? count : 1);
		if (!l->blob)
			return -ENOMEM;
		l->blob_len = count;
		l->have_blob = true;
		l->pay = l->blob;
		l->pay_left = count;
		l->st = count ? L_BLOB : L_REC;
		return 0;
	case REC_END:
		if (count)
			return -EINVAL;
		l->end_sum = arg;
		l->sum = uvf_mshash_digest(&l->hash);
		l->have_end = true;
		l->st = L_DONE;
		return 0;
	default:
		return -EINVAL;
	}
}

static int consume(struct uvf_memstream_loader *l, const uint8_t *p, size_t len)
{
	while (len) {
		size_t n;
		int r;

		switch (l->st) {
		case L_HDR:
			n = min_sz(len, HDR - l->acc_len);
			memcpy(l->acc + l->acc_len, p, n);
			uvf_mshash_update(&l->hash, p, n);
			l->acc_len += (unsigned)n;
			if (l->acc_len == HDR) {
				if ((r = check_header(l)))
					return r;
				l->acc_len = 0;
				l->st = L_REC;
			}
			break;
		case L_REC:
			n = min_sz(len, REC - l->acc_len);
			memcpy(l->acc + l->acc_len, p, n);
			l->acc_len += (unsigned)n;
			if (l->acc_len == REC) {
				/* END's checksum field is the one part of the
				 * stream the checksum does not cover. */
				uvf_mshash_update(&l->hash, l->acc,
						 uvf_le_get32(l->acc) == REC_END ? 8 : REC);
				l->acc_len = 0;
				if ((r = start_record(l)))
					return r;
			}
			break;
		case L_PAGES:
		case L_BLOB:
			n = min_sz(len, l->pay_left);
			for (size_t done = 0; done < n;) {
				size_t k = min_sz(n - done, PIECE);

				uvf_mshash_update(&l->hash, p + done, k);
				memcpy(l->pay, p + done, k);
				l->pay += k;
				done += k;
			}
			l->pay_left -= n;
			if (!l->pay_left)
				l->st = L_REC;
			break;
		case L_DONE:
		default:
			return -EINVAL;	/* bytes after END */
		}
		p += n;
		len -= n;
	}
	return 0;
}

int uvf_memstream_loader_write(struct uvf_memstream_loader *l, const void *buf, size_t len)
{
	if (!l->err)
		l->err = consume(l, buf, len);
	return l->err;
}

int uvf_memstream_loader_finish(struct uvf_memstream_loader *l, uvf_memstream_blob_check_fn check,
				void *arg, const void **blob, size_t *blob_len)
{
	int r;

	if (l->err)
		return l->err;
	if (!l->have_end || !l->have_blob || l->ngot != l->npages)
		return -ENODATA;
	if (l->sum != l->end_sum)
		return -EBADMSG;
	if (check && (r = check(arg, l->blob, l->blob_len)))
		return r;
	memcpy(l->mem, l->stage, (size_t)l->size);
	if (blob)
		*blob = l->blob;
	if (blob_len)
		*blob_len = l->blob_len;
	return 0;
}
