/* The DMA address space of a device: the client's maps (sorted, never
 * overlapping), translation with bounds and permission checks, device
 * reads and writes (which feed the dirty log), and message DMA towards the
 * client for maps that came without an fd. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "core/dirty.h"

/* Index of the first map whose end is above iova. */
static unsigned lower_bound(const struct uvf_device *d, uint64_t iova)
{
	unsigned lo = 0, hi = d->nmaps;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (d->maps[mid].iova + d->maps[mid].size <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct dma_map *find(const struct uvf_device *d, uint64_t iova, uint64_t len)
{
	unsigned i = lower_bound(d, iova);
	struct dma_map *m;

	if (i == d->nmaps)
		return NULL;
	m = &d->maps[i];
	if (iova < m->iova || len > m->size || iova - m->iova > m->size - len)
		return NULL;
	return m;
}

static int map_fd(struct uvf_device *d, struct dma_map *m, int fd)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t align, base;
	struct stat st;
	int prot = 0;
	void *p;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) && (m->offset > (uint64_t)st.st_size ||
				    m->size > (uint64_t)st.st_size - m->offset))
		return -EINVAL;
	/* hugetlbfs wants the window aligned to its page size. */
	align = st.st_blksize > pg ? (uint64_t)st.st_blksize : (uint64_t)pg;
	base = m->offset & ~(align - 1);
	if (m->prot & UVF_VU_DMA_MAP_F_READ)
		prot |= PROT_READ;
	if (m->prot & UVF_VU_DMA_MAP_F_WRITE)
		prot |= PROT_WRITE;
	m->map_len = (size_t)(m->offset - base + m->size);
	p = mmap(NULL, m->map_len, prot, MAP_SHARED, fd, (off_t)base);
	if (p == MAP_FAILED) {
		int r = -errno;

		uvf_log(UVF_LOG_WARN, d, "DMA_MAP iova 0x%llx size 0x%llx: mmap of fd: %s",
			(unsigned long long)m->iova, (unsigned long long)m->size, strerror(-r));
		return r;
	}
	m->map_base = p;
	m->host = (uint8_t *)p + (m->offset - base);
	m->fd = fd;
	return 0;
}

int uvf_dma_map_add(struct uvf_device *d, struct uvf_req *req)
{
	const struct uvf_req_dma_map *q = &req->u.dma_map;
	struct dma_map m = { .iova = q->iova, .size = q->size, .prot = q->flags,
			     .offset = q->offset, .fd = -1 };
	unsigned i = lower_bound(d, q->iova);
	int r;

	if (i < d->nmaps && d->maps[i].iova < q->iova + q->size)
		return -EEXIST;
	if (d->nmaps >= d->max_maps)
		return -ENOSPC;
	if (d->nmaps == d->cap_maps) {
		unsigned cap = d->cap_maps ? d->cap_maps * 2 : 16;
		struct dma_map *n = realloc(d->maps, sizeof(*n) * cap);

		if (!n)
			return -ENOMEM;
		d->maps = n;
		d->cap_maps = cap;
	}
	if (q->fd >= 0) {
		if ((r = map_fd(d, &m, req->fds[q->fd])))
			return r;
		req->fds[q->fd] = -1;	/* the map owns it now */
	}
	memmove(&d->maps[i + 1], &d->maps[i], sizeof(m) * (d->nmaps - i));
	d->maps[i] = m;
	d->nmaps++;
	return 0;
}

static void drop(struct uvf_device *d, unsigned i)
{
	struct dma_map *m = &d->maps[i];

	if (d->ops->dma_unmap)
		d->ops->dma_unmap(d, m->iova, m->size);
	if (d->dirty) {
		uint64_t n = uvf_dirty_log_clear(d->dirty, m->iova, m->size);

		if (n)
			uvf_log(UVF_LOG_INFO, d, "DMA_UNMAP iova 0x%llx: %llu dirty pages dropped",
				(unsigned long long)m->iova, (unsigned long long)n);
	}
	if (m->map_base)
		munmap(m->map_base, m->map_len);
	if (m->fd >= 0)
		close(m->fd);
	memmove(&d->maps[i], &d->maps[i + 1], sizeof(*m) * (d->nmaps - i - 1));
	d->nmaps--;
}

void uvf_dma_remove_all(struct uvf_device *d)
{
	while (d->nmaps)
		drop(d, d->nmaps - 1);
}

int uvf_dma_map_remove(struct uvf_device *d, const struct uvf_req *req, struct uvf_reply *rep)
{
	const struct uvf_req_dma_unmap *u = &req->u.dma_unmap;
	uint8_t *p;

	if (u->flags & UVF_VU_DMA_UNMAP_F_ALL) {
		uvf_dma_remove_all(d);
	} else {
		unsigned i = lower_bound(d, u->iova);

		/* Only whole maps can be unmapped (the spec forbids partial). */
		if (i == d->nmaps || d->maps[i].iova != u->iova || d->maps[i].size != u->size)
			return -ENOENT;
		drop(d, i);
	}
	p = uvf_msgbuf_put(rep->mb, UVF_VU_DMA_UNMAP_SIZE);
	if (!p)
		return -ENOMEM;
	uvf_put32(p, UVF_VU_DMA_UNMAP_SIZE);
	uvf_put32(p + 4, u->flags);
	uvf_put64(p + 8, u->iova);
	uvf_put64(p + 16, u->size);
	return 0;
}

int uvf_dma_translate(struct uvf_device *d, uint64_t iova, uint64_t len, uint32_t prot,
		      void **host)
{
	struct dma_map *m = find(d, iova, len);

	if (!m || !m->host)
		return -EFAULT;
	if ((m->prot & prot) != prot)
		return -EACCES;
	*host = m->host + (iova - m->iova);
	return 0;
}

int uvf_dma_map_find(struct uvf_device *d, uint64_t iova, struct uvf_dma_map_info *out)
{
	struct dma_map *m = find(d, iova, 1);

	if (!m || !m->host)
		return -EFAULT;
	out->iova = m->iova;
	out->size = m->size;
	out->prot = m->prot;
	out->host = m->host;
	return 0;
}

void uvf_dma_mark_dirty(struct uvf_device *d, uint64_t iova, uint64_t len)
{
	if (d->dirty && len)
		uvf_dirty_log_mark(d->dirty, iova, len);
}

int uvf_dma_read(struct uvf_device *d, uint64_t iova, void *buf, size_t len)
{
	void *src;
	int r;

	if (!uvf_mig_dma_allowed(d))
		return -EBUSY;
	if ((r = uvf_dma_translate(d, iova, len, UVF_VU_DMA_MAP_F_READ, &src)))
		return r;
	memcpy(buf, src, len);
	return 0;
}

int uvf_dma_write(struct uvf_device *d, uint64_t iova, const void *buf, size_t len)
{
	void *dst;
	int r;

	if (!uvf_mig_dma_allowed(d))
		return -EBUSY;
	if ((r = uvf_dma_translate(d, iova, len, UVF_VU_DMA_MAP_F_WRITE, &dst)))
		return r;
	memcpy(dst, buf, len);
	uvf_dma_mark_dirty(d, iova, len);
	return 0;
}

/* ---- message DMA ---- */

struct dma_req {
	struct dma_req *next;
	struct uvf_device *dev;
	uint16_t msg_id, cmd;
	uint64_t iova, len;
	uvf_dma_done_fn fn;
	void *arg;
	int err;		/* for completions queued locally */
	void *data;
	uint64_t timer;
};

static void unlink_req(struct uvf_device *d, struct dma_req *q)
{
	for (struct dma_req **pp = &d->dma_reqs; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			return;
		}
}

static void local_done(struct uvf_loop *loop, void *arg)
{
	struct dma_req *q = arg;

	(void)loop;
	unlink_req(q->dev, q);
	q->fn(q->dev, q->arg, q->err, q->data, q->err ? 0 : q->len);
	free(q->data);
	free(q);
}

static int start_req(struct uvf_device *d, uint16_t cmd, uint64_t iova, const void *buf,
		     size_t len, uvf_dma_done_fn fn, void *arg)
{
	struct dma_req *q;
	struct dma_map *m;
	uint8_t hdr[UVF_VU_DMA_RW_SIZE];
	struct iovec iov[2];
	int r;

	if (!uvf_mig_dma_allowed(d))
		return -EBUSY;
	m = find(d, iova, len);
	if (!m)
		return -EFAULT;
	if (!(m->prot & (cmd == UVF_VU_CMD_DMA_READ ? UVF_VU_DMA_MAP_F_READ
						     : UVF_VU_DMA_MAP_F_WRITE)))
		return -EACCES;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->dev = d;
	q->cmd = cmd;
	q->iova = iova;
	q->len = len;
	q->fn = fn;
	q->arg = arg;

	if (m->host) {
		/* Reachable directly: do it now, complete on the next turn. */
		if (cmd == UVF_VU_CMD_DMA_READ) {
			q->data = malloc(len ? len : 1);
			if (!q->data) {
				free(q);
				return -ENOMEM;
			}
			memcpy(q->data, m->host + (iova - m->iova), len);
		} else {
			memcpy(m->host + (iova - m->iova), buf, len);
			uvf_dma_mark_dirty(d, iova, len);
		}
		if ((r = uvf_loop_add_timer(d->loop, 0, local_done, q, &q->timer))) {
			free(q->data);
			free(q);
			return r;
		}
		q->next = d->dma_reqs;
		d->dma_reqs = q;
		return 0;
	}
	if (!d->conn) {
		free(q);
		return -ENOTCONN;
	}
	if (len > d->caps.max_data_xfer_size) {
		free(q);
		return -E2BIG;
	}
	uvf_put64(hdr, iova);
	uvf_put64(hdr + 8, len);
	iov[0] = (struct iovec){ hdr, sizeof(hdr) };
	iov[1] = (struct iovec){ (void *)buf, cmd == UVF_VU_CMD_DMA_WRITE ? len : 0 };
	if ((r = d->link->request(d->conn, cmd, iov, 2, &q->msg_id))) {
		free(q);
		return r;
	}
	q->next = d->dma_reqs;
	d->dma_reqs = q;
	return 0;
}

int uvf_dma_read_async(struct uvf_device *d, uint64_t iova, size_t len, uvf_dma_done_fn fn,
		       void *arg)
{
	return start_req(d, UVF_VU_CMD_DMA_READ, iova, NULL, len, fn, arg);
}

int uvf_dma_write_async(struct uvf_device *d, uint64_t iova, const void *buf, size_t len,
			uvf_dma_done_fn fn, void *arg)
{
	return start_req(d, UVF_VU_CMD_DMA_WRITE, iova, buf, len, fn, arg);
}

void uvf_core_dma_reply(struct uvf_device *d, const struct uvf_req *req, int err)
{
	struct dma_req *q;

	for (q = d->dma_reqs; q; q = q->next)
		if (!q->timer && q->msg_id == req->hdr.msg_id && q->cmd == req->hdr.cmd)
			break;
	if (!q) {
		uvf_log(UVF_LOG_WARN, d, "unexpected %s reply id %u: ignored",
			req->hdr.cmd == UVF_VU_CMD_DMA_READ ? "DMA_READ" : "DMA_WRITE",
			req->hdr.msg_id);
		return;
	}
	unlink_req(d, q);
	if (!err && q->cmd == UVF_VU_CMD_DMA_READ &&
	    (req->u.dma_rw.iova != q->iova || req->u.dma_rw.count != q->len))
		err = -EIO;
	if (err)
		q->fn(d, q->arg, err, NULL, 0);
	else if (q->cmd == UVF_VU_CMD_DMA_READ)
		q->fn(d, q->arg, 0, req->u.dma_rw.data, q->len);
	else
		q->fn(d, q->arg, 0, NULL, 0);
	free(q);
}

void uvf_dma_cancel_requests(struct uvf_device *d)
{
	while (d->dma_reqs) {
		struct dma_req *q = d->dma_reqs;

		d->dma_reqs = q->next;
		if (q->timer)
			uvf_loop_del_timer(d->loop, q->timer);
		q->fn(d, q->arg, -ENOTCONN, NULL, 0);
		free(q->data);
		free(q);
	}
}
