/* A client connection: non-blocking framing of messages that arrive or
 * leave in pieces, fd attribution, VERSION negotiation, dispatch to the
 * core, replies (immediate or deferred), and commands held back behind a
 * parked one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/sock.h"
#include "server/conn.h"

#define IN_MIN_CAP	(64u << 10)
#define MSG_OVERHEAD	4096u	/* header + fixed payload parts above the data */
#define MAX_HELD	64

static void conn_io(struct uvf_loop *loop, int fd, unsigned events, void *arg);
static void process_input(struct conn *c);
static void link_reply(void *conn, uint16_t msg_id, uint16_t cmd, int err,
		       struct uvf_msgbuf *payload);
static int link_request(void *conn, uint16_t cmd, const struct iovec *iov, int iovcnt,
			uint16_t *msg_id);

static const struct uvf_link_ops link_ops = {
	.reply = link_reply,
	.request = link_request,
};

int uvf_conn_open(struct listener *lst, struct uvf_device *dev, int fd, struct conn **out)
{
	struct conn *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->lst = lst;
	c->dev = dev;
	c->fd = fd;
	c->out_tail = &c->out_head;
	c->held_tail = &c->held_head;
	c->max_msg = UVF_VU_DEFAULT_MAX_DATA_XFER + MSG_OVERHEAD;
	c->in_cap = IN_MIN_CAP;
	c->in = malloc(c->in_cap);
	if (!c->in) {
		free(c);
		return -ENOMEM;
	}
	if ((r = uvf_loop_add_fd(uvf_device_loop(dev), fd, UVF_EV_READ, conn_io, c))) {
		free(c->in);
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

void uvf_conn_close(struct conn *c)
{
	struct uvf_loop *loop = uvf_device_loop(c->dev);

	uvf_loop_del_fd(loop, c->fd);
	if (c->replay_timer)
		uvf_loop_del_timer(loop, c->replay_timer);
	if (c->negotiated)
		uvf_core_detach(c->dev);
	close(c->fd);
	for (unsigned i = 0; i < c->ntags; i++)
		close(c->tags[i].fd);
	while (c->out_head) {
		struct outmsg *o = c->out_head;

		c->out_head = o->next;
		free(o->buf);
		free(o);
	}
	while (c->held_head) {
		struct held *h = c->held_head;

		c->held_head = h->next;
		uvf_close_fds(h->fds, h->nfds);
		free(h->msg);
		free(h);
	}
	free(c->in);
	uvf_msgbuf_free(&c->reply_mb);
	uvf_listener_conn_gone(c->lst);
	free(c);
}

/* ---- output ---- */

static void replay_held(struct uvf_loop *loop, void *arg);

/* Run the held commands soon (from the loop), if there are any. */
static void schedule_replay(struct conn *c)
{
	if (c->held_head && !c->replay_timer)
		uvf_loop_add_timer(uvf_device_loop(c->dev), 0, replay_held, c, &c->replay_timer);
}

/* Queue what the socket did not take.  The head of the message is copied;
 * a zero-copy tail (region memory) is referenced.  That is safe because a
 * connection with queued output reads no further commands, so no client
 * write can change that memory before it is sent, and device memory lives
 * as long as the device. */
static int queue_out(struct conn *c, const struct iovec *iov, int iovcnt, bool zc_tail,
		     size_t skip, int fd)
{
	struct outmsg *o = calloc(1, sizeof(*o));
	int ncopy = zc_tail ? iovcnt - 1 : iovcnt;
	size_t at = 0;

	if (!o)
		return -ENOMEM;
	for (int i = 0; i < ncopy; i++)
		o->len += iov[i].iov_len;
	if (zc_tail) {
		o->ext = iov[iovcnt - 1].iov_base;
		o->ext_len = iov[iovcnt - 1].iov_len;
	}
	o->buf = malloc(o->len ? o->len : 1);
	if (!o->buf) {
		free(o);
		return -ENOMEM;
	}
	for (int i = 0; i < ncopy; i++) {
		memcpy(o->buf + at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	o->off = skip;
	o->fd = fd;
	*c->out_tail = o;
	c->out_tail = &o->next;
	return uvf_loop_mod_fd(uvf_device_loop(c->dev), c->fd, UVF_EV_WRITE);
}

/* Send one message; whatever the socket does not take now is queued. */
static int send_msg(struct conn *c, const struct iovec *iov, int iovcnt, bool zc_tail, int fd)
{
	size_t total = 0;
	ssize_t n = 0;

	if (c->closing)
		return -ENOTCONN;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (!c->out_head) {
		n = uvf_sock_send(c->fd, iov, iovcnt, &fd, fd >= 0 ? 1 : 0);
		if (n < 0 && n != -EAGAIN) {
			c->closing = true;
			return (int)n;
		}
		if (n > 0)
			fd = -1;	/* went with the first byte */
		if (n < 0)
			n = 0;
		if ((size_t)n == total)
			return 0;
	}
	return queue_out(c, iov, iovcnt, zc_tail, (size_t)n, fd);
}

static void flush_out(struct conn *c)
{
	while (c->out_head) {
		struct outmsg *o = c->out_head;
		struct iovec iov[2];
		int n_iov = 0;
		ssize_t n;

		if (o->off < o->len)
			iov[n_iov++] = (struct iovec){ o->buf + o->off, o->len - o->off };
		if (o->ext_len) {
			size_t eo = o->off > o->len ? o->off - o->len : 0;

			iov[n_iov++] = (struct iovec){ (void *)(o->ext + eo), o->ext_len - eo };
		}
		n = uvf_sock_send(c->fd, iov, n_iov, &o->fd, o->fd >= 0 ? 1 : 0);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			c->closing = true;
			return;
		}
		o->fd = -1;
		o->off += (size_t)n;
		if (o->off < o->len + o->ext_len)
			return;
		c->out_head = o->next;
		if (!c->out_head)
			c->out_tail = &c->out_head;
		free(o->buf);
		free(o);
	}
	/* Output drained: take commands again, held ones first. */
	schedule_replay(c);
	uvf_loop_mod_fd(uvf_device_loop(c->dev), c->fd, UVF_EV_READ);
}

static void send_error(struct conn *c, const struct uvf_vu_hdr *h, int err)
{
	struct uvf_vu_hdr r = { .msg_id = h->msg_id, .cmd = h->cmd, .size = UVF_VU_HDR_SIZE,
				.flags = UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR,
				.error_no = (uint32_t)(err < 0 ? -err : err) };
	uint8_t buf[UVF_VU_HDR_SIZE];
	struct iovec iov = { buf, sizeof(buf) };

	uvf_proto_hdr_encode(buf, &r);
	send_msg(c, &iov, 1, false, -1);
}

static void send_reply(struct conn *c, uint16_t msg_id, uint16_t cmd, struct uvf_reply *rep)
{
	struct iovec iov[2] = {
		{ rep->mb->data, rep->mb->len },
		{ (void *)rep->extra, rep->extra_len },
	};
	struct uvf_vu_hdr h = { .msg_id = msg_id, .cmd = cmd,
				.size = (uint32_t)(rep->mb->len + rep->extra_len),
				.flags = UVF_VU_F_TYPE_REPLY };

	uvf_proto_hdr_encode(rep->mb->data, &h);
	send_msg(c, iov, rep->extra_len ? 2 : 1, rep->extra_len != 0, rep->fd);
}

/* ---- the link the core uses ---- */


static void link_reply(void *conn, uint16_t msg_id, uint16_t cmd, int err,
		       struct uvf_msgbuf *payload)
{
	struct conn *c = conn;
	struct uvf_vu_hdr h = { .msg_id = msg_id, .cmd = cmd };

	if (err) {
		send_error(c, &h, err);
	} else {
		struct uvf_msgbuf mb;
		struct uvf_reply rep = { .mb = &mb, .fd = -1 };
		uint8_t *p;

		uvf_msgbuf_init(&mb);
		if (!uvf_msgbuf_begin(&mb, msg_id, cmd, UVF_VU_F_TYPE_REPLY) &&
		    (!payload || !payload->len ||
		     (p = uvf_msgbuf_put(&mb, payload->len)) != NULL)) {
			if (payload && payload->len)
				memcpy(mb.data + UVF_VU_HDR_SIZE, payload->data, payload->len);
			send_reply(c, msg_id, cmd, &rep);
		} else {
			send_error(c, &h, -ENOMEM);
		}
		uvf_msgbuf_free(&mb);
	}
	/* Commands held behind the parked one run from the loop, not from
	 * inside whatever completed it. */
	schedule_replay(c);
}

static int link_request(void *conn, uint16_t cmd, const struct iovec *iov, int iovcnt,
			uint16_t *msg_id)
{
	struct conn *c = conn;
	struct iovec v[4];
	uint8_t hdr[UVF_VU_HDR_SIZE];
	struct uvf_vu_hdr h = { .msg_id = c->next_req_id++, .cmd = cmd,
				.size = UVF_VU_HDR_SIZE, .flags = UVF_VU_F_TYPE_COMMAND };

	if (iovcnt > 3)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		v[i + 1] = iov[i];
		h.size += (uint32_t)iov[i].iov_len;
	}
	uvf_proto_hdr_encode(hdr, &h);
	v[0] = (struct iovec){ hdr, sizeof(hdr) };
	*msg_id = h.msg_id;
	return send_msg(c, v, iovcnt + 1, false, -1);
}

/* ---- input ---- */

static int handle_version(struct conn *c, const struct uvf_req *req, struct uvf_reply *rep)
{
	const struct uvf_req_version *v = &req->u.version;
	struct uvf_caps mine;
	char *json;
	size_t len;
	uint8_t *p;
	int r;

	if (c->negotiated || v->major != UVF_VU_VERSION_MAJOR)
		return -EINVAL;
	uvf_caps_defaults(&mine);
	mine.max_msg_fds = UVF_VU_MAX_MSG_FDS;
	mine.max_data_xfer_size = UVF_VU_DEFAULT_MAX_DATA_XFER;
	mine.write_multiple = true;
	/* Extensions only when asked for. */
	mine.precopy_info = v->caps.precopy_info;
	mine.precopy_enomsg = v->caps.precopy_enomsg;
	mine.remap_irq = v->caps.remap_irq;
	if ((r = uvf_caps_build(&mine, &json, &len)))
		return r;
	p = uvf_msgbuf_put(rep->mb, UVF_VU_VERSION_FIXED + len);
	if (!p) {
		free(json);
		return -ENOMEM;
	}
	uvf_put16(p, UVF_VU_VERSION_MAJOR);
	uvf_put16(p + 2, v->minor < UVF_VU_VERSION_MINOR ? v->minor : UVF_VU_VERSION_MINOR);
	memcpy(p + 4, json, len);
	free(json);

	c->negotiated = true;
	/* What the core may send the client: its limits, our extensions. */
	{
		struct uvf_caps agreed = v->caps;

		agreed.precopy_info = mine.precopy_info;
		agreed.precopy_enomsg = mine.precopy_enomsg;
		agreed.remap_irq = mine.remap_irq;
		uvf_core_attach(c->dev, c, &link_ops, &agreed);
	}
	return 0;
}

static const char *cmd_name(uint16_t cmd)
{
	static const char *const names[] = {
		[1] = "VERSION", [2] = "DMA_MAP", [3] = "DMA_UNMAP", [4] = "DEVICE_GET_INFO",
		[5] = "DEVICE_GET_REGION_INFO", [6] = "DEVICE_GET_REGION_IO_FDS",
		[7] = "DEVICE_GET_IRQ_INFO", [8] = "DEVICE_SET_IRQS", [9] = "REGION_READ",
		[10] = "REGION_WRITE", [11] = "DMA_READ", [12] = "DMA_WRITE",
		[13] = "DEVICE_RESET", [14] = "DIRTY_PAGES", [15] = "REGION_WRITE_MULTI",
		[16] = "DEVICE_FEATURE", [17] = "MIG_DATA_READ", [18] = "MIG_DATA_WRITE",
	};

	if (cmd == UVF_VU_CMD_MIG_PRECOPY_INFO)
		return "MIG_PRECOPY_INFO";
	return cmd < sizeof(names) / sizeof(names[0]) && names[cmd] ? names[cmd] : "unknown";
}

static int hold(struct conn *c, const uint8_t *msg, const struct uvf_vu_hdr *h, int *fds,
		unsigned nfds)
{
	struct held *x;
	unsigned n = 0;

	for (struct held *y = c->held_head; y; y = y->next)
		n++;
	if (n >= MAX_HELD)
		return -EBUSY;
	x = calloc(1, sizeof(*x));
	if (!x || !(x->msg = malloc(h->size))) {
		free(x);
		return -ENOMEM;
	}
	memcpy(x->msg, msg, h->size);
	memcpy(x->fds, fds, sizeof(int) * nfds);
	x->nfds = nfds;
	for (unsigned i = 0; i < nfds; i++)
		fds[i] = -1;
	*c->held_tail = x;
	c->held_tail = &x->next;
	return 0;
}

/* Handle one complete message. fds are ours; whatever is left is closed. */
static void handle_msg(struct conn *c, const uint8_t *msg, const struct uvf_vu_hdr *h,
		       int *fds, unsigned nfds, bool replaying)
{
	struct uvf_proto_limits lim = { .max_data_xfer_size = UVF_VU_DEFAULT_MAX_DATA_XFER,
					.max_fds = UVF_VU_MAX_MSG_FDS };
	/* One reply buffer per connection, reused: a fresh 1 MiB buffer per
	 * message costs page faults and zeroing on every bulk reply. */
	struct uvf_msgbuf *mb = &c->reply_mb;
	struct uvf_reply rep = { .mb = mb, .fd = -1 };
	struct uvf_req req;
	int r;

	mb->len = 0;
	if (uvf_proto_is_reply(h)) {
		/* Replies to our DMA requests; anything else is unsolicited. */
		if (c->negotiated && (h->cmd == UVF_VU_CMD_DMA_READ || h->cmd == UVF_VU_CMD_DMA_WRITE)) {
			int err = uvf_proto_reply_err(h);

			r = err ? 0 : uvf_proto_decode_cmd(msg, h, fds, nfds, &lim, &req);
			if (err || r)
				memset(&req, 0, sizeof(req)), req.hdr = *h;
			uvf_core_dma_reply(c->dev, &req, err ? err : r);
		} else {
			uvf_log(UVF_LOG_WARN, c->dev, "unsolicited %s reply id %u: discarded",
				cmd_name(h->cmd), h->msg_id);
		}
		goto out;
	}

	r = uvf_proto_decode_cmd(msg, h, fds, nfds, &lim, &req);
	if (r) {
		uvf_log(UVF_LOG_INFO, c->dev, "%s id %u: malformed (%s): error reply",
			cmd_name(h->cmd), h->msg_id, strerror(r == -ENOSYS ? EINVAL : -r));
		if (r == -ENOSYS)
			r = -EINVAL;
		goto reply;
	}
	if (!c->negotiated && h->cmd != UVF_VU_CMD_VERSION) {
		uvf_log(UVF_LOG_INFO, c->dev, "%s id %u before VERSION: refused",
			cmd_name(h->cmd), h->msg_id);
		r = -EINVAL;
		goto reply;
	}
	if (!replaying && (uvf_core_parked(c->dev) || c->held_head) &&
	    uvf_core_cmd_waits_for_park(&req)) {
		r = hold(c, msg, h, fds, nfds);
		if (!r)
			goto out;
		goto reply;
	}
	if ((r = uvf_msgbuf_begin(mb, h->msg_id, h->cmd, UVF_VU_F_TYPE_REPLY)))
		goto reply;
	if (h->cmd == UVF_VU_CMD_VERSION)
		r = handle_version(c, &req, &rep);
	else
		r = uvf_core_dispatch(c->dev, &req, &rep);
	if (r == -EINPROGRESS)
		goto out;	/* the core replies later */
	if (r && r != -ENOMSG)
		uvf_log(UVF_LOG_DEBUG, c->dev, "%s id %u: %s", cmd_name(h->cmd), h->msg_id,
			strerror(-r));
reply:
	if (h->flags & UVF_VU_F_NO_REPLY)
		goto out;
	if (r)
		send_error(c, h, r);
	else
		send_reply(c, h->msg_id, h->cmd, &rep);
out:
	uvf_close_fds(fds, nfds);
}

static void replay_held(struct uvf_loop *loop, void *arg)
{
	struct conn *c = arg;

	(void)loop;
	c->replay_timer = 0;
	/* Like new input, a held command waits while output is queued: a
	 * zero-copy reply tail must stay unchanged until it is sent, and the
	 * next command may change it (flush_out() schedules the rest). */
	while (c->held_head && !uvf_core_parked(c->dev) && !c->closing && !c->out_head) {
		struct held *x = c->held_head;
		struct uvf_vu_hdr h;

		c->held_head = x->next;
		if (!c->held_head)
			c->held_tail = &c->held_head;
		uvf_proto_hdr_decode(x->msg, UINT32_MAX, &h);
		handle_msg(c, x->msg, &h, x->fds, x->nfds, true);
		free(x->msg);
		free(x);
	}
}

/* Take the fds that belong to the message [start, end): those whose recv
 * ended inside it (see uvfio/vfio-user.h on fd attribution). */
static unsigned take_fds(struct conn *c, uint64_t start, uint64_t end, int *fds)
{
	unsigned n = 0, keep = 0;

	for (unsigned i = 0; i < c->ntags; i++) {
		if (c->tags[i].pos < start || c->tags[i].pos >= end)
			c->tags[keep++] = c->tags[i];
		else if (n < UVF_VU_MAX_MSG_FDS)
			fds[n++] = c->tags[i].fd;
		else
			close(c->tags[i].fd);	/* more than any message may carry */
	}
	c->ntags = keep;
	return n;
}

static void process_input(struct conn *c)
{
	size_t off = 0;

	while (!c->closing && !c->out_head && c->in_len - off >= UVF_VU_HDR_SIZE) {
		struct uvf_vu_hdr h;
		int fds[UVF_VU_MAX_MSG_FDS];
		unsigned nfds;
		int r = uvf_proto_hdr_decode(c->in + off, c->max_msg, &h);

		if (r) {
			/* A header we cannot trust: the stream cannot be resynchronised. */
			uvf_log(UVF_LOG_WARN, c->dev, "bad message header (size %u, flags 0x%x): "
				"closing the connection", h.size, h.flags);
			c->closing = true;
			return;
		}
		if (c->in_len - off < h.size) {
			if (h.size > c->in_cap) {
				uint8_t *n;

				memmove(c->in, c->in + off, c->in_len - off);
				c->in_len -= off;
				c->in_pos += off;
				off = 0;
				n = realloc(c->in, h.size);
				if (!n) {
					c->closing = true;
					return;
				}
				c->in = n;
				c->in_cap = h.size;
			}
			break;
		}
		nfds = take_fds(c, c->in_pos + off, c->in_pos + off + h.size, fds);
		handle_msg(c, c->in + off, &h, fds, nfds, false);
		off += h.size;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	c->in_pos += off;
}

static void read_input(struct conn *c)
{
	for (int rounds = 0; rounds < 16 && !c->closing && !c->out_head; rounds++) {
		int fds[UVF_VU_MAX_MSG_FDS];
		unsigned nfds = 0;
		size_t room = c->in_cap - c->in_len;
		ssize_t n;

		n = uvf_sock_recv(c->fd, c->in + c->in_len, room, fds, &nfds, UVF_VU_MAX_MSG_FDS);
		if (n == -EAGAIN)
			return;
		if (n <= 0 || c->ntags + nfds > sizeof(c->tags) / sizeof(c->tags[0])) {
			uvf_close_fds(fds, nfds);
			if (n < 0 && n != -ECONNRESET)
				uvf_log(UVF_LOG_WARN, c->dev, "receive failed (%s): closing",
					strerror((int)-n));
			c->closing = true;
			return;
		}
		c->in_len += (size_t)n;
		for (unsigned i = 0; i < nfds; i++)
			c->tags[c->ntags++] = (struct fd_tag){ c->in_pos + c->in_len - 1, fds[i] };
		process_input(c);
		/* A short read emptied the socket (or stopped at a message
		 * with fds): the poller is level-triggered and says when there
		 * is more, which spares a recvmsg that would say EAGAIN. */
		if ((size_t)n < room)
			return;
	}
}

static void conn_io(struct uvf_loop *loop, int fd, unsigned events, void *arg)
{
	struct conn *c = arg;

	(void)loop;
	(void)fd;
	if (events & UVF_EV_WRITE)
		flush_out(c);
	/* With output queued, take no new commands (back-pressure; also what
	 * keeps zero-copy tails stable).  Bytes already buffered wait too. */
	if (!c->out_head && !c->closing && (events & (UVF_EV_READ | UVF_EV_ERROR)))
		read_input(c);
	else if (!c->out_head && !c->closing && c->in_len >= UVF_VU_HDR_SIZE)
		process_input(c);
	if ((events & UVF_EV_ERROR) && c->out_head)
		c->closing = true;
	if (c->closing)
		uvf_conn_close(c);
}
