/* The client connection: calls matched to replies by (command, msg_id),
 * with whichever waiting thread reading the socket for all of them. */
#include <uvfio/client.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client/client_impl.h"
#include "proto/proto.h"
#include "proto/sock.h"

/* Read exactly len bytes (blocking with a timeout), collecting fds. */
static int read_full(struct uvf_client *c, void *buf, size_t len, int *fds, unsigned *nfds)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		ssize_t n;
		int r = poll(&p, 1, c->timeout_ms);

		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		n = uvf_sock_recv(c->fd, (uint8_t *)buf + got, len - got, fds ? fds : (int[1]){ -1 },
				  nfds, fds ? UVF_VU_MAX_MSG_FDS : 0);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -ENOTCONN;
		got += (size_t)n;
	}
	return 0;
}

static int discard(struct uvf_client *c, size_t len)
{
	uint8_t tmp[4096];

	while (len) {
		size_t n = len < sizeof(tmp) ? len : sizeof(tmp);
		int r = read_full(c, tmp, n, NULL, NULL);

		if (r)
			return r;
		len -= n;
	}
	return 0;
}

static int send_all(struct uvf_client *c, struct iovec *iov, int iovcnt, const int *fds,
		    unsigned nfds)
{
	int r = 0;

	pthread_mutex_lock(&c->send_lock);
	while (iovcnt) {
		ssize_t n = uvf_sock_send(c->fd, iov, iovcnt, fds, nfds);

		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0) {
			r = (int)n;
			break;
		}
		nfds = 0;	/* fds went with the first byte */
		while (iovcnt && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	pthread_mutex_unlock(&c->send_lock);
	return r;
}

/* The server's DMA_READ/DMA_WRITE: served from registered memory. */
static int serve_dma(struct uvf_client *c, const struct uvf_vu_hdr *h)
{
	struct uvf_proto_limits lim = { .max_data_xfer_size = UVF_VU_DEFAULT_MAX_DATA_XFER,
					.max_fds = 0 };
	uint8_t *msg = malloc(h->size);
	struct uvf_vu_hdr rh = { .msg_id = h->msg_id, .cmd = h->cmd, .flags = UVF_VU_F_TYPE_REPLY };
	uint8_t hdr[UVF_VU_HDR_SIZE], fixed[UVF_VU_DMA_RW_SIZE];
	struct iovec iov[3];
	struct uvf_req req;
	uint8_t *host = NULL;
	int r, err = 0;

	if (!msg)
		return -ENOMEM;
	uvf_proto_hdr_encode(msg, h);
	if ((r = read_full(c, msg + UVF_VU_HDR_SIZE, h->size - UVF_VU_HDR_SIZE, NULL, NULL))) {
		free(msg);
		return r;
	}
	if (uvf_proto_decode_dma_cmd(msg, h, &lim, &req)) {
		err = EINVAL;
	} else {
		pthread_mutex_lock(&c->lock);
		for (struct client_map *m = c->maps; m; m = m->next)
			if (m->host && req.u.dma_rw.iova >= m->iova &&
			    req.u.dma_rw.count <= m->size &&
			    req.u.dma_rw.iova - m->iova <= m->size - req.u.dma_rw.count)
				host = (uint8_t *)m->host + (req.u.dma_rw.iova - m->iova);
		pthread_mutex_unlock(&c->lock);
		if (!host)
			err = EFAULT;
		else if (h->cmd == UVF_VU_CMD_DMA_WRITE)
			memcpy(host, req.u.dma_rw.data, req.u.dma_rw.count);
	}
	if (err) {
		rh.flags |= UVF_VU_F_ERROR;
		rh.error_no = (uint32_t)err;
		rh.size = UVF_VU_HDR_SIZE;
		uvf_proto_hdr_encode(hdr, &rh);
		iov[0] = (struct iovec){ hdr, sizeof(hdr) };
		r = send_all(c, iov, 1, NULL, 0);
	} else {
		bool rd = h->cmd == UVF_VU_CMD_DMA_READ;

		uvf_put64(fixed, req.u.dma_rw.iova);
		uvf_put64(fixed + 8, req.u.dma_rw.count);
		rh.size = UVF_VU_HDR_SIZE + UVF_VU_DMA_RW_SIZE + (rd ? (uint32_t)req.u.dma_rw.count : 0);
		uvf_proto_hdr_encode(hdr, &rh);
		iov[0] = (struct iovec){ hdr, sizeof(hdr) };
		iov[1] = (struct iovec){ fixed, sizeof(fixed) };
		iov[2] = (struct iovec){ host, rd ? req.u.dma_rw.count : 0 };
		r = send_all(c, iov, rd ? 3 : 2, NULL, 0);
	}
	free(msg);
	return r;
}

/* Read one message and hand it to its waiter.  Called with c->lock NOT
 * held, by the single current reader. */
static int read_one(struct uvf_client *c)
{
	uint8_t hb[UVF_VU_HDR_SIZE];
	int fds[UVF_VU_MAX_MSG_FDS];
	unsigned nfds = 0;
	struct uvf_vu_hdr h;
	struct pending *p;
	uint32_t len;
	int r;

	if ((r = read_full(c, hb, sizeof(hb), fds, &nfds)))
		goto err;
	if ((r = uvf_proto_hdr_decode(hb, 64u << 20, &h)))
		goto err;
	if (!uvf_proto_is_reply(&h)) {
		uvf_close_fds(fds, nfds);
		if (h.cmd == UVF_VU_CMD_DMA_READ || h.cmd == UVF_VU_CMD_DMA_WRITE)
			return serve_dma(c, &h);
		return discard(c, h.size - UVF_VU_HDR_SIZE);
	}
	len = h.size - UVF_VU_HDR_SIZE;
	pthread_mutex_lock(&c->lock);
	for (p = c->pend; p; p = p->next)
		if (!p->done && p->id == h.msg_id && p->cmd == h.cmd)
			break;
	pthread_mutex_unlock(&c->lock);
	if (!p) {
		uvf_close_fds(fds, nfds);
		return discard(c, len);
	}
	/* Only this thread touches p's buffers until done is set. */
	if (h.flags & UVF_VU_F_ERROR) {
		p->err = uvf_proto_reply_err(&h);
		r = discard(c, len);
	} else {
		size_t a = len < p->fixed_cap ? len : p->fixed_cap;
		size_t b = len - a < p->data_cap ? len - a : p->data_cap;

		p->len = len;
		r = read_full(c, p->fixed, a, fds, &nfds);
		if (!r && b)
			r = read_full(c, p->data, b, fds, &nfds);
		if (!r)
			r = discard(c, len - a - b);
	}
	if (nfds) {
		p->rfd = fds[0];
		fds[0] = -1;
		uvf_close_fds(fds, nfds);
	}
	pthread_mutex_lock(&c->lock);
	p->done = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->lock);
	return r;
err:
	uvf_close_fds(fds, nfds);
	return r;
}

static void fail_all(struct uvf_client *c, int err)
{
	for (struct pending *p = c->pend; p; p = p->next)
		if (!p->done) {
			p->done = true;
			p->err = err;
		}
	c->broken = err;
	pthread_cond_broadcast(&c->cv);
}

int uvf_client_send(struct uvf_client *c, struct pending *p, uint16_t cmd, uint32_t flags,
		    struct iovec *iov, int iovcnt, const int *fds, unsigned nfds)
{
	struct iovec v[8];
	uint8_t hb[UVF_VU_HDR_SIZE];
	struct uvf_vu_hdr h = { .cmd = cmd, .size = UVF_VU_HDR_SIZE,
				.flags = UVF_VU_F_TYPE_COMMAND | flags };
	int r;

	if (iovcnt > 7)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		v[i + 1] = iov[i];
		h.size += (uint32_t)iov[i].iov_len;
	}
	p->cmd = cmd;
	p->rfd = -1;
	p->done = false;
	p->err = 0;
	pthread_mutex_lock(&c->lock);
	if (c->broken) {
		pthread_mutex_unlock(&c->lock);
		return c->broken;
	}
	h.msg_id = p->id = c->next_id++;
	p->next = c->pend;
	c->pend = p;
	pthread_mutex_unlock(&c->lock);

	uvf_proto_hdr_encode(hb, &h);
	v[0] = (struct iovec){ hb, sizeof(hb) };
	r = send_all(c, v, iovcnt + 1, fds, nfds);

	pthread_mutex_lock(&c->lock);
	if (r) {
		fail_all(c, -ENOTCONN);
	} else if (flags & UVF_VU_F_NO_REPLY) {
		p->done = true;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int uvf_client_wait(struct uvf_client *c, struct pending *p)
{
	int r;

	pthread_mutex_lock(&c->lock);
	while (!p->done) {
		if (c->reading) {
			pthread_cond_wait(&c->cv, &c->lock);
			continue;
		}
		c->reading = true;
		pthread_mutex_unlock(&c->lock);
		r = read_one(c);
		pthread_mutex_lock(&c->lock);
		c->reading = false;
		if (r)
			fail_all(c, r == -ETIMEDOUT ? -ETIMEDOUT : -ENOTCONN);
		pthread_cond_broadcast(&c->cv);
	}
	for (struct pending **pp = &c->pend; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	pthread_mutex_unlock(&c->lock);
	if (p->err && p->rfd >= 0) {
		close(p->rfd);
		p->rfd = -1;
	}
	return p->err;
}

int uvf_client_xfer(struct uvf_client *c, struct pending *p, uint16_t cmd, uint32_t flags,
		    struct iovec *iov, int iovcnt, const int *fds, unsigned nfds)
{
	int r = uvf_client_send(c, p, cmd, flags, iov, iovcnt, fds, nfds);

	return r ? r : uvf_client_wait(c, p);
}

int uvf_client_call(struct uvf_client *c, uint16_t cmd, uint32_t flags, const void *in,
		    size_t in_len, const int *fds, unsigned nfds, void *out, size_t out_cap,
		    size_t *out_len, int *rfd)
{
	struct pending p = { .fixed = out, .fixed_cap = out_cap };
	struct iovec iov = { (void *)in, in_len };
	int r = uvf_client_xfer(c, &p, cmd, flags, &iov, in_len ? 1 : 0, fds, nfds);

	if (out_len)
		*out_len = p.len;
	if (rfd)
		*rfd = p.rfd;
	else if (p.rfd >= 0)
		close(p.rfd);
	return r;
}

int uvf_client_connect(const char *path, const struct uvf_client_opts *opts,
		       struct uvf_client **out)
{
	int fd, r;

	if ((r = uvf_sock_connect(path, &fd)))
		return r;
	return uvf_client_connect_fd(fd, opts, out);
}

int uvf_client_connect_fd(int fd, const struct uvf_client_opts *opts, struct uvf_client **out)
{
	struct uvf_caps want, got;
	struct uvf_client *c;
	uint8_t reply[4096];
	size_t len, jlen;
	char *json;
	uint8_t *msg;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->send_lock, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms : 30000;
	c->fd = fd;

	uvf_caps_defaults(&want);
	want.max_msg_fds = UVF_VU_MAX_MSG_FDS;
	want.max_data_xfer_size = UVF_VU_DEFAULT_MAX_DATA_XFER;
	if (opts) {
		want.precopy_info = opts->precopy_info;
		want.precopy_enomsg = opts->precopy_enomsg;
		want.remap_irq = opts->remap_irq;
	}
	if ((r = uvf_caps_build(&want, &json, &jlen)))
		goto err;
	msg = malloc(UVF_VU_VERSION_FIXED + jlen);
	if (!msg) {
		free(json);
		r = -ENOMEM;
		goto err;
	}
	uvf_put16(msg, UVF_VU_VERSION_MAJOR);
	uvf_put16(msg + 2, UVF_VU_VERSION_MINOR);
	memcpy(msg + 4, json, jlen);
	free(json);
	r = uvf_client_call(c, UVF_VU_CMD_VERSION, 0, msg, UVF_VU_VERSION_FIXED + jlen, NULL, 0,
			    reply, sizeof(reply), &len, NULL);
	free(msg);
	if (r)
		goto err;
	if (len < UVF_VU_VERSION_FIXED || len > sizeof(reply) ||
	    uvf_get16(reply) != UVF_VU_VERSION_MAJOR ||
	    uvf_caps_parse((char *)reply + 4, len - 4, &got)) {
		r = -EPROTO;
		goto err;
	}
	c->caps.major = uvf_get16(reply);
	c->caps.minor = uvf_get16(reply + 2);
	c->caps.max_msg_fds = got.max_msg_fds;
	c->caps.max_data_xfer_size = got.max_data_xfer_size;
	c->caps.max_dma_maps = got.max_dma_maps;
	c->caps.pgsizes = got.pgsizes;
	c->caps.write_multiple = got.write_multiple;
	c->caps.precopy_info = got.precopy_info;
	c->caps.precopy_enomsg = got.precopy_enomsg;
	c->caps.remap_irq = got.remap_irq;
	if (!c->caps.max_data_xfer_size) {
		r = -EPROTO;
		goto err;
	}
	*out = c;
	return 0;
err:
	uvf_client_close(c);
	return r;
}

void uvf_client_close(struct uvf_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	while (c->maps) {
		struct client_map *m = c->maps;

		c->maps = m->next;
		free(m);
	}
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->send_lock);
	pthread_cond_destroy(&c->cv);
	free(c);
}

void uvf_client_server_caps(const struct uvf_client *c, struct uvf_client_server_caps *out)
{
	*out = c->caps;
}
