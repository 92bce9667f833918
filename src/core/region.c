/* Regions: registration, REGION_INFO with its capability chain, and
 * REGION_READ/WRITE(_MULTI) with bounds and permission checks. */
#include <errno.h>
#include <string.h>

#include "core/core.h"

int uvf_device_set_region(struct uvf_device *d, unsigned index, const struct uvf_region *r)
{
	const uint32_t known = UVF_VFIO_REGION_INFO_FLAG_READ | UVF_VFIO_REGION_INFO_FLAG_WRITE |
			       UVF_VFIO_REGION_INFO_FLAG_MMAP;

	if (index >= d->num_regions || (r->flags & ~known) || r->nr_sparse > UVF_MAX_SPARSE)
		return -EINVAL;
	if (!r->ops && !r->mem && r->size)
		return -EINVAL;
	if ((r->flags & UVF_VFIO_REGION_INFO_FLAG_MMAP) && r->fd < 0)
		return -EINVAL;
	for (unsigned i = 0; i < r->nr_sparse; i++) {
		const struct uvf_sparse_area *a = &r->sparse[i];

		if (a->offset + a->size < a->offset || a->offset + a->size > r->size)
			return -EINVAL;
	}
	d->regions[index] = *r;
	return 0;
}

const struct uvf_region *uvf_device_region(const struct uvf_device *d, unsigned index)
{
	return index < d->num_regions ? &d->regions[index] : NULL;
}

/* Size of the capability chain of a region. */
static uint32_t caps_size(const struct uvf_region *r)
{
	uint32_t n = 0;

	if (r->flags & UVF_VFIO_REGION_INFO_FLAG_MMAP)
		n += UVF_VFIO_SPARSE_MMAP_HDR_SIZE +
		     UVF_VFIO_SPARSE_MMAP_AREA_SIZE * (r->nr_sparse ? r->nr_sparse : 1);
	if (r->type)
		n += UVF_VFIO_CAP_TYPE_SIZE;
	if (r->msix_mappable)
		n += UVF_VFIO_INFO_CAP_HEADER_SIZE;
	return n;
}

static void put_cap_header(uint8_t *p, uint16_t id, uint16_t version, uint32_t next)
{
	uvf_put16(p, id);
	uvf_put16(p + 2, version);
	uvf_put32(p + 4, next);
}

/* Write the chain at `base` (offset `off` from the region-info start). */
static void put_caps(const struct uvf_region *r, uint8_t *base, uint32_t off)
{
	uint8_t *p = base;
	uint32_t end = off + caps_size(r), next;

	if (r->flags & UVF_VFIO_REGION_INFO_FLAG_MMAP) {
		unsigned n = r->nr_sparse ? r->nr_sparse : 1;
		uint32_t len = UVF_VFIO_SPARSE_MMAP_HDR_SIZE + UVF_VFIO_SPARSE_MMAP_AREA_SIZE * n;

		next = off + len;
		put_cap_header(p, UVF_VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1, next == end ? 0 : next);
		uvf_put32(p + 8, n);
		for (unsigned i = 0; i < n; i++) {
			uint8_t *a = p + UVF_VFIO_SPARSE_MMAP_HDR_SIZE + i * 16;

			/* A region with no areas listed is mmap-able whole. */
			uvf_put64(a, r->nr_sparse ? r->sparse[i].offset : 0);
			uvf_put64(a + 8, r->nr_sparse ? r->sparse[i].size : r->size);
		}
		p += len;
		off += len;
	}
	if (r->type) {
		next = off + UVF_VFIO_CAP_TYPE_SIZE;
		put_cap_header(p, UVF_VFIO_REGION_INFO_CAP_TYPE, 1, next == end ? 0 : next);
		uvf_put32(p + 8, r->type);
		uvf_put32(p + 12, r->subtype);
		p += UVF_VFIO_CAP_TYPE_SIZE;
		off += UVF_VFIO_CAP_TYPE_SIZE;
	}
	if (r->msix_mappable)
		put_cap_header(p, UVF_VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, 1, 0);
}

int uvf_region_info(struct uvf_device *d, const struct uvf_req *req, struct uvf_reply *rep)
{
	const struct uvf_region *r;
	uint32_t csize, need, flags;
	uint8_t *p;
	bool fits;

	if (req->u.info.index >= d->num_regions)
		return -EINVAL;
	r = &d->regions[req->u.info.index];
	csize = caps_size(r);
	need = UVF_VFIO_REGION_INFO_SIZE + csize;
	/* Caps (and the fd) only when they fit in what the client accepts;
	 * argsz tells it how much to ask for next time. */
	fits = csize && req->u.info.argsz >= need;
	p = uvf_msgbuf_put(rep->mb, UVF_VFIO_REGION_INFO_SIZE + (fits ? csize : 0));
	if (!p)
		return -ENOMEM;
	flags = r->flags;
	if (csize)
		flags |= UVF_VFIO_REGION_INFO_FLAG_CAPS;
	uvf_put32(p, need);
	uvf_put32(p + 4, flags);
	uvf_put32(p + 8, req->u.info.index);
	uvf_put32(p + 12, fits ? UVF_VFIO_REGION_INFO_SIZE : 0);
	uvf_put64(p + 16, r->size);
	uvf_put64(p + 24, (r->flags & UVF_VFIO_REGION_INFO_FLAG_MMAP) ? r->fd_offset : 0);
	if (fits) {
		put_caps(r, p + UVF_VFIO_REGION_INFO_SIZE, UVF_VFIO_REGION_INFO_SIZE);
		if (r->flags & UVF_VFIO_REGION_INFO_FLAG_MMAP)
			rep->fd = r->fd;
	}
	return 0;
}

/* Common checks of one access; 0 or -errno. */
static int check_access(struct uvf_device *d, uint32_t index, uint64_t off, uint32_t count,
			bool write, const struct uvf_region **out)
{
	const struct uvf_region *r;
	uint32_t need = write ? UVF_VFIO_REGION_INFO_FLAG_WRITE : UVF_VFIO_REGION_INFO_FLAG_READ;

	if (index >= d->num_regions)
		return -EINVAL;
	r = &d->regions[index];
	if (!(r->flags & need))
		return -EINVAL;
	if (off > r->size || count > r->size - off)
		return -EINVAL;
	*out = r;
	return 0;
}

static int do_write(struct uvf_device *d, uint32_t index, const struct uvf_region *r,
		    uint64_t off, const void *data, uint32_t count)
{
	if (r->ops && r->ops->write)
		return r->ops->write(d, index, off, data, count);
	memcpy((uint8_t *)r->mem + off, data, count);
	return 0;
}

int uvf_region_access(struct uvf_device *d, const struct uvf_req *req, struct uvf_reply *rep)
{
	const struct uvf_req_region_rw *rw = &req->u.rw;
	bool write = req->hdr.cmd == UVF_VU_CMD_REGION_WRITE;
	const struct uvf_region *r;
	uint8_t *p;
	int ret;

	if ((ret = check_access(d, rw->region, rw->offset, rw->count, write, &r)))
		return ret;
	if (write && (ret = do_write(d, rw->region, r, rw->offset, rw->data, rw->count)))
		return ret;

	p = uvf_msgbuf_put(rep->mb, UVF_VU_REGION_RW_SIZE);
	if (!p)
		return -ENOMEM;
	uvf_put64(p, rw->offset);
	uvf_put32(p + 8, rw->region);
	uvf_put32(p + 12, rw->count);
	if (write || !rw->count)
		return 0;
	if (!r->ops || !r->ops->read) {
		/* Plain memory: send it straight from the device, no copy. */
		rep->extra = (const uint8_t *)r->mem + rw->offset;
		rep->extra_len = rw->count;
		return 0;
	}
	p = uvf_msgbuf_put_raw(rep->mb, rw->count);	/* the device fills all of it */
	if (!p)
		return -ENOMEM;
	ret = r->ops->read(d, rw->region, rw->offset, p, rw->count);
	return ret < 0 ? ret : 0;
}

int uvf_region_write_multi(struct uvf_device *d, const struct uvf_req *req,
			   struct uvf_reply *rep)
{
	const struct uvf_req_write_multi *m = &req->u.multi;
	uint64_t done = 0;
	uint8_t *p;

	/* Applied in order as individual writes; the first failure stops. */
	for (uint64_t i = 0; i < m->count; i++) {
		const uint8_t *rec = m->recs + i * UVF_VU_WRITE_MULTI_REC;
		const struct uvf_region *r;
		uint64_t off = uvf_get64(rec);
		uint32_t index = uvf_get32(rec + 8), count = uvf_get32(rec + 12);
		int ret = check_access(d, index, off, count, true, &r);

		if (!ret)
			ret = do_write(d, index, r, off, rec + 16, count);
		if (ret) {
			if (!done)
				return ret;
			break;
		}
		done++;
	}
	p = uvf_msgbuf_put(rep->mb, 8);
	if (!p)
		return -ENOMEM;
	uvf_put64(p, done);
	return 0;
}
