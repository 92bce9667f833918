/* SPDX-License-Identifier: MIT */
/*
 * vu.h - a raw vfio-user test client for the protocol conformance tests.
 *
 * Concepts: each test program starts one uvfiod (path from $UVFIOD, set by
 * meson) serving a `mem` device on a socket in the test's temp directory,
 * and talks to it with hand-built messages: nothing here validates what it
 * sends, so a test can send any bytes it likes.  Replies are read whole,
 * with the fds that came with them.  Every wait is bounded (VU_TIMEOUT_MS);
 * a test that expects silence polls for VU_QUIET_MS and nothing else.
 *
 * Between tests, vu_check_daemon() connects a fresh client, negotiates,
 * asks GET_INFO and compares the daemon's open-fd count with the one taken
 * when it started: a test that leaves the daemon unable to serve the next
 * client, or leaks an fd in it, fails there.
 *
 * Wire fields are built and read with the get/put helpers of
 * src/proto/wire.h; fds travel through src/proto/sock.h.
 */
#ifndef UVF_TESTS_PROTO_VU_H
#define UVF_TESTS_PROTO_VU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uvfio/vfio-user.h>
#include <uvfio/vfio.h>

#include "proto/wire.h"

#define VU_TIMEOUT_MS	5000	/* longest wait for anything the daemon owes us */
#define VU_QUIET_MS	150	/* how long "no reply" is watched for */
#define VU_MAX_FDS	32

/* The mem device every test program serves: 2 MiB, so 1 MiB accesses fit
 * at non-zero offsets. */
#define VU_MEM_SIZE	(2u << 20)

struct vu_daemon {
	pid_t pid;
	char sock[108];
	int base_fds;			/* its open fds with one client connected */
};

struct vu_conn {
	int fd;
	uint16_t next_id;
};

struct vu_msg {
	uint16_t msg_id, cmd;
	uint32_t size, flags, error_no;
	uint8_t *payload;		/* size - 16 bytes (malloc'd, may be NULL) */
	uint32_t len;
	int fds[VU_MAX_FDS];
	unsigned nfds;
};

/* ---- the daemon ---- */

/* Start uvfiod with `--device mem,socket=<tmp>/<name>,size=<size>` and wait
 * for "ready".  Aborts the test program on failure. */
void vu_daemon_start(struct vu_daemon *d, const char *name);
/* SIGTERM, wait for exit (bounded) and assert it exited 0: under the
 * sanitizers a leak or error in the daemon fails the run here. */
void vu_daemon_stop(struct vu_daemon *d);
/* Number of open fds of the daemon (/proc/<pid>/fd). */
int vu_daemon_fds(const struct vu_daemon *d);
/* A new client can connect, negotiate and get GET_INFO, and (while it is
 * connected) the daemon holds exactly d->base_fds fds. */
void vu_check_daemon(struct vu_daemon *d);
/* The daemon is still running. */
bool vu_daemon_alive(struct vu_daemon *d);

/* cmocka group setup/teardown and per-test setup/teardown that most test
 * files use: one daemon per file; each test gets a negotiated client in
 * *state (struct vu_conn *), and after it the daemon is checked. */
int vu_group_setup(void **state);
int vu_group_teardown(void **state);
int vu_test_setup(void **state);		/* connected and negotiated */
int vu_test_setup_raw(void **state);		/* connected only */
int vu_test_teardown(void **state);
struct vu_daemon *vu_daemon(void);

/* ---- a client ---- */

int vu_connect(struct vu_daemon *d, struct vu_conn *c);
void vu_close(struct vu_conn *c);
/* VERSION 0.0 with `json` (NULL: no JSON at all); asserts success. */
void vu_negotiate(struct vu_conn *c, const char *json);

/* Send bytes exactly as given (fds attached to the first byte).  0 or
 * -errno (a test that expects the daemon to hang up may see -EPIPE). */
int vu_send_raw(struct vu_conn *c, const void *buf, size_t len, const int *fds,
		unsigned nfds);
/* Build and send one message; msg_size = 16 + len unless size != 0.
 * Returns the msg_id used. */
/* Send `len` bytes of pipelined messages while reading their replies
 * (the daemon stops reading while its replies are not taken, so a client
 * must do both); fn sees each of the nreplies replies in order. */
void vu_pipeline(struct vu_conn *c, const void *buf, size_t len, unsigned nreplies,
		 void (*fn)(void *arg, unsigned i, struct vu_msg *m), void *arg);
uint16_t vu_send(struct vu_conn *c, uint16_t cmd, uint32_t flags, const void *payload,
		 size_t len, const int *fds, unsigned nfds);
uint16_t vu_send_sized(struct vu_conn *c, uint16_t cmd, uint32_t flags, uint32_t size,
		       const void *payload, size_t len, const int *fds, unsigned nfds);
/* Read one whole message.  0, -ETIMEDOUT, or -ECONNRESET when the daemon
 * closed the connection (EOF before a whole message). */
int vu_recv(struct vu_conn *c, struct vu_msg *m, int timeout_ms);
void vu_msg_free(struct vu_msg *m);
/* Send a command and read its reply; asserts the reply matches (id, cmd,
 * type bits).  Returns 0 or -error_no. */
int vu_call(struct vu_conn *c, uint16_t cmd, const void *payload, size_t len,
	    const int *fds, unsigned nfds, struct vu_msg *reply);
/* Assert nothing arrives within VU_QUIET_MS. */
void vu_expect_silence(struct vu_conn *c);
/* Assert the daemon closes the connection within VU_TIMEOUT_MS (replies
 * still in flight are read and dropped). */
void vu_expect_closed(struct vu_conn *c);
/* GET_INFO succeeds: the connection is still usable. */
void vu_expect_usable(struct vu_conn *c);

/* ---- command helpers (payload builders + call) ---- */

int vu_get_info(struct vu_conn *c, uint32_t argsz, struct vu_msg *reply);
int vu_dma_map(struct vu_conn *c, uint32_t flags, uint64_t offset, uint64_t iova,
	       uint64_t size, int fd);
int vu_dma_unmap(struct vu_conn *c, uint32_t flags, uint64_t iova, uint64_t size);
int vu_region_write(struct vu_conn *c, uint32_t region, uint64_t off, const void *data,
		    uint32_t count);
/* Reads into buf (count bytes); asserts the reply echoes the request. */
int vu_region_read(struct vu_conn *c, uint32_t region, uint64_t off, void *buf,
		   uint32_t count);
int vu_set_irqs(struct vu_conn *c, uint32_t flags, uint32_t index, uint32_t start,
		uint32_t count, const void *data, size_t dlen, const int *fds, unsigned nfds);
/* DEVICE_FEATURE with {argsz, flags} + data. */
int vu_feature(struct vu_conn *c, uint32_t argsz, uint32_t flags, const void *data,
	       size_t dlen, struct vu_msg *reply);

/* ---- fd helpers ---- */

/* A memfd of `size` bytes. */
int vu_memfd(size_t size);
int vu_eventfd(void);
/* Is fd readable within timeout_ms? */
bool vu_readable(int fd, int timeout_ms);
/* Read and return an eventfd's counter (0 if not signalled). */
uint64_t vu_eventfd_drain(int fd);
/* A pipe whose write end is handed to the daemon: after the caller closes
 * its own copy, the read end reports hang-up once the daemon closed its
 * copy too.  vu_pipe_closed() waits (bounded) for that. */
void vu_pipe(int p[2]);
bool vu_pipe_closed(int rd, int timeout_ms);

#endif
