/* Client side of migration: the device-state feature, the data stream,
 * pre-copy info and DMA dirty logging. */
#include <uvfio/client.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_impl.h"
#include "proto/proto.h"

#define FEAT(op, idx) (UVF_VFIO_DEVICE_FEATURE_##op | UVF_VFIO_DEVICE_FEATURE_##idx)

int uvf_client_mig_flags(struct uvf_client *c, uint64_t *flags)
{
	uint8_t a[8];
	size_t len;
	int r = uvf_client_feature(c, FEAT(GET, MIGRATION), NULL, 0, a, sizeof(a), &len);

	if (!r && len < 8)
		r = -EPROTO;
	if (!r)
		*flags = uvf_get64(a);
	return r;
}

int uvf_client_mig_get_state(struct uvf_client *c, enum uvf_mig_state *state)
{
	uint8_t a[8];
	size_t len;
	int r = uvf_client_feature(c, FEAT(GET, MIG_DEVICE_STATE), NULL, 0, a, sizeof(a), &len);

	if (!r && len < 8)
		r = -EPROTO;
	if (!r)
		*state = (enum uvf_mig_state)uvf_get32(a);
	return r;
}

int uvf_client_mig_set_state(struct uvf_client *c, enum uvf_mig_state state)
{
	uint8_t q[8], a[8];

	uvf_put32(q, state);
	uvf_put32(q + 4, UINT32_MAX);
	return uvf_client_feature(c, FEAT(SET, MIG_DEVICE_STATE), q, sizeof(q), a, sizeof(a),
				  NULL);
}

int uvf_client_mig_data_size(struct uvf_client *c, uint64_t *bytes)
{
	uint8_t a[8];
	size_t len;
	int r = uvf_client_feature(c, FEAT(GET, MIG_DATA_SIZE), NULL, 0, a, sizeof(a), &len);

	if (!r && len < 8)
		r = -EPROTO;
	if (!r)
		*bytes = uvf_get64(a);
	return r;
}

long uvf_client_mig_read(struct uvf_client *c, void *buf, size_t len)
{
	size_t n = len < c->caps.max_data_xfer_size ? len : c->caps.max_data_xfer_size;
	uint8_t q[UVF_VU_MIG_DATA_SIZE], fixed[UVF_VU_MIG_DATA_SIZE];
	struct pending p = { .fixed = fixed, .fixed_cap = sizeof(fixed), .data = buf,
			     .data_cap = n };
	struct iovec iov = { q, sizeof(q) };
	uint32_t got;
	int r;

	uvf_put32(q, (uint32_t)(UVF_VU_MIG_DATA_SIZE + n));
	uvf_put32(q + 4, (uint32_t)n);
	r = uvf_client_xfer(c, &p, UVF_VU_CMD_MIG_DATA_READ, 0, &iov, 1, NULL, 0);
	if (r)
		return r;
	if (p.len < UVF_VU_MIG_DATA_SIZE)
		return -EPROTO;
	got = uvf_get32(fixed + 4);
	if (got > n || p.len != UVF_VU_MIG_DATA_SIZE + got)
		return -EPROTO;
	return got;
}

struct stream_slot {
	struct pending p;
	uint8_t req[UVF_VU_MIG_DATA_SIZE], fixed[UVF_VU_MIG_DATA_SIZE];
	uint8_t *buf;
};

static int stream_send(struct uvf_client *c, struct stream_slot *s, size_t chunk)
{
	struct iovec iov = { s->req, sizeof(s->req) };

	s->p = (struct pending){ .fixed = s->fixed, .fixed_cap = sizeof(s->fixed),
				 .data = s->buf, .data_cap = chunk };
	uvf_put32(s->req, (uint32_t)(UVF_VU_MIG_DATA_SIZE + chunk));
	uvf_put32(s->req + 4, (uint32_t)chunk);
	return uvf_client_send(c, &s->p, UVF_VU_CMD_MIG_DATA_READ, 0, &iov, 1, NULL, 0);
}

long long uvf_client_mig_read_stream(struct uvf_client *c, size_t chunk, unsigned depth,
				     int (*fn)(void *arg, const void *data, size_t len),
				     void *arg)
{
	struct stream_slot s[8];
	unsigned inflight = 0, i = 0;
	long long total = 0;
	bool stop = false;
	int err = 0;

	if (!depth || depth > 8 || !chunk)
		return -EINVAL;
	if (chunk > c->caps.max_data_xfer_size)
		chunk = c->caps.max_data_xfer_size;
	for (unsigned k = 0; k < depth; k++)
		s[k].buf = NULL;
	for (unsigned k = 0; k < depth; k++) {
		if (!(s[k].buf = malloc(chunk))) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (unsigned k = 0; k < depth && !err; k++)
		if (!(err = stream_send(c, &s[k], chunk)))
			inflight++;
	/* Replies come in request order, which is slot order. */
	while (inflight) {
		struct stream_slot *x = &s[i];
		int r = uvf_client_wait(c, &x->p);
		uint32_t got = 0;

		inflight--;
		if (r == -ENOMSG) {
			stop = true;
		} else if (r) {
			err = err ? err : r;
			stop = true;
		} else {
			got = x->p.len >= UVF_VU_MIG_DATA_SIZE ? uvf_get32(x->fixed + 4) : 0;
			if (x->p.len < UVF_VU_MIG_DATA_SIZE || got > chunk ||
			    x->p.len != UVF_VU_MIG_DATA_SIZE + got) {
				err = err ? err : -EPROTO;
				stop = true;
			} else if (!err && got && fn && (r = fn(arg, x->buf, got))) {
				err = r;
				stop = true;
			}
			total += got;
			if (got < chunk)
				stop = true;
		}
		if (!stop && !err && !(err = stream_send(c, x, chunk)))
			inflight++;
		i = (i + 1) % depth;
	}
out:
	for (unsigned k = 0; k < depth; k++)
		free(s[k].buf);
	return err ? err : total;
}

int uvf_client_mig_write(struct uvf_client *c, const void *buf, size_t len)
{
	while (len) {
		size_t n = len < c->caps.max_data_xfer_size ? len : c->caps.max_data_xfer_size;
		uint8_t q[UVF_VU_MIG_DATA_SIZE];
		struct pending p = { 0 };
		struct iovec iov[2] = { { q, sizeof(q) }, { (void *)buf, n } };
		int r;

		uvf_put32(q, UVF_VU_MIG_DATA_SIZE);
		uvf_put32(q + 4, (uint32_t)n);
		r = uvf_client_xfer(c, &p, UVF_VU_CMD_MIG_DATA_WRITE, 0, iov, 2, NULL, 0);
		if (r)
			return r;
		buf = (const uint8_t *)buf + n;
		len -= n;
	}
	return 0;
}

int uvf_client_precopy_info(struct uvf_client *c, uint64_t *initial, uint64_t *dirty)
{
	uint8_t q[8], a[UVF_VU_PRECOPY_INFO_SIZE];
	size_t len;
	int r;

	uvf_put32(q, UVF_VU_PRECOPY_INFO_SIZE);
	uvf_put32(q + 4, 0);
	r = uvf_client_call(c, UVF_VU_CMD_MIG_PRECOPY_INFO, 0, q, sizeof(q), NULL, 0, a,
			    sizeof(a), &len, NULL);
	if (!r && len < sizeof(a))
		r = -EPROTO;
	if (!r) {
		*initial = uvf_get64(a + 8);
		*dirty = uvf_get64(a + 16);
	}
	return r;
}

int uvf_client_log_start(struct uvf_client *c, uint64_t page_size,
			 const struct uvf_client_range *ranges, uint32_t n, uint64_t *page_out)
{
	size_t len = UVF_VFIO_DMA_LOGGING_CONTROL_SIZE + (size_t)n * UVF_VFIO_DMA_LOGGING_RANGE_SIZE;
	uint8_t *q = calloc(1, len), a[UVF_VFIO_DMA_LOGGING_CONTROL_SIZE];
	size_t got;
	int r;

	if (!q)
		return -ENOMEM;
	uvf_put64(q, page_size);
	uvf_put32(q + 8, n);
	for (uint32_t i = 0; i < n; i++) {
		uvf_put64(q + 16 + i * 16, ranges[i].iova);
		uvf_put64(q + 24 + i * 16, ranges[i].length);
	}
	r = uvf_client_feature(c, FEAT(SET, DMA_LOGGING_START), q, len, a, sizeof(a), &got);
	free(q);
	if (!r && page_out)
		*page_out = got >= 8 ? uvf_get64(a) : page_size;
	return r;
}

int uvf_client_log_stop(struct uvf_client *c)
{
	return uvf_client_feature(c, FEAT(SET, DMA_LOGGING_STOP), NULL, 0, NULL, 0, NULL);
}

int uvf_client_log_report(struct uvf_client *c, uint64_t iova, uint64_t length,
			  uint64_t page_size, uint64_t *bitmap, size_t bitmap_bytes)
{
	uint8_t q[UVF_VFIO_DMA_LOGGING_REPORT_SIZE], fixed[8 + UVF_VFIO_DMA_LOGGING_REPORT_SIZE];
	struct pending p = { .fixed = fixed, .fixed_cap = sizeof(fixed), .data = bitmap,
			     .data_cap = bitmap_bytes };
	struct iovec iov[2] = { { fixed, 8 }, { q, sizeof(q) } };
	int r;

	if (bitmap_bytes > UINT32_MAX - sizeof(fixed))
		return -EINVAL;
	uvf_put32(fixed, (uint32_t)(sizeof(fixed) + bitmap_bytes));
	uvf_put32(fixed + 4, FEAT(GET, DMA_LOGGING_REPORT));
	uvf_put64(q, iova);
	uvf_put64(q + 8, length);
	uvf_put64(q + 16, page_size);
	r = uvf_client_xfer(c, &p, UVF_VU_CMD_DEVICE_FEATURE, 0, iov, 2, NULL, 0);
	if (!r && p.len != sizeof(fixed) + bitmap_bytes)
		r = -EPROTO;
	return r;
}
