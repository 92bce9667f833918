/* vfio-user message decoding and building: every length and count is
 * checked here, once, before anything reads a field behind it. */
#include "proto/proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void uvf_proto_hdr_encode(uint8_t out[UVF_VU_HDR_SIZE], const struct uvf_vu_hdr *h)
{
	uvf_put16(out + UVF_VU_HDR_MSG_ID, h->msg_id);
	uvf_put16(out + UVF_VU_HDR_COMMAND, h->cmd);
	uvf_put32(out + UVF_VU_HDR_MSG_SIZE, h->size);
	uvf_put32(out + UVF_VU_HDR_FLAGS, h->flags);
	uvf_put32(out + UVF_VU_HDR_ERROR_NO, h->error_no);
}

int uvf_proto_hdr_decode(const uint8_t in[UVF_VU_HDR_SIZE], uint32_t max_size,
			 struct uvf_vu_hdr *h)
{
	const uint32_t known = UVF_VU_F_TYPE_MASK | UVF_VU_F_NO_REPLY | UVF_VU_F_ERROR;

	h->msg_id = uvf_get16(in + UVF_VU_HDR_MSG_ID);
	h->cmd = uvf_get16(in + UVF_VU_HDR_COMMAND);
	h->size = uvf_get32(in + UVF_VU_HDR_MSG_SIZE);
	h->flags = uvf_get32(in + UVF_VU_HDR_FLAGS);
	h->error_no = uvf_get32(in + UVF_VU_HDR_ERROR_NO);

	if (h->size < UVF_VU_HDR_SIZE)
		return -EINVAL;
	if (h->size > max_size)
		return -E2BIG;
	if ((h->flags & UVF_VU_F_TYPE_MASK) > UVF_VU_F_TYPE_REPLY)
		return -EINVAL;
	if (h->flags & ~known)
		return -EINVAL;
	return 0;
}

/* Number of fds each command may carry. */
static int check_fds(unsigned nfds, unsigned max)
{
	return nfds > max ? -EINVAL : 0;
}

static int decode_version(const uint8_t *p, uint32_t len, struct uvf_req *r)
{
	struct uvf_req_version *v = &r->u.version;

	if (len < UVF_VU_VERSION_FIXED)
		return -EINVAL;
	v->major = uvf_get16(p);
	v->minor = uvf_get16(p + 2);
	return uvf_caps_parse((const char *)p + 4, len - 4, &v->caps);
}

static int decode_dma_map(const uint8_t *p, uint32_t len, struct uvf_req *r)
{
	struct uvf_req_dma_map *m = &r->u.dma_map;
	const uint32_t known = UVF_VU_DMA_MAP_F_READ | UVF_VU_DMA_MAP_F_WRITE;

	if (len < UVF_VU_DMA_MAP_SIZE || uvf_get32(p) < UVF_VU_DMA_MAP_SIZE)
		return -EINVAL;
	m->flags = uvf_get32(p + 4);
	m->offset = uvf_get64(p + 8);
	m->iova = uvf_get64(p + 16);
	m->size = uvf_get64(p + 24);
	if (m->flags & ~known)
		return -EINVAL;
	if (!m->size || m->iova + m->size < m->iova || m->offset + m->size < m->offset)
		return -EINVAL;
	m->fd = r->nfds ? 0 : -1;
	return check_fds(r->nfds, 1);
}

static int decode_dma_unmap(const uint8_t *p, uint32_t len, struct uvf_req *r)
{
	struct uvf_req_dma_unmap *u = &r->u.dma_unmap;

	if (len < UVF_VU_DMA_UNMAP_SIZE)
		return -EINVAL;
	u->argsz = uvf_get32(p);
	u->flags = uvf_get32(p + 4);
	u->iova = uvf_get64(p + 8);
	u->size = uvf_get64(p + 16);
	/* The legacy dirty-bitmap form went with the retired DIRTY_PAGES. */
	if (u->flags & ~UVF_VU_DMA_UNMAP_F_ALL)
		return -EINVAL;
	if ((u->flags & UVF_VU_DMA_UNMAP_F_ALL) && (u->iova || u->size))
		return -EINVAL;
	if (!(u->flags & UVF_VU_DMA_UNMAP_F_ALL) &&
	    (!u->size || u->iova + u->size < u->iova))
		return -EINVAL;
	if (u->argsz < UVF_VU_DMA_UNMAP_SIZE)
		return -EINVAL;
	return check_fds(r->nfds, 0);
}

static int decode_info(const uint8_t *p, uint32_t len, uint32_t minsz, bool indexed,
		       struct uvf_req *r)
{
	if (len < minsz)
		return -EINVAL;
	r->u.info.argsz = uvf_get32(p);
	r->u.info.index = indexed ? uvf_get32(p + 8) : 0;
	if (r->u.info.argsz < minsz)
		return -EINVAL;
	return check_fds(r->nfds, 0);
}

static int decode_set_irqs(const uint8_t *p, uint32_t len, struct uvf_req *r)
{
	struct uvf_req_set_irqs *s = &r->u.set_irqs;
	uint32_t data_type;

	if (len < UVF_VFIO_IRQ_SET_SIZE || uvf_get32(p) < UVF_VFIO_IRQ_SET_SIZE)
		return -EINVAL;
	s->flags = uvf_get32(p + 4);
	s->index = uvf_get32(p + 8);
	s->start = uvf_get32(p + 12);
	s->count = uvf_get32(p + 16);
	s->bools = NULL;
	data_type = s->flags & UVF_VFIO_IRQ_SET_DATA_TYPE_MASK;

	if (data_type == UVF_VFIO_IRQ_SET_DATA_BOOL) {
		if (len - UVF_VFIO_IRQ_SET_SIZE < s->count)
			return -EINVAL;
		s->bools = p + UVF_VFIO_IRQ_SET_SIZE;
		return check_fds(r->nfds, 0);
	}
	if (data_type == UVF_VFIO_IRQ_SET_DATA_EVENTFD)
		return r->nfds == 0 || r->nfds == s->count ? 0 : -EINVAL;
	return check_fds(r->nfds, 0);
}

/* The bulk data that follows a fixed part (REGION_WRITE, MIG_DATA_WRITE,
 * DMA_WRITE and the DMA_READ reply): count within the negotiated limit and,
 * when data is carried, exactly the rest of the payload. */
static int bulk_data(const uint8_t *p, uint32_t len, uint32_t fixed, uint64_t count,
		     bool with_data, const struct uvf_proto_limits *lim, const uint8_t **data)
{
	*data = NULL;
	if (count > lim->max_data_xfer_size)
		return -E2BIG;
	if (with_data) {
		if (len - fixed != count)
			return -EINVAL;
		*data = p + fixed;
	}
	return 0;
}

static int decode_region_rw(const uint8_t *p, uint32_t len, bool write,
			    const struct uvf_proto_limits *lim, struct uvf_req *r)
{
	struct uvf_req_region_rw *rw = &r->u.rw;

	if (len < UVF_VU_REGION_RW_SIZE)
		return -EINVAL;
	int e;

	rw->offset = uvf_get64(p);
	rw->region = uvf_get32(p + 8);
	rw->count = uvf_get32(p + 12);
	if ((e = bulk_data(p, len, UVF_VU_REGION_RW_SIZE, rw->count, write, lim, &rw->data)))
		return e;
	return check_fds(r->nfds, 0);
}

static int decode_write_multi(const uint8_t *p, uint32_t len, struct uvf_req *r)
{
	struct uvf_req_write_multi *m = &r->u.multi;

	if (len < UVF_VU_WRITE_MULTI_HDR)
		return -EINVAL;
	m->count = uvf_get64(p);
	if (m->count == 0 || m->count > UVF_VU_WRITE_MULTI_MAX)
		return -EINVAL;
	if (len - UVF_VU_WRITE_MULTI_HDR != m->count * UVF_VU_WRITE_MULTI_REC)
		return -EINVAL;
	m->recs = p + UVF_VU_WRITE_MULTI_HDR;
	for (uint64_t i = 0; i < m->count; i++) {
		uint32_t c = uvf_get32(m->recs + i * UVF_VU_WRITE_MULTI_REC + 12);

		if (c == 0 || c > 8)
			return -EINVAL;
	}
	return check_fds(r->nfds, 0);
}

static int decode_feature(const uint8_t *p, uint32_t len, struct uvf_req *r)
{
	struct uvf_req_feature *f = &r->u.feature;

	if (len < UVF_VFIO_DEVICE_FEATURE_SIZE)
		return -EINVAL;
	f->argsz = uvf_get32(p);
	f->flags = uvf_get32(p + 4);
	f->feature = f->flags & UVF_VFIO_DEVICE_FEATURE_MASK;
	f->data = p + UVF_VFIO_DEVICE_FEATURE_SIZE;
	f->data_len = len - UVF_VFIO_DEVICE_FEATURE_SIZE;
	if (f->argsz < UVF_VFIO_DEVICE_FEATURE_SIZE)
		return -EINVAL;
	return check_fds(r->nfds, 0);
}

static int decode_mig_data(const uint8_t *p, uint32_t len, bool write,
			   const struct uvf_proto_limits *lim, struct uvf_req *r)
{
	struct uvf_req_mig_data *m = &r->u.mig;

	if (len < UVF_VU_MIG_DATA_SIZE)
		return -EINVAL;
	int e;

	m->argsz = uvf_get32(p);
	m->size = uvf_get32(p + 4);
	if ((e = bulk_data(p, len, UVF_VU_MIG_DATA_SIZE, m->size, write, lim, &m->data)))
		return e;
	if (!write && (uint64_t)m->argsz < (uint64_t)UVF_VU_MIG_DATA_SIZE + m->size)
		return -EINVAL;
	return check_fds(r->nfds, 0);
}

static int decode_precopy(const uint8_t *p, uint32_t len, struct uvf_req *r)
{
	if (len < 8)
		return -EINVAL;
	r->u.precopy.argsz = uvf_get32(p);
	r->u.precopy.flags = uvf_get32(p + 4);
	if (r->u.precopy.argsz < UVF_VU_PRECOPY_INFO_SIZE || r->u.precopy.flags)
		return -EINVAL;
	return check_fds(r->nfds, 0);
}

/* DMA_READ/DMA_WRITE: as replies (client answering the server) they carry
 * {address, count} and for READ the data; as commands (server asking the
 * client) they carry the same and for WRITE the data. */
static int decode_dma_rw(const uint8_t *p, uint32_t len, bool with_data,
			 const struct uvf_proto_limits *lim, struct uvf_req *r)
{
	struct uvf_req_dma_rw *d = &r->u.dma_rw;

	if (len < UVF_VU_DMA_RW_SIZE)
		return -EINVAL;
	int e;

	d->iova = uvf_get64(p);
	d->count = uvf_get64(p + 8);
	if ((e = bulk_data(p, len, UVF_VU_DMA_RW_SIZE, d->count, with_data, lim, &d->data)))
		return e;
	if (d->iova + d->count < d->iova)
		return -EINVAL;
	return check_fds(r->nfds, 0);
}

int uvf_proto_decode_cmd(const uint8_t *msg, const struct uvf_vu_hdr *h,
			 int *fds, unsigned nfds,
			 const struct uvf_proto_limits *lim, struct uvf_req *r)
{
	const uint8_t *p = msg + UVF_VU_HDR_SIZE;
	uint32_t len = h->size - UVF_VU_HDR_SIZE;

	memset(r, 0, sizeof(*r));
	r->hdr = *h;
	r->payload = p;
	r->payload_len = len;
	r->fds = fds;
	r->nfds = nfds;

	if (nfds > lim->max_fds)
		return -EINVAL;

	switch (h->cmd) {
	case UVF_VU_CMD_VERSION:
		if (nfds)
			return -EINVAL;
		return decode_version(p, len, r);
	case UVF_VU_CMD_DMA_MAP:
		return decode_dma_map(p, len, r);
	case UVF_VU_CMD_DMA_UNMAP:
		return decode_dma_unmap(p, len, r);
	case UVF_VU_CMD_DEVICE_GET_INFO:
		return decode_info(p, len, UVF_VU_DEVICE_INFO_SIZE, false, r);
	case UVF_VU_CMD_DEVICE_GET_REGION_INFO:
		return decode_info(p, len, UVF_VFIO_REGION_INFO_SIZE, true, r);
	case UVF_VU_CMD_DEVICE_GET_REGION_IO_FDS:
		return decode_info(p, len, 16, true, r);
	case UVF_VU_CMD_DEVICE_GET_IRQ_INFO:
		return decode_info(p, len, UVF_VFIO_IRQ_INFO_SIZE, true, r);
	case UVF_VU_CMD_DEVICE_SET_IRQS:
		return decode_set_irqs(p, len, r);
	case UVF_VU_CMD_REGION_READ:
		return decode_region_rw(p, len, false, lim, r);
	case UVF_VU_CMD_REGION_WRITE:
		return decode_region_rw(p, len, true, lim, r);
	case UVF_VU_CMD_REGION_WRITE_MULTI:
		return decode_write_multi(p, len, r);
	case UVF_VU_CMD_DEVICE_RESET:
		if (len)
			return -EINVAL;
		return check_fds(nfds, 0);
	case UVF_VU_CMD_DEVICE_FEATURE:
		return decode_feature(p, len, r);
	case UVF_VU_CMD_MIG_DATA_READ:
		return decode_mig_data(p, len, false, lim, r);
	case UVF_VU_CMD_MIG_DATA_WRITE:
		return decode_mig_data(p, len, true, lim, r);
	case UVF_VU_CMD_MIG_PRECOPY_INFO:
		return decode_precopy(p, len, r);
	case UVF_VU_CMD_DMA_READ:
		/* Only meaningful as a reply to the server's own request. */
		if (uvf_proto_is_reply(h))
			return decode_dma_rw(p, len, true, lim, r);
		return -EINVAL;
	case UVF_VU_CMD_DMA_WRITE:
		if (uvf_proto_is_reply(h))
			return len == 0 ? 0 : (len < 12 ? -EINVAL : 0);
		return -EINVAL;
	case UVF_VU_CMD_DIRTY_PAGES:
		return -EINVAL;		/* retired in 2023 */
	default:
		return -ENOSYS;
	}
}

/* Client side: the server's DMA_READ / DMA_WRITE commands. */
int uvf_proto_decode_dma_cmd(const uint8_t *msg, const struct uvf_vu_hdr *h,
			     const struct uvf_proto_limits *lim, struct uvf_req *r)
{
	const uint8_t *p = msg + UVF_VU_HDR_SIZE;
	uint32_t len = h->size - UVF_VU_HDR_SIZE;

	memset(r, 0, sizeof(*r));
	r->hdr = *h;
	r->payload = p;
	r->payload_len = len;
	if (h->cmd == UVF_VU_CMD_DMA_READ)
		return decode_dma_rw(p, len, false, lim, r);
	if (h->cmd == UVF_VU_CMD_DMA_WRITE)
		return decode_dma_rw(p, len, true, lim, r);
	return -ENOSYS;
}

int uvf_proto_decode_mig_state(const struct uvf_req_feature *f, struct uvf_feat_mig_state *out)
{
	if (f->data_len < UVF_VFIO_MIG_STATE_SIZE)
		return -EINVAL;
	out->state = uvf_get32(f->data);
	return 0;
}

int uvf_proto_decode_log_start(const struct uvf_req_feature *f, struct uvf_feat_log_start *out)
{
	uint64_t need;

	if (f->data_len < UVF_VFIO_DMA_LOGGING_CONTROL_SIZE)
		return -EINVAL;
	out->page_size = uvf_get64(f->data);
	out->num_ranges = uvf_get32(f->data + 8);
	if (out->num_ranges > UVF_VFIO_DMA_LOGGING_MAX_RANGES)
		return -E2BIG;
	need = UVF_VFIO_DMA_LOGGING_CONTROL_SIZE +
	       (uint64_t)out->num_ranges * UVF_VFIO_DMA_LOGGING_RANGE_SIZE;
	if (f->data_len < need)
		return -EINVAL;
	out->ranges = f->data + UVF_VFIO_DMA_LOGGING_CONTROL_SIZE;
	return 0;
}

int uvf_proto_decode_log_report(const struct uvf_req_feature *f, struct uvf_feat_log_report *out)
{
	if (f->data_len < UVF_VFIO_DMA_LOGGING_REPORT_SIZE)
		return -EINVAL;
	out->iova = uvf_get64(f->data);
	out->length = uvf_get64(f->data + 8);
	out->page_size = uvf_get64(f->data + 16);
	return 0;
}

/* ---- message building ---- */

void uvf_msgbuf_init(struct uvf_msgbuf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void uvf_msgbuf_free(struct uvf_msgbuf *b)
{
	free(b->data);
	uvf_msgbuf_init(b);
}

static int reserve(struct uvf_msgbuf *b, size_t n)
{
	size_t cap;
	uint8_t *d;

	if (b->len + n <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int uvf_msgbuf_begin(struct uvf_msgbuf *b, uint16_t msg_id, uint16_t cmd, uint32_t flags)
{
	struct uvf_vu_hdr h = { .msg_id = msg_id, .cmd = cmd, .size = UVF_VU_HDR_SIZE,
				.flags = flags };

	b->len = 0;
	if (reserve(b, UVF_VU_HDR_SIZE))
		return -ENOMEM;
	uvf_proto_hdr_encode(b->data, &h);
	b->len = UVF_VU_HDR_SIZE;
	return 0;
}

uint8_t *uvf_msgbuf_put_raw(struct uvf_msgbuf *b, size_t n)
{
	uint8_t *p;

	if (reserve(b, n))
		return NULL;
	p = b->data + b->len;
	b->len += n;
	return p;
}

uint8_t *uvf_msgbuf_put(struct uvf_msgbuf *b, size_t n)
{
	uint8_t *p = uvf_msgbuf_put_raw(b, n);

	if (p)
		memset(p, 0, n);
	return p;
}

void uvf_msgbuf_finish(struct uvf_msgbuf *b, uint32_t extra)
{
	uvf_put32(b->data + UVF_VU_HDR_MSG_SIZE, (uint32_t)(b->len + extra));
}

size_t uvf_dirty_bitmap_bytes(uint64_t length, uint64_t page_size)
{
	uint64_t pages, words;

	if (!page_size)
		return 0;
	/* Divide before rounding so a length near 2^64 cannot wrap. */
	pages = length / page_size + (length % page_size != 0);
	words = pages / 64 + (pages % 64 != 0);
	if (words > SIZE_MAX / sizeof(uint64_t))
		return SIZE_MAX;
	return (size_t)(words * sizeof(uint64_t));
}
