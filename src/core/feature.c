/* DEVICE_FEATURE: the kernel's generic validation, then dispatch to
 * migration, DMA logging, or the device's own features. */
#include <errno.h>
#include <string.h>

#include "core/core.h"

#define OP_GET	UVF_VFIO_DEVICE_FEATURE_GET
#define OP_SET	UVF_VFIO_DEVICE_FEATURE_SET
#define OP_PROBE UVF_VFIO_DEVICE_FEATURE_PROBE

/* Echo the request's 8-byte feature header (PROBE and SET replies start
 * with it). */
static int echo_header(const struct uvf_req_feature *f, struct uvf_reply *rep)
{
	uint8_t *p = uvf_msgbuf_put(rep->mb, UVF_VFIO_DEVICE_FEATURE_SIZE);

	if (!p)
		return -ENOMEM;
	uvf_put32(p, UVF_VFIO_DEVICE_FEATURE_SIZE);
	uvf_put32(p + 4, f->flags);
	return 0;
}

static int device_feature(struct uvf_device *d, const struct uvf_req_feature *f,
			  struct uvf_reply *rep)
{
	uint32_t op = f->flags & (OP_GET | OP_SET | OP_PROBE);
	size_t cap = f->argsz - UVF_VFIO_DEVICE_FEATURE_SIZE, out_len = 0;
	uint8_t *hdr, *out;
	int r;

	if (!d->ops->feature)
		return -ENOTTY;
	if ((op & OP_SET) && !(op & OP_PROBE) &&
	    f->argsz < (uint64_t)UVF_VFIO_DEVICE_FEATURE_SIZE + f->data_len)
		return -EINVAL;
	if ((r = echo_header(f, rep)))
		return r;
	if (cap > UVF_VU_DEFAULT_MAX_DATA_XFER)
		cap = UVF_VU_DEFAULT_MAX_DATA_XFER;
	out = uvf_msgbuf_put(rep->mb, (op & OP_GET) && !(op & OP_PROBE) ? cap : 0);
	if (!out && cap && (op & OP_GET))
		return -ENOMEM;
	r = d->ops->feature(d, f->feature, op, f->data, f->data_len, out, cap, &out_len);
	if (r)
		return r;
	/* Trim what the device did not write; SET echoes the request data. */
	hdr = rep->mb->data + UVF_VU_HDR_SIZE;
	if ((op & OP_GET) && !(op & OP_PROBE)) {
		rep->mb->len = UVF_VU_HDR_SIZE + UVF_VFIO_DEVICE_FEATURE_SIZE + out_len;
		uvf_put32(hdr, (uint32_t)(UVF_VFIO_DEVICE_FEATURE_SIZE + out_len));
	} else if (op & OP_SET) {
		out = uvf_msgbuf_put(rep->mb, f->data_len);
		if (!out)
			return -ENOMEM;
		memcpy(out, f->data, f->data_len);
		hdr = rep->mb->data + UVF_VU_HDR_SIZE;
		uvf_put32(hdr, UVF_VFIO_DEVICE_FEATURE_SIZE + f->data_len);
	}
	return 0;
}

int uvf_feature_dispatch(struct uvf_device *d, const struct uvf_req *req, struct uvf_reply *rep)
{
	const struct uvf_req_feature *f = &req->u.feature;
	const uint32_t known = UVF_VFIO_DEVICE_FEATURE_MASK | OP_GET | OP_SET | OP_PROBE;

	if (f->flags & ~known)
		return -EINVAL;
	if ((f->flags & OP_GET) && (f->flags & OP_SET) && !(f->flags & OP_PROBE))
		return -EINVAL;

	switch (f->feature) {
	case UVF_VFIO_DEVICE_FEATURE_MIGRATION:
	case UVF_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
	case UVF_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
		if (!d->mig)
			return -ENOTTY;
		return uvf_mig_feature(d, req, rep);
	case UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
	case UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
	case UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
		return uvf_dma_log_feature(d, f, rep);
	default:
		return device_feature(d, f, rep);
	}
}

/* The kernel's vfio_check_feature(), with the kernel's tri-state result
 * split into an errno and *probe_only. */
int uvf_feature_check(const struct uvf_req_feature *f, uint32_t supported, uint32_t minsz,
		      bool *probe_only)
{
	uint32_t op = f->flags & (OP_GET | OP_SET);

	*probe_only = false;
	if (op & ~supported)
		return -EINVAL;
	if (f->flags & OP_PROBE) {
		*probe_only = true;
		return 0;
	}
	if (!op)
		return -EINVAL;
	/* SET carries its data and is answered with it echoed, which must fit
	 * the client's argsz; GET must leave room for the answer. */
	if ((op & OP_SET) && (f->data_len < minsz ||
			      f->argsz < (uint64_t)UVF_VFIO_DEVICE_FEATURE_SIZE + f->data_len))
		return -EINVAL;
	if ((op & OP_GET) && f->argsz - UVF_VFIO_DEVICE_FEATURE_SIZE < minsz)
		return -EINVAL;
	return 0;
}

int uvf_feature_reply_probe(const struct uvf_req_feature *f, struct uvf_reply *rep)
{
	return echo_header(f, rep);
}
