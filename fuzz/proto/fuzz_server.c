/* SPDX-License-Identifier: MIT */
/*
 * fuzz_server.c - libFuzzer harness over the whole server path: framing,
 * fd attribution, VERSION negotiation, dispatch, the core and the mem
 * device, all in this process, driven through a real socket.
 *
 * Set-up (once): an event loop, a 64 KiB mem device and a server listening
 * on a socket in a temporary directory.
 *
 * Each input is a byte stream a client sends on one connection.  Unless
 * it starts with a VERSION command, a valid VERSION (0.0, "{}") goes
 * first so the fuzzer reaches the commands behind it.  The stream is cut
 * at message boundaries while the headers make sense, and fds are attached
 * the way a client would: a 64 KiB memfd to each DMA_MAP, `count` eventfds
 * (up to 16) to each SET_IRQS with DATA_EVENTFD (the harness closes its
 * copies once they are sent).  The harness sends
 * without blocking, runs the loop between sends, and reads and drops every
 * reply (closing any fd in it).  Then it half-closes and runs the loop
 * until the server hangs up.
 *
 * After every input it checks what a disconnect promises (protocol §9):
 * the device has no DMA map, no eventfd, no dirty log, no parked command,
 * no client, and the process has exactly the fds it had before the input
 * (counted per input), so any fd
 * the server failed to close is a crash here.  A server that never hangs
 * up on a half-closed connection is a crash too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <uvfio/device.h>

#include "core/core.h"
#include "devices/devices.h"
#include "proto/proto.h"
#include "proto/sock.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_SIZE	(64u << 10)
#define MAX_ROUNDS	100000

static struct uvf_loop *loop;
static struct uvf_device *dev;
static struct uvf_server *srv;
static char dir[64], sock_path[128];

static void die(const char *what)
{
	fprintf(stderr, "fuzz-proto-server: %s\n", what);
	abort();
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		die("opendir /proc/self/fd");
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

static void list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[300], link[256];
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		link[n < 0 ? 0 : n] = '\0';
		fprintf(stderr, "  fd %s -> %s\n", e->d_name, link);
	}
	if (d)
		closedir(d);
}

static void cleanup(void)
{
	uvf_server_destroy(srv);
	uvf_device_destroy(dev);
	uvf_loop_destroy(loop);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct uvf_devargs a;

	(void)argc;
	(void)argv;
	uvf_log_set_level(UVF_LOG_ERROR);
	snprintf(dir, sizeof(dir), "/tmp/uvfio-fuzz-XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(sock_path, sizeof(sock_path), "%s/s", dir);
	if (uvf_loop_create(&loop) || uvf_devargs_parse("mem,size=64K", &a) ||
	    uvf_mem_device_create(loop, &a, &dev) || uvf_server_create(loop, &srv) ||
	    uvf_server_add_device(srv, dev, sock_path))
		die("set-up");
	uvf_devargs_free(&a);
	atexit(cleanup);
	return 0;
}

/* ---- the client side ---- */

struct stream {
	int sock;
};

static void run_loop(void)
{
	if (uvf_loop_run_once(loop, 0) < 0)
		die("loop");
}

/* Read and drop whatever the server sent.  Returns 1 at EOF. */
static int drain(struct stream *s)
{
	uint8_t buf[16384];

	for (;;) {
		int fds[UVF_VU_MAX_MSG_FDS];
		unsigned nfds = 0;
		ssize_t n = uvf_sock_recv(s->sock, buf, sizeof(buf), fds, &nfds,
					  UVF_VU_MAX_MSG_FDS);

		uvf_close_fds(fds, nfds);
		if (n == -EAGAIN)
			return 0;
		if (n == 0 || n == -ECONNRESET)
			return 1;
		if (n < 0 && n != -EBADMSG)
			die("recv");
	}
}

/* Send len bytes with nfds fds on the first byte, running the server
 * whenever the socket is full. */
static int send_all(struct stream *s, const uint8_t *p, size_t len, const int *fds,
		    unsigned nfds)
{
	for (unsigned rounds = 0; len; rounds++) {
		struct iovec iov = { (void *)p, len };
		ssize_t n;

		if (rounds > MAX_ROUNDS)
			die("server stopped reading");
		n = uvf_sock_send(s->sock, &iov, 1, fds, nfds);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			nfds = 0;
			continue;
		}
		if (n != -EAGAIN)
			return -1;	/* the server hung up: fine */
		run_loop();
		if (drain(s))
			return -1;
	}
	run_loop();
	return drain(s) ? -1 : 0;
}

static int new_fd(int fd)
{
	if (fd < 0)
		die("fd");
	return fd;
}

/* The fds a client would attach to this message. */
static unsigned fds_for(const uint8_t *m, size_t len, int *fds)
{
	uint16_t cmd = uvf_get16(m + UVF_VU_HDR_COMMAND);
	unsigned n = 0;

	if (cmd == UVF_VU_CMD_DMA_MAP) {
		int fd = new_fd(memfd_create("fuzz-dma", MFD_CLOEXEC));

		if (ftruncate(fd, MEM_SIZE) < 0)
			die("ftruncate");
		fds[n++] = fd;
	} else if (cmd == UVF_VU_CMD_DEVICE_SET_IRQS && len >= 16 + 20 &&
		   (uvf_get32(m + 16 + 4) & UVF_VFIO_IRQ_SET_DATA_EVENTFD)) {
		uint32_t count = uvf_get32(m + 16 + 16);

		if (count > UVF_VU_MAX_MSG_FDS)
			count = 0;
		while (n < count)
			fds[n++] = new_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	}
	return n;
}

static void send_stream(struct stream *s, const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		size_t left = size - off, len = left;
		int fds[UVF_VU_MAX_MSG_FDS];
		unsigned nfds = 0;
		int r;

		if (left >= UVF_VU_HDR_SIZE) {
			uint32_t msz = uvf_get32(data + off + UVF_VU_HDR_MSG_SIZE);

			if (msz >= UVF_VU_HDR_SIZE && msz <= left)
				len = msz;
			nfds = fds_for(data + off, len, fds);
		}
		/* Once sent, the server has its own copies: close ours. */
		r = send_all(s, data + off, len, fds, nfds);
		uvf_close_fds(fds, nfds);
		if (r)
			return;
		off += len;
	}
}

static void check_device_clean(int base_fds)
{
	if (dev->conn || dev->nmaps || dev->dirty || dev->dma_reqs ||
	    dev->park.kind != PARK_NONE)
		die("device state survived the client");
	if (dev->mig && dev->state != UVF_MIG_STATE_RUNNING)
		die("migration state survived the client");
	for (unsigned i = 0; i < dev->num_irqs; i++)
		for (uint32_t j = 0; j < dev->irqs[i].count; j++)
			if (dev->irqs[i].vec[j].efd >= 0 || dev->irqs[i].vec[j].unmask_efd >= 0)
				die("an eventfd survived the client");
	if (count_fds() != base_fds) {
		list_fds();
		die("fd leak: the server kept an fd of a gone client");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t version[] = {
		0, 0, UVF_VU_CMD_VERSION, 0, 23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, '{', '}', 0,
	};
	/* Counted per input: libFuzzer itself may open fds between inputs
	 * (the symbolizer's pipes when it reports a new function). */
	int base_fds = count_fds();
	struct stream s = { -1 };
	unsigned rounds;
	int eof = 0;

	if (uvf_sock_connect(sock_path, &s.sock))
		die("connect");
	if (fcntl(s.sock, F_SETFL, O_NONBLOCK) < 0)
		die("fcntl");
	run_loop();		/* accept */
	if (size < 4 || uvf_get16(data + 2) != UVF_VU_CMD_VERSION ||
	    (size >= 12 && (uvf_get32(data + 8) & UVF_VU_F_TYPE_MASK)))
		send_stream(&s, version, sizeof(version));
	send_stream(&s, data, size);

	shutdown(s.sock, SHUT_WR);
	for (rounds = 0; !eof && rounds < MAX_ROUNDS; rounds++) {
		run_loop();
		eof = drain(&s);
	}
	if (!eof)
		die("the server did not hang up on a half-closed client");
	close(s.sock);
	/* The listener is back in the loop; let it settle. */
	run_loop();
	check_device_clean(base_fds);
	return 0;
}
