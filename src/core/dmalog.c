/* DMA_LOGGING_START/STOP/REPORT (features 6/7/8) over the dirty log. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/dirty.h"

/* Memory a client may make us allocate for one log (bitmaps). */
#define LOG_MAX_BYTES	(256u << 20)
#define REPORT_MAX_BITMAP (8u << 20)

void uvf_dma_log_stop(struct uvf_device *d)
{
	uvf_dirty_log_destroy(d->dirty);
	d->dirty = NULL;
}

/* Rounded maps are sorted (the map table is) but two maps may share a
 * page: merge touching or overlapping ranges so the log accepts them. */
static unsigned merge_ranges(struct uvf_iova_range *r, unsigned n)
{
	unsigned out = 0;

	for (unsigned i = 0; i < n; i++) {
		if (out && r[out - 1].iova + r[out - 1].length >= r[i].iova) {
			uint64_t end = r[i].iova + r[i].length;

			if (end > r[out - 1].iova + r[out - 1].length)
				r[out - 1].length = end - r[out - 1].iova;
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

static int log_start(struct uvf_device *d, const struct uvf_req_feature *f,
		     struct uvf_reply *rep)
{
	struct uvf_feat_log_start s;
	struct uvf_iova_range *ranges;
	unsigned n;
	uint8_t *p;
	int r;

	if ((r = uvf_proto_decode_log_start(f, &s)))
		return r;
	/* One log at a time: a second START before STOP is refused. */
	if (d->dirty)
		return -EBUSY;
	/* vfio-user's num_ranges == 0 ("log every write"): log the maps that
	 * exist now. */
	n = s.num_ranges ? s.num_ranges : d->nmaps;
	if (!n)
		return -EINVAL;
	ranges = calloc(n, sizeof(*ranges));
	if (!ranges)
		return -ENOMEM;
	if (!s.num_ranges && !uvf_dirty_page_size_ok(s.page_size)) {
		free(ranges);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		if (s.num_ranges) {
			uvf_proto_log_range(&s, i, &ranges[i].iova, &ranges[i].length);
		} else {
			/* Maps need not be aligned to the page size asked for. */
			uint64_t a = d->maps[i].iova & ~(s.page_size - 1);
			uint64_t e = d->maps[i].iova + d->maps[i].size;

			ranges[i].iova = a;
			ranges[i].length = ((e + s.page_size - 1) & ~(s.page_size - 1)) - a;
		}
	}
	if (!s.num_ranges)
		n = merge_ranges(ranges, n);
	r = uvf_dirty_log_create(ranges, n, s.page_size, LOG_MAX_BYTES, &d->dirty);
	free(ranges);
	if (r)
		return r;
	p = uvf_msgbuf_put(rep->mb, UVF_VFIO_DEVICE_FEATURE_SIZE + f->data_len);
	if (!p)
		return -ENOMEM;
	uvf_put32(p, (uint32_t)(UVF_VFIO_DEVICE_FEATURE_SIZE + f->data_len));
	uvf_put32(p + 4, f->flags);
	memcpy(p + 8, f->data, f->data_len);
	uvf_put64(p + 8, uvf_dirty_log_page_size(d->dirty));
	return 0;
}

static int log_report(struct uvf_device *d, const struct uvf_req_feature *f,
		      struct uvf_reply *rep)
{
	struct uvf_feat_log_report q;
	size_t bytes;
	uint8_t *p, *bm;
	int r;

	if ((r = uvf_proto_decode_log_report(f, &q)))
		return r;
	if (!d->dirty)
		return -EINVAL;
	if (!uvf_dirty_page_size_ok(q.page_size) || !q.length)
		return -EINVAL;
	if (q.iova + q.length < q.iova)
		return -EOVERFLOW;
	bytes = uvf_dirty_bitmap_bytes(q.length, q.page_size);
	/* A client could ask for gigabytes of bitmap: one reply carries at
	 * most REPORT_MAX_BITMAP (256 GiB of IOVA at 4 KiB); split larger
	 * ranges. */
	if (bytes > REPORT_MAX_BITMAP)
		return -E2BIG;
	/* Reporting clears the log, so a bitmap that does not fit cannot be
	 * answered partially: refuse before clearing anything. */
	if ((uint64_t)f->argsz < (uint64_t)UVF_VFIO_DEVICE_FEATURE_SIZE +
				    UVF_VFIO_DMA_LOGGING_REPORT_SIZE + bytes)
		return -EINVAL;
	p = uvf_msgbuf_put(rep->mb, UVF_VFIO_DEVICE_FEATURE_SIZE +
				    UVF_VFIO_DMA_LOGGING_REPORT_SIZE + bytes);
	if (!p)
		return -ENOMEM;
	uvf_put32(p, (uint32_t)(UVF_VFIO_DEVICE_FEATURE_SIZE +
				UVF_VFIO_DMA_LOGGING_REPORT_SIZE + bytes));
	uvf_put32(p + 4, f->flags);
	memcpy(p + 8, f->data, UVF_VFIO_DMA_LOGGING_REPORT_SIZE);
	bm = p + UVF_VFIO_DEVICE_FEATURE_SIZE + UVF_VFIO_DMA_LOGGING_REPORT_SIZE;
	/* The bitmap starts 48 bytes into the reply (header, feature, report
	 * fields), a malloc'd buffer: 8-byte aligned, so the log fills it in
	 * place (no second copy). */
	_Static_assert((UVF_VU_HDR_SIZE + UVF_VFIO_DEVICE_FEATURE_SIZE +
			UVF_VFIO_DMA_LOGGING_REPORT_SIZE) % sizeof(uint64_t) == 0,
		       "the REPORT bitmap must be 8-byte aligned in the reply");
	return uvf_dirty_log_report(d->dirty, q.iova, q.length, q.page_size, (uint64_t *)(void *)bm,
				    bytes);
}

int uvf_dma_log_feature(struct uvf_device *d, const struct uvf_req_feature *f,
			struct uvf_reply *rep)
{
	bool probe;
	int r;

	switch (f->feature) {
	case UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
		r = uvf_feature_check(f, UVF_VFIO_DEVICE_FEATURE_SET,
				      UVF_VFIO_DMA_LOGGING_CONTROL_SIZE, &probe);
		if (r || probe)
			return r ? r : uvf_feature_reply_probe(f, rep);
		return log_start(d, f, rep);
	case UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
		r = uvf_feature_check(f, UVF_VFIO_DEVICE_FEATURE_SET, 0, &probe);
		if (r || probe)
			return r ? r : uvf_feature_reply_probe(f, rep);
		/* STOP when not started succeeds (idempotent). */
		uvf_dma_log_stop(d);
		return uvf_feature_reply_probe(f, rep);
	default:
		r = uvf_feature_check(f, UVF_VFIO_DEVICE_FEATURE_GET,
				      UVF_VFIO_DMA_LOGGING_REPORT_SIZE, &probe);
		if (r || probe)
			return r ? r : uvf_feature_reply_probe(f, rep);
		return log_report(d, f, rep);
	}
}
