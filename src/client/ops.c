/* Client calls, one per vfio-user command. */
#include <uvfio/client.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client/client_impl.h"
#include "proto/proto.h"

int uvf_client_device_info(struct uvf_client *c, struct uvf_client_device_info *out)
{
	uint8_t q[UVF_VU_DEVICE_INFO_SIZE] = { 0 }, a[UVF_VU_DEVICE_INFO_SIZE];
	size_t len;
	int r;

	uvf_put32(q, sizeof(q));
	r = uvf_client_call(c, UVF_VU_CMD_DEVICE_GET_INFO, 0, q, sizeof(q), NULL, 0, a, sizeof(a),
			    &len, NULL);
	if (r)
		return r;
	if (len < sizeof(a))
		return -EPROTO;
	out->flags = uvf_get32(a + 4);
	out->num_regions = uvf_get32(a + 8);
	out->num_irqs = uvf_get32(a + 12);
	return 0;
}

/* Walk a region-info capability chain with bounds checks. */
static int parse_caps(const uint8_t *buf, size_t len, uint32_t off, struct uvf_client_region *r)
{
	for (int hops = 0; off && hops < 32; hops++) {
		uint16_t id;
		uint32_t next;

		if (off < UVF_VFIO_REGION_INFO_SIZE || off > len || len - off < 8)
			return -EPROTO;
		id = uvf_get16(buf + off);
		next = uvf_get32(buf + off + 4);
		if (id == UVF_VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			uint32_t n;

			if (len - off < 16)
				return -EPROTO;
			n = uvf_get32(buf + off + 8);
			if (n > UVF_CLIENT_MAX_SPARSE || (len - off - 16) / 16 < n)
				return -EPROTO;
			r->nr_sparse = n;
			for (uint32_t i = 0; i < n; i++) {
				r->sparse[i].offset = uvf_get64(buf + off + 16 + i * 16);
				r->sparse[i].size = uvf_get64(buf + off + 24 + i * 16);
			}
		} else if (id == UVF_VFIO_REGION_INFO_CAP_TYPE) {
			if (len - off < 16)
				return -EPROTO;
			r->has_type = true;
			r->type = uvf_get32(buf + off + 8);
			r->subtype = uvf_get32(buf + off + 12);
		} else if (id == UVF_VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) {
			r->msix_mappable = true;
		}
		if (next && next <= off)
			return -EPROTO;	/* chains only go forward: no loops */
		off = next;
	}
	return off ? -EPROTO : 0;
}

int uvf_client_region_info(struct uvf_client *c, unsigned index, struct uvf_client_region *out)
{
	uint32_t argsz = 512;

	for (int tries = 0; tries < 3; tries++) {
		uint8_t q[UVF_VFIO_REGION_INFO_SIZE] = { 0 };
		uint8_t *a = malloc(argsz);
		size_t len;
		int fd = -1, r;

		if (!a)
			return -ENOMEM;
		uvf_put32(q, argsz);
		uvf_put32(q + 8, index);
		r = uvf_client_call(c, UVF_VU_CMD_DEVICE_GET_REGION_INFO, 0, q, sizeof(q), NULL, 0,
				    a, argsz, &len, &fd);
		if (!r && (len < UVF_VFIO_REGION_INFO_SIZE || len > argsz))
			r = -EPROTO;
		if (r) {
			free(a);
			if (fd >= 0)
				close(fd);
			return r;
		}
		if (uvf_get32(a) > argsz && uvf_get32(a) <= 65536) {
			argsz = uvf_get32(a);
			free(a);
			if (fd >= 0)
				close(fd);
			continue;
		}
		memset(out, 0, sizeof(*out));
		out->index = uvf_get32(a + 8);
		out->flags = uvf_get32(a + 4);
		out->size = uvf_get64(a + 16);
		out->offset = uvf_get64(a + 24);
		out->fd = fd;
		r = parse_caps(a, len, uvf_get32(a + 12), out);
		free(a);
		if (r)
			uvf_client_region_release(out);
		return r;
	}
	return -EPROTO;
}

void uvf_client_region_release(struct uvf_client_region *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

int uvf_client_find_region(struct uvf_client *c, uint32_t type, uint32_t subtype)
{
	struct uvf_client_device_info di;
	int r = uvf_client_device_info(c, &di);

	if (r)
		return r;
	for (uint32_t i = 0; i < di.num_regions; i++) {
		struct uvf_client_region reg;

		if (uvf_client_region_info(c, i, &reg))
			continue;
		uvf_client_region_release(&reg);
		if (reg.has_type && reg.type == type && reg.subtype == subtype)
			return (int)i;
	}
	return -ENOENT;
}

int uvf_client_irq_info(struct uvf_client *c, unsigned index, uint32_t *flags, uint32_t *count)
{
	uint8_t q[UVF_VFIO_IRQ_INFO_SIZE] = { 0 }, a[UVF_VFIO_IRQ_INFO_SIZE];
	size_t len;
	int r;

	uvf_put32(q, sizeof(q));
	uvf_put32(q + 8, index);
	r = uvf_client_call(c, UVF_VU_CMD_DEVICE_GET_IRQ_INFO, 0, q, sizeof(q), NULL, 0, a,
			    sizeof(a), &len, NULL);
	if (r)
		return r;
	if (len < sizeof(a))
		return -EPROTO;
	*flags = uvf_get32(a + 4);
	*count = uvf_get32(a + 12);
	return 0;
}

int uvf_client_region_read(struct uvf_client *c, unsigned index, uint64_t off, void *buf,
			   size_t len)
{
	while (len) {
		size_t n = len < c->caps.max_data_xfer_size ? len : c->caps.max_data_xfer_size;
		uint8_t q[UVF_VU_REGION_RW_SIZE], fixed[UVF_VU_REGION_RW_SIZE];
		struct pending p = { .fixed = fixed, .fixed_cap = sizeof(fixed),
				     .data = buf, .data_cap = n };
		struct iovec iov = { q, sizeof(q) };
		int r;

		uvf_put64(q, off);
		uvf_put32(q + 8, index);
		uvf_put32(q + 12, (uint32_t)n);
		r = uvf_client_xfer(c, &p, UVF_VU_CMD_REGION_READ, 0, &iov, 1, NULL, 0);
		if (r)
			return r;
		if (p.len != UVF_VU_REGION_RW_SIZE + n || uvf_get32(fixed + 12) != n)
			return -EIO;
		buf = (uint8_t *)buf + n;
		off += n;
		len -= n;
	}
	return 0;
}

int uvf_client_region_write(struct uvf_client *c, unsigned index, uint64_t off,
			    const void *buf, size_t len)
{
	while (len) {
		size_t n = len < c->caps.max_data_xfer_size ? len : c->caps.max_data_xfer_size;
		uint8_t q[UVF_VU_REGION_RW_SIZE], a[UVF_VU_REGION_RW_SIZE];
		struct pending p = { .fixed = a, .fixed_cap = sizeof(a) };
		struct iovec iov[2] = { { q, sizeof(q) }, { (void *)buf, n } };
		int r;

		uvf_put64(q, off);
		uvf_put32(q + 8, index);
		uvf_put32(q + 12, (uint32_t)n);
		r = uvf_client_xfer(c, &p, UVF_VU_CMD_REGION_WRITE, 0, iov, 2, NULL, 0);
		if (r)
			return r;
		buf = (const uint8_t *)buf + n;
		off += n;
		len -= n;
	}
	return 0;
}

int uvf_client_region_mmap(struct uvf_client *c, unsigned index, void **ptr, size_t *len)
{
	struct uvf_client_region r;
	int prot = 0, ret;
	void *p;

	if ((ret = uvf_client_region_info(c, index, &r)))
		return ret;
	if (!(r.flags & UVF_VFIO_REGION_INFO_FLAG_MMAP) || r.fd < 0) {
		uvf_client_region_release(&r);
		return -ENOTSUP;
	}
	if (r.flags & UVF_VFIO_REGION_INFO_FLAG_READ)
		prot |= PROT_READ;
	if (r.flags & UVF_VFIO_REGION_INFO_FLAG_WRITE)
		prot |= PROT_WRITE;
	p = mmap(NULL, r.size, prot, MAP_SHARED, r.fd, (off_t)r.offset);
	ret = p == MAP_FAILED ? -errno : 0;
	uvf_client_region_release(&r);
	if (ret)
		return ret;
	*ptr = p;
	*len = r.size;
	return 0;
}

int uvf_client_dma_map(struct uvf_client *c, uint64_t iova, uint64_t size, uint32_t prot,
		       int fd, uint64_t fd_offset, void *host)
{
	uint8_t q[UVF_VU_DMA_MAP_SIZE];
	struct client_map *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	uvf_put32(q, sizeof(q));
	uvf_put32(q + 4, prot);
	uvf_put64(q + 8, fd >= 0 ? fd_offset : 0);
	uvf_put64(q + 16, iova);
	uvf_put64(q + 24, size);
	r = uvf_client_call(c, UVF_VU_CMD_DMA_MAP, 0, q, sizeof(q), fd >= 0 ? &fd : NULL,
			    fd >= 0 ? 1 : 0, NULL, 0, NULL, NULL);
	if (r) {
		free(m);
		return r;
	}
	m->iova = iova;
	m->size = size;
	m->host = host;
	pthread_mutex_lock(&c->lock);
	m->next = c->maps;
	c->maps = m;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static void forget_maps(struct uvf_client *c, uint64_t iova, uint64_t size, bool all)
{
	pthread_mutex_lock(&c->lock);
	for (struct client_map **pp = &c->maps; *pp;) {
		struct client_map *m = *pp;

		if (all || (m->iova == iova && m->size == size)) {
			*pp = m->next;
			free(m);
		} else {
			pp = &m->next;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

static int unmap(struct uvf_client *c, uint64_t iova, uint64_t size, uint32_t flags)
{
	uint8_t q[UVF_VU_DMA_UNMAP_SIZE], a[UVF_VU_DMA_UNMAP_SIZE];
	int r;

	uvf_put32(q, sizeof(q));
	uvf_put32(q + 4, flags);
	uvf_put64(q + 8, iova);
	uvf_put64(q + 16, size);
	r = uvf_client_call(c, UVF_VU_CMD_DMA_UNMAP, 0, q, sizeof(q), NULL, 0, a, sizeof(a), NULL,
			    NULL);
	if (!r)
		forget_maps(c, iova, size, flags & UVF_VU_DMA_UNMAP_F_ALL);
	return r;
}

int uvf_client_dma_unmap(struct uvf_client *c, uint64_t iova, uint64_t size)
{
	return unmap(c, iova, size, 0);
}

int uvf_client_dma_unmap_all(struct uvf_client *c)
{
	return unmap(c, 0, 0, UVF_VU_DMA_UNMAP_F_ALL);
}

int uvf_client_mem_alloc(size_t size, struct uvf_client_mem *out)
{
	int fd = memfd_create("uvfio-guest", MFD_CLOEXEC);
	void *p;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    (p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		int r = -errno;

		close(fd);
		return r;
	}
	out->ptr = p;
	out->size = size;
	out->fd = fd;
	return 0;
}

void uvf_client_mem_free(struct uvf_client_mem *m)
{
	if (m->ptr)
		munmap(m->ptr, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->ptr = NULL;
	m->fd = -1;
}

int uvf_client_set_irqs(struct uvf_client *c, uint32_t index, uint32_t flags, uint32_t start,
			uint32_t count, const void *data, unsigned nfds)
{
	bool bools = (flags & UVF_VFIO_IRQ_SET_DATA_TYPE_MASK) == UVF_VFIO_IRQ_SET_DATA_BOOL;
	size_t dlen = bools ? count : 0;
	uint8_t *q = malloc(UVF_VFIO_IRQ_SET_SIZE + dlen);
	int r;

	if (!q)
		return -ENOMEM;
	uvf_put32(q, (uint32_t)(UVF_VFIO_IRQ_SET_SIZE + dlen));
	uvf_put32(q + 4, flags);
	uvf_put32(q + 8, index);
	uvf_put32(q + 12, start);
	uvf_put32(q + 16, count);
	if (dlen)
		memcpy(q + UVF_VFIO_IRQ_SET_SIZE, data, dlen);
	r = uvf_client_call(c, UVF_VU_CMD_DEVICE_SET_IRQS, 0, q, UVF_VFIO_IRQ_SET_SIZE + dlen,
			    bools ? NULL : data, bools ? 0 : nfds, NULL, 0, NULL, NULL);
	free(q);
	return r;
}

int uvf_client_irq_eventfd(struct uvf_client *c, uint32_t index, uint32_t vector, int *efd)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), r;

	if (fd < 0)
		return -errno;
	r = uvf_client_set_irqs(c, index, UVF_VFIO_IRQ_SET_DATA_EVENTFD |
				UVF_VFIO_IRQ_SET_ACTION_TRIGGER, vector, 1, &fd, 1);
	if (r) {
		close(fd);
		return r;
	}
	*efd = fd;
	return 0;
}

int uvf_client_reset(struct uvf_client *c)
{
	return uvf_client_call(c, UVF_VU_CMD_DEVICE_RESET, 0, NULL, 0, NULL, 0, NULL, 0, NULL,
			       NULL);
}

int uvf_client_feature(struct uvf_client *c, uint32_t flags, const void *in, size_t in_len,
		       void *out, size_t out_cap, size_t *out_len)
{
	uint8_t q[8], a[8];
	struct pending p = { .fixed = a, .fixed_cap = sizeof(a), .data = out, .data_cap = out_cap };
	struct iovec iov[2] = { { q, sizeof(q) }, { (void *)in, in_len } };
	int r;

	size_t room = out_cap > in_len ? out_cap : in_len;	/* a SET echo must fit */

	if (room > UINT32_MAX - 8)
		return -EINVAL;
	uvf_put32(q, (uint32_t)(8 + room));
	uvf_put32(q + 4, flags);
	r = uvf_client_xfer(c, &p, UVF_VU_CMD_DEVICE_FEATURE, 0, iov, in_len ? 2 : 1, NULL, 0);
	if (out_len)
		*out_len = p.len > 8 ? p.len - 8 : 0;
	return r;
}
