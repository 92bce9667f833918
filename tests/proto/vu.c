/* SPDX-License-Identifier: MIT */
/* vu.c - the raw vfio-user test client; see vu.h. */
#include "vu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/proto.h"
#include "proto/sock.h"
#include "spawn.h"
#include "testutil.h"

/* ---- time ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(int64_t deadline)
{
	int64_t l = deadline - now_ms();

	return l < 0 ? 0 : (int)l;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- the daemon ---- */

void vu_daemon_start(struct vu_daemon *d, const char *name)
{
	const char *path = getenv("UVFIOD");
	char dev[256];
	const char *args[] = { "--device", dev, NULL };

	if (!path || !*path)
		die("vu: UVFIOD is not set (run through meson test)");
	memset(d, 0, sizeof(*d));
	uvf_test_tmppath(d->sock, sizeof(d->sock), name);
	snprintf(dev, sizeof(dev), "mem,socket=%s,size=%u", d->sock, VU_MEM_SIZE);
	d->pid = uvf_spawn_uvfiod(path, args);
	if (d->pid < 0)
		die("vu: uvfiod did not start");

	/* The fd baseline: one negotiated client connected. */
	{
		struct vu_conn c;

		if (vu_connect(d, &c))
			die("vu: cannot connect to %s", d->sock);
		vu_negotiate(&c, "{}");
		d->base_fds = vu_daemon_fds(d);
		vu_close(&c);
	}
}

void vu_daemon_stop(struct vu_daemon *d)
{
	int r;

	if (d->pid <= 0)
		return;
	r = uvf_spawn_stop(d->pid);
	d->pid = 0;
	rmdir(uvf_test_tmpdir());
	if (r)
		die("vu: uvfiod did not stop cleanly");
}

int vu_daemon_fds(const struct vu_daemon *d)
{
	return uvf_proc_count_fds(d->pid);
}

bool vu_daemon_alive(struct vu_daemon *d)
{
	int st;

	return d->pid > 0 && waitpid(d->pid, &st, WNOHANG) == 0;
}

void vu_check_daemon(struct vu_daemon *d)
{
	struct vu_conn c;
	struct vu_msg m;

	assert_true(vu_daemon_alive(d));
	assert_int_equal(vu_connect(d, &c), 0);
	vu_negotiate(&c, "{}");
	assert_int_equal(vu_get_info(&c, 16, &m), 0);
	vu_msg_free(&m);
	assert_int_equal(vu_daemon_fds(d), d->base_fds);
	vu_close(&c);
}

/* ---- cmocka fixtures ---- */

static struct vu_daemon the_daemon;
static int test_fds;

struct vu_daemon *vu_daemon(void)
{
	return &the_daemon;
}

int vu_group_setup(void **state)
{
	char name[64];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(name, sizeof(name), "uvfiod-%d.sock", (int)getpid());
	vu_daemon_start(&the_daemon, name);
	return 0;
}

int vu_group_teardown(void **state)
{
	(void)state;
	vu_daemon_stop(&the_daemon);
	return 0;
}

static int setup(void **state, bool negotiate)
{
	struct vu_conn *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	test_fds = uvf_test_count_fds();
	assert_int_equal(vu_connect(&the_daemon, c), 0);
	if (negotiate)
		vu_negotiate(c, "{}");
	*state = c;
	return 0;
}

int vu_test_setup(void **state)
{
	return setup(state, true);
}

int vu_test_setup_raw(void **state)
{
	return setup(state, false);
}

int vu_test_teardown(void **state)
{
	struct vu_conn *c = *state;

	vu_close(c);
	free(c);
	/* The test itself leaked nothing, and the daemon serves the next
	 * client with the fds it had. */
	assert_int_equal(uvf_test_count_fds(), test_fds);
	vu_check_daemon(&the_daemon);
	return 0;
}

/* ---- a client ---- */

int vu_connect(struct vu_daemon *d, struct vu_conn *c)
{
	struct timeval tv = { VU_TIMEOUT_MS / 1000, 0 };
	int r;

	c->fd = -1;
	c->next_id = 1;
	if ((r = uvf_sock_connect(d->sock, &c->fd)))
		return r;
	/* Blocking sends, but never for ever. */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

void vu_close(struct vu_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void vu_negotiate(struct vu_conn *c, const char *json)
{
	size_t jl = json ? strlen(json) + 1 : 0;
	uint8_t *p = calloc(1, 4 + jl);
	struct vu_msg m;

	assert_non_null(p);
	if (json)
		memcpy(p + 4, json, jl);
	assert_int_equal(vu_call(c, UVF_VU_CMD_VERSION, p, 4 + jl, NULL, 0, &m), 0);
	assert_true(m.len >= 4);
	assert_int_equal(uvf_get16(m.payload), 0);
	vu_msg_free(&m);
	free(p);
}

/* One sendmsg() with up to VU_MAX_FDS fds; unlike uvf_sock_send() it
 * does not refuse more than the daemon takes (tests need to send that). */
static ssize_t send_fds(int sock, const void *buf, size_t len, const int *fds, unsigned nfds,
			int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	assert_true(nfds <= VU_MAX_FDS);
	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | flags);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int vu_send_raw(struct vu_conn *c, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	size_t off = 0;

	do {
		ssize_t n = send_fds(c->fd, (const uint8_t *)buf + off, len - off,
				     off ? NULL : fds, off ? 0 : nfds, 0);

		if (n < 0)
			return (int)n;
		off += (size_t)n;
	} while (off < len);
	return 0;
}

void vu_pipeline(struct vu_conn *c, const void *buf, size_t len, unsigned nreplies,
		 void (*fn)(void *arg, unsigned i, struct vu_msg *m), void *arg)
{
	int64_t deadline = now_ms() + 6 * VU_TIMEOUT_MS;
	size_t off = 0;
	unsigned got = 0;

	while (got < nreplies || off < len) {
		struct pollfd pf = { c->fd, POLLIN | (off < len ? POLLOUT : 0), 0 };
		int r = poll(&pf, 1, left_ms(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			fail_msg("pipeline stalled: %zu of %zu bytes sent, %u of %u replies",
				 off, len, got, nreplies);
		if (pf.revents & POLLIN) {
			struct vu_msg m;

			if (got == nreplies)
				fail_msg("more replies than commands");
			assert_int_equal(vu_recv(c, &m, VU_TIMEOUT_MS), 0);
			fn(arg, got++, &m);
			vu_msg_free(&m);
		} else if (pf.revents & POLLOUT) {
			ssize_t n = send_fds(c->fd, (const uint8_t *)buf + off, len - off, NULL, 0,
					     MSG_DONTWAIT);

			if (n < 0 && n != -EAGAIN)
				fail_msg("send: %s", strerror((int)-n));
			if (n > 0)
				off += (size_t)n;
		} else {
			fail_msg("connection closed in a pipeline");
		}
	}
}

uint16_t vu_send_sized(struct vu_conn *c, uint16_t cmd, uint32_t flags, uint32_t size,
		       const void *payload, size_t len, const int *fds, unsigned nfds)
{
	uint8_t *buf = malloc(UVF_VU_HDR_SIZE + len);
	uint16_t id = c->next_id++;

	assert_non_null(buf);
	uvf_put16(buf + UVF_VU_HDR_MSG_ID, id);
	uvf_put16(buf + UVF_VU_HDR_COMMAND, cmd);
	uvf_put32(buf + UVF_VU_HDR_MSG_SIZE, size ? size : (uint32_t)(UVF_VU_HDR_SIZE + len));
	uvf_put32(buf + UVF_VU_HDR_FLAGS, flags);
	uvf_put32(buf + UVF_VU_HDR_ERROR_NO, 0);
	if (len)
		memcpy(buf + UVF_VU_HDR_SIZE, payload, len);
	assert_int_equal(vu_send_raw(c, buf, UVF_VU_HDR_SIZE + len, fds, nfds), 0);
	free(buf);
	return id;
}

uint16_t vu_send(struct vu_conn *c, uint16_t cmd, uint32_t flags, const void *payload,
		 size_t len, const int *fds, unsigned nfds)
{
	return vu_send_sized(c, cmd, flags, 0, payload, len, fds, nfds);
}

/* Read exactly len bytes (collecting fds) before the deadline. */
static int read_full(struct vu_conn *c, uint8_t *buf, size_t len, struct vu_msg *m,
		     int64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pf = { c->fd, POLLIN, 0 };
		ssize_t n;
		int r = poll(&pf, 1, left_ms(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -ETIMEDOUT;
		n = uvf_sock_recv(c->fd, buf + got, len - got, m->fds, &m->nfds, VU_MAX_FDS);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n == 0 || n == -ECONNRESET)
			return -ECONNRESET;
		if (n < 0)
			fail_msg("recv: %s", strerror((int)-n));
		got += (size_t)n;
	}
	return 0;
}

int vu_recv(struct vu_conn *c, struct vu_msg *m, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t h[UVF_VU_HDR_SIZE];
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = read_full(c, h, sizeof(h), m, deadline)))
		goto fail;
	m->msg_id = uvf_get16(h + UVF_VU_HDR_MSG_ID);
	m->cmd = uvf_get16(h + UVF_VU_HDR_COMMAND);
	m->size = uvf_get32(h + UVF_VU_HDR_MSG_SIZE);
	m->flags = uvf_get32(h + UVF_VU_HDR_FLAGS);
	m->error_no = uvf_get32(h + UVF_VU_HDR_ERROR_NO);
	if (m->size < UVF_VU_HDR_SIZE || m->size > 64u << 20)
		fail_msg("daemon sent msg_size %u", m->size);
	m->len = m->size - UVF_VU_HDR_SIZE;
	if (m->len) {
		m->payload = malloc(m->len);
		assert_non_null(m->payload);
		/* Replies are sized by the payload they announce; allow a
		 * slow sanitized daemon to stream a large one. */
		if ((r = read_full(c, m->payload, m->len, m, deadline + VU_TIMEOUT_MS)))
			goto fail;
	}
	return 0;
fail:
	vu_msg_free(m);
	return r;
}

void vu_msg_free(struct vu_msg *m)
{
	free(m->payload);
	m->payload = NULL;
	uvf_close_fds(m->fds, m->nfds);
	m->nfds = 0;
}

int vu_call(struct vu_conn *c, uint16_t cmd, const void *payload, size_t len,
	    const int *fds, unsigned nfds, struct vu_msg *reply)
{
	struct vu_msg local;
	struct vu_msg *m = reply ? reply : &local;
	uint16_t id = vu_send(c, cmd, 0, payload, len, fds, nfds);
	int r = vu_recv(c, m, VU_TIMEOUT_MS);

	if (r)
		fail_msg("no reply to command %u id %u: %s", cmd, id, strerror(-r));
	assert_int_equal(m->msg_id, id);
	assert_int_equal(m->cmd, cmd);
	assert_int_equal(m->flags & UVF_VU_F_TYPE_MASK, UVF_VU_F_TYPE_REPLY);
	assert_int_equal(m->flags & ~(uint32_t)(UVF_VU_F_TYPE_MASK | UVF_VU_F_ERROR), 0);
	if (m->flags & UVF_VU_F_ERROR) {
		/* An error reply is the header alone, with a positive errno. */
		assert_int_equal(m->size, UVF_VU_HDR_SIZE);
		assert_int_equal(m->nfds, 0);
		assert_true(m->error_no > 0 && m->error_no < 4096);
		r = -(int)m->error_no;
	}
	if (!reply)
		vu_msg_free(m);
	return r;
}

void vu_expect_silence(struct vu_conn *c)
{
	struct pollfd pf = { c->fd, POLLIN, 0 };

	assert_int_equal(poll(&pf, 1, VU_QUIET_MS), 0);
}

void vu_expect_closed(struct vu_conn *c)
{
	int64_t deadline = now_ms() + VU_TIMEOUT_MS;

	for (;;) {
		struct vu_msg m;
		int r = vu_recv(c, &m, left_ms(deadline));

		if (r == -ECONNRESET)
			return;
		if (r == -ETIMEDOUT)
			fail_msg("the daemon kept the connection open");
		vu_msg_free(&m);
	}
}

void vu_expect_usable(struct vu_conn *c)
{
	struct vu_msg m;

	assert_int_equal(vu_get_info(c, UVF_VU_DEVICE_INFO_SIZE, &m), 0);
	assert_int_equal(m.len, UVF_VU_DEVICE_INFO_SIZE);
	vu_msg_free(&m);
}

/* ---- command helpers ---- */

int vu_get_info(struct vu_conn *c, uint32_t argsz, struct vu_msg *reply)
{
	uint8_t p[UVF_VU_DEVICE_INFO_SIZE] = { 0 };

	uvf_put32(p, argsz);
	return vu_call(c, UVF_VU_CMD_DEVICE_GET_INFO, p, sizeof(p), NULL, 0, reply);
}

int vu_dma_map(struct vu_conn *c, uint32_t flags, uint64_t offset, uint64_t iova,
	       uint64_t size, int fd)
{
	uint8_t p[UVF_VU_DMA_MAP_SIZE];
	struct vu_msg m;
	int r;

	uvf_put32(p, UVF_VU_DMA_MAP_SIZE);
	uvf_put32(p + 4, flags);
	uvf_put64(p + 8, offset);
	uvf_put64(p + 16, iova);
	uvf_put64(p + 24, size);
	r = vu_call(c, UVF_VU_CMD_DMA_MAP, p, sizeof(p), &fd, fd >= 0 ? 1 : 0, &m);
	if (!r)
		assert_int_equal(m.len, 0);	/* DMA_MAP has no reply payload */
	vu_msg_free(&m);
	return r;
}

int vu_dma_unmap(struct vu_conn *c, uint32_t flags, uint64_t iova, uint64_t size)
{
	uint8_t p[UVF_VU_DMA_UNMAP_SIZE];
	struct vu_msg m;
	int r;

	uvf_put32(p, UVF_VU_DMA_UNMAP_SIZE);
	uvf_put32(p + 4, flags);
	uvf_put64(p + 8, iova);
	uvf_put64(p + 16, size);
	r = vu_call(c, UVF_VU_CMD_DMA_UNMAP, p, sizeof(p), NULL, 0, &m);
	if (!r) {
		/* The request echoed. */
		assert_int_equal(m.len, UVF_VU_DMA_UNMAP_SIZE);
		assert_memory_equal(m.payload, p, sizeof(p));
	}
	vu_msg_free(&m);
	return r;
}

int vu_region_write(struct vu_conn *c, uint32_t region, uint64_t off, const void *data,
		    uint32_t count)
{
	uint8_t *p = malloc(UVF_VU_REGION_RW_SIZE + (size_t)count);
	struct vu_msg m;
	int r;

	assert_non_null(p);
	uvf_put64(p, off);
	uvf_put32(p + 8, region);
	uvf_put32(p + 12, count);
	if (count)
		memcpy(p + UVF_VU_REGION_RW_SIZE, data, count);
	r = vu_call(c, UVF_VU_CMD_REGION_WRITE, p, UVF_VU_REGION_RW_SIZE + (size_t)count,
		    NULL, 0, &m);
	if (!r) {
		/* The 16-byte request header echoed, no data. */
		assert_int_equal(m.len, UVF_VU_REGION_RW_SIZE);
		assert_memory_equal(m.payload, p, UVF_VU_REGION_RW_SIZE);
	}
	vu_msg_free(&m);
	free(p);
	return r;
}

int vu_region_read(struct vu_conn *c, uint32_t region, uint64_t off, void *buf,
		   uint32_t count)
{
	uint8_t p[UVF_VU_REGION_RW_SIZE];
	struct vu_msg m;
	int r;

	uvf_put64(p, off);
	uvf_put32(p + 8, region);
	uvf_put32(p + 12, count);
	r = vu_call(c, UVF_VU_CMD_REGION_READ, p, sizeof(p), NULL, 0, &m);
	if (!r) {
		assert_int_equal(m.len, UVF_VU_REGION_RW_SIZE + (uint64_t)count);
		assert_memory_equal(m.payload, p, sizeof(p));
		if (count)
			memcpy(buf, m.payload + UVF_VU_REGION_RW_SIZE, count);
	}
	vu_msg_free(&m);
	return r;
}

int vu_set_irqs(struct vu_conn *c, uint32_t flags, uint32_t index, uint32_t start,
		uint32_t count, const void *data, size_t dlen, const int *fds, unsigned nfds)
{
	uint8_t *p = calloc(1, UVF_VFIO_IRQ_SET_SIZE + dlen);
	struct vu_msg m;
	int r;

	assert_non_null(p);
	uvf_put32(p, (uint32_t)(UVF_VFIO_IRQ_SET_SIZE + dlen));
	uvf_put32(p + 4, flags);
	uvf_put32(p + 8, index);
	uvf_put32(p + 12, start);
	uvf_put32(p + 16, count);
	if (dlen)
		memcpy(p + UVF_VFIO_IRQ_SET_SIZE, data, dlen);
	r = vu_call(c, UVF_VU_CMD_DEVICE_SET_IRQS, p, UVF_VFIO_IRQ_SET_SIZE + dlen, fds, nfds,
		    &m);
	if (!r)
		assert_int_equal(m.len, 0);	/* no reply payload */
	vu_msg_free(&m);
	free(p);
	return r;
}

int vu_feature(struct vu_conn *c, uint32_t argsz, uint32_t flags, const void *data,
	       size_t dlen, struct vu_msg *reply)
{
	uint8_t *p = calloc(1, UVF_VFIO_DEVICE_FEATURE_SIZE + dlen);
	int r;

	assert_non_null(p);
	uvf_put32(p, argsz);
	uvf_put32(p + 4, flags);
	if (dlen)
		memcpy(p + UVF_VFIO_DEVICE_FEATURE_SIZE, data, dlen);
	r = vu_call(c, UVF_VU_CMD_DEVICE_FEATURE, p, UVF_VFIO_DEVICE_FEATURE_SIZE + dlen,
		    NULL, 0, reply);
	free(p);
	return r;
}

/* ---- fd helpers ---- */

int vu_memfd(size_t size)
{
	int fd = memfd_create("vu-test", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

int vu_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	assert_true(fd >= 0);
	return fd;
}

bool vu_readable(int fd, int timeout_ms)
{
	struct pollfd pf = { fd, POLLIN, 0 };

	return poll(&pf, 1, timeout_ms) == 1 && (pf.revents & POLLIN);
}

uint64_t vu_eventfd_drain(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

void vu_pipe(int p[2])
{
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
}

bool vu_pipe_closed(int rd, int timeout_ms)
{
	struct pollfd pf = { rd, POLLIN, 0 };

	return poll(&pf, 1, timeout_ms) == 1 && (pf.revents & POLLHUP);
}
