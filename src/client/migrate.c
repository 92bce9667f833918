/* The client's migration driver: pre-copy rounds with a convergence rule,
 * stop-copy, resume, and dirty-page collection (see uvfio/client.h). */
#include <uvfio/client.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client_impl.h"
#include "proto/proto.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

#define FWD_DEPTH	3

struct run {
	struct uvf_client *src, *dst;
	const struct uvf_migrate_opts *o;
	struct uvf_migrate_progress prog;
	size_t chunk;
	uint64_t *bitmap;
	size_t bitmap_cap;
	uint64_t dirty_pages;
	/* Writes to the destination in flight (sent, reply not read), so the
	 * destination consumes a chunk while the next one is read. */
	struct pending wp[FWD_DEPTH];
	uint8_t wq[FWD_DEPTH][UVF_VU_MIG_DATA_SIZE];
	unsigned w_head, w_n;
	int w_err;
};

static void tell(struct run *r)
{
	if (r->o->progress)
		r->o->progress(r->o->arg, &r->prog);
}

/* Reply of the oldest write in flight; the first error sticks. */
static int write_reap(struct run *r)
{
	int e = uvf_client_wait(r->dst, &r->wp[r->w_head]);

	r->w_head = (r->w_head + 1) % FWD_DEPTH;
	r->w_n--;
	if (e && !r->w_err)
		r->w_err = e;
	return r->w_err;
}

/* Send one chunk (<= max_data_xfer_size, which read_stream guarantees)
 * without waiting for its reply: the message is sent whole before this
 * returns, so the caller may reuse data at once. */
static int forward(void *arg, const void *data, size_t len)
{
	struct run *r = arg;
	uint64_t before = r->prog.bytes;
	unsigned slot;
	int e;

	if (r->w_n == FWD_DEPTH && (e = write_reap(r)))
		return e;
	if (r->w_err)
		return r->w_err;
	slot = (r->w_head + r->w_n) % FWD_DEPTH;
	{
		struct iovec iov[2] = { { r->wq[slot], UVF_VU_MIG_DATA_SIZE },
					{ (void *)data, len } };

		r->wp[slot] = (struct pending){ 0 };
		uvf_put32(r->wq[slot], UVF_VU_MIG_DATA_SIZE);
		uvf_put32(r->wq[slot] + 4, (uint32_t)len);
		e = uvf_client_send(r->dst, &r->wp[slot], UVF_VU_CMD_MIG_DATA_WRITE, 0, iov, 2,
				    NULL, 0);
	}
	if (e)
		return e;
	r->w_n++;
	r->prog.bytes += len;
	if ((before >> 24) != (r->prog.bytes >> 24))
		tell(r);	/* every 16 MiB */
	return 0;
}

/* Copy the stream until the source has nothing more right now (pre-copy)
 * or no more at all (stop-copy), with a few reads and writes in flight so
 * the source produces while the destination consumes.  Returns the bytes
 * moved or -errno (of either side; every write's reply has been read). */
static long long pump(struct run *r)
{
	long long n = uvf_client_mig_read_stream(r->src, r->chunk, 3, forward, r);

	while (r->w_n)
		write_reap(r);
	if (n >= 0 && r->w_err)
		n = r->w_err;
	r->w_err = 0;
	return n;
}

static int collect_dirty(struct run *r)
{
	uint64_t pg = r->o->log_page_size ? r->o->log_page_size : 4096;

	for (unsigned i = 0; i < r->o->nr_log_ranges; i++) {
		const struct uvf_client_range *rg = &r->o->log_ranges[i];
		size_t bytes = uvf_dirty_bitmap_bytes(rg->length, pg);
		int e;

		if (bytes > r->bitmap_cap) {
			uint64_t *b = realloc(r->bitmap, bytes);

			if (!b)
				return -ENOMEM;
			r->bitmap = b;
			r->bitmap_cap = bytes;
		}
		if ((e = uvf_client_log_report(r->src, rg->iova, rg->length, pg, r->bitmap, bytes)))
			return e;
		for (size_t w = 0; w < bytes / 8; w++)
			r->dirty_pages += (uint64_t)__builtin_popcountll(r->bitmap[w]);
		if (r->o->on_dirty)
			r->o->on_dirty(r->o->arg, rg, pg, r->bitmap);
	}
	return 0;
}

static int precopy(struct run *r, struct uvf_migrate_stats *st)
{
	unsigned max = r->o->max_rounds ? r->o->max_rounds : 30, stalls = 0;
	uint64_t limit = r->o->converge_bytes ? r->o->converge_bytes : 1 << 20;
	uint64_t last_dirty = UINT64_MAX;
	int e;

	if ((e = uvf_client_mig_set_state(r->src, UVF_MIG_STATE_PRE_COPY)))
		return e;
	for (r->prog.rounds = 0; r->prog.rounds < max; r->prog.rounds++) {
		long long n = pump(r);
		uint64_t initial = 0, dirty = 0;

		if (n < 0)
			return (int)n;
		st->precopy_bytes += (uint64_t)n;
		if ((e = collect_dirty(r)))
			return e;
		if (r->src->caps.precopy_info &&
		    (e = uvf_client_precopy_info(r->src, &initial, &dirty)))
			return e;
		r->prog.initial = initial;
		r->prog.dirty = dirty;
		tell(r);
		if (initial == 0 && dirty <= limit)
			break;
		/* Not converging: the device changes as fast as we copy. */
		stalls = dirty >= last_dirty ? stalls + 1 : 0;
		last_dirty = dirty;
		if (initial == 0 && stalls >= 3)
			break;
	}
	st->rounds = r->prog.rounds + 1;
	return 0;
}

int uvf_client_migrate(struct uvf_client *src, struct uvf_client *dst,
		       const struct uvf_migrate_opts *opts, struct uvf_migrate_stats *st)
{
	static const struct uvf_migrate_opts none;
	struct run r = { .src = src, .dst = dst, .o = opts ? opts : &none };
	uint64_t sflags = 0, dflags = 0, t0 = now_us(), tdown = 0;
	long long n;
	int e;

	memset(st, 0, sizeof(*st));
	if ((e = uvf_client_mig_flags(src, &sflags)) || (e = uvf_client_mig_flags(dst, &dflags)))
		return e;
	if (!(sflags & UVF_VFIO_MIGRATION_STOP_COPY) || !(dflags & UVF_VFIO_MIGRATION_STOP_COPY))
		return -ENOTSUP;
	r.chunk = r.o->chunk ? r.o->chunk : src->caps.max_data_xfer_size;
	if (r.chunk > src->caps.max_data_xfer_size)
		r.chunk = src->caps.max_data_xfer_size;
	uvf_client_mig_data_size(src, &r.prog.estimate);

	if ((e = uvf_client_mig_set_state(dst, UVF_MIG_STATE_RESUMING)))
		goto fail;
	if (r.o->nr_log_ranges &&
	    (e = uvf_client_log_start(src, r.o->log_page_size ? r.o->log_page_size : 4096,
				      r.o->log_ranges, r.o->nr_log_ranges, NULL)))
		goto fail;
	if (r.o->precopy && (sflags & UVF_VFIO_MIGRATION_PRE_COPY) && (e = precopy(&r, st)))
		goto fail;

	tdown = now_us();
	r.prog.phase = 1;
	if ((e = uvf_client_mig_set_state(src, UVF_MIG_STATE_STOP_COPY)))
		goto fail;
	n = pump(&r);
	if (n < 0) {
		e = (int)n;
		goto fail;
	}
	st->stopcopy_bytes = (uint64_t)n;
	if ((e = collect_dirty(&r)))
		goto fail;
	if ((e = uvf_client_mig_set_state(dst, UVF_MIG_STATE_RUNNING)))
		goto fail;
	st->downtime_us = now_us() - tdown;
	r.prog.phase = 2;
	tell(&r);
	if (r.o->nr_log_ranges)
		uvf_client_log_stop(src);
	/* The source is done; leave it stopped (a VMM would now tear it down). */
	e = uvf_client_mig_set_state(src, UVF_MIG_STATE_STOP);
	st->total_us = now_us() - t0;
	st->dirty_pages = r.dirty_pages;
	free(r.bitmap);
	return e;
fail:
	if (r.o->nr_log_ranges)
		uvf_client_log_stop(src);
	/* Recover: the source runs again, the destination starts over. */
	if (uvf_client_mig_set_state(src, UVF_MIG_STATE_RUNNING))
		uvf_client_reset(src);
	uvf_client_reset(dst);
	st->total_us = now_us() - t0;
	free(r.bitmap);
	return e;
}
