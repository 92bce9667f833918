/* SPDX-License-Identifier: MIT */
/*
 * test_framing.c - the message layer of uvfiod under bad input
 * (vfio-user-protocol.md §2, §8, §9, §11): headers it cannot trust close
 * the connection, a well-formed header with a bad body gets an error reply
 * and the connection goes on, unknown commands, fds where none belong,
 * NO_REPLY, unsolicited replies, pipelining, clients that vanish
 * mid-message, one client at a time, and no fd leak across clients.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "vu.h"

/* The largest message the daemon accepts: 1 MiB of data plus 4 KiB for
 * headers (src/server/conn.c MSG_OVERHEAD); not advertised, but the
 * REGION_WRITE of max_data_xfer_size must fit. */
#define MAX_MSG	(UVF_VU_DEFAULT_MAX_DATA_XFER + 4096u)

static void hdr(uint8_t *b, uint16_t id, uint16_t cmd, uint32_t size, uint32_t flags)
{
	uvf_put16(b + UVF_VU_HDR_MSG_ID, id);
	uvf_put16(b + UVF_VU_HDR_COMMAND, cmd);
	uvf_put32(b + UVF_VU_HDR_MSG_SIZE, size);
	uvf_put32(b + UVF_VU_HDR_FLAGS, flags);
	uvf_put32(b + UVF_VU_HDR_ERROR_NO, 0);
}

/* A GET_INFO message (32 bytes) into b. */
static void get_info_msg(uint8_t *b, uint16_t id)
{
	hdr(b, id, UVF_VU_CMD_DEVICE_GET_INFO, 32, 0);
	memset(b + 16, 0, 16);
	uvf_put32(b + 16, 16);
}

static void expect_reply(struct vu_conn *c, uint16_t id, uint16_t cmd, int err)
{
	struct vu_msg m;

	assert_int_equal(vu_recv(c, &m, VU_TIMEOUT_MS), 0);
	assert_int_equal(m.msg_id, id);
	assert_int_equal(m.cmd, cmd);
	if (err) {
		assert_int_equal(m.flags, UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR);
		assert_int_equal(m.error_no, err);
		assert_int_equal(m.size, UVF_VU_HDR_SIZE);
	} else {
		assert_int_equal(m.flags, UVF_VU_F_TYPE_REPLY);
	}
	vu_msg_free(&m);
}

/* ---- headers that cannot be trusted: the daemon hangs up ---- */

static void test_header_size_15_closes_connection(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[32] = { 0 };

	hdr(b, 1, UVF_VU_CMD_DEVICE_GET_INFO, UVF_VU_HDR_SIZE - 1, 0);
	vu_send_raw(c, b, sizeof(b), NULL, 0);
	vu_expect_closed(c);
}

static void test_header_size_0_closes_connection(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[16] = { 0 };

	vu_send_raw(c, b, sizeof(b), NULL, 0);
	vu_expect_closed(c);
}

static void test_header_size_16_accepted(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[16];

	/* A header-only GET_INFO: a trustworthy header, a short body. */
	hdr(b, 2, UVF_VU_CMD_DEVICE_GET_INFO, UVF_VU_HDR_SIZE, 0);
	assert_int_equal(vu_send_raw(c, b, sizeof(b), NULL, 0), 0);
	expect_reply(c, 2, UVF_VU_CMD_DEVICE_GET_INFO, EINVAL);
	vu_expect_usable(c);
}

static void test_header_size_over_max_closes_connection(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[16];

	hdr(b, 3, UVF_VU_CMD_REGION_WRITE, MAX_MSG + 1, 0);
	vu_send_raw(c, b, sizeof(b), NULL, 0);
	vu_expect_closed(c);
}

static void test_header_size_huge_closes_connection(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[16];

	hdr(b, 3, UVF_VU_CMD_REGION_WRITE, UINT32_MAX, 0);
	vu_send_raw(c, b, sizeof(b), NULL, 0);
	vu_expect_closed(c);
}

static void test_header_size_at_max_body_consumed_error_reply(void **state)
{
	struct vu_conn *c = *state;
	uint8_t *b = calloc(1, MAX_MSG);

	assert_non_null(b);
	/* An unknown command of exactly the largest size: read whole, refused,
	 * and the stream stays in step. */
	hdr(b, 4, 0x77, MAX_MSG, 0);
	assert_int_equal(vu_send_raw(c, b, MAX_MSG, NULL, 0), 0);
	free(b);
	expect_reply(c, 4, 0x77, EINVAL);
	vu_expect_usable(c);
}

static void test_header_type_bits_2_and_15_close_connection(void **state)
{
	static const uint32_t bad[] = { 2, 0xf, UVF_VU_F_NO_REPLY | 3 };
	struct vu_conn *c = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t b[32];

		if (i) {
			assert_int_equal(vu_connect(vu_daemon(), c), 0);
			vu_negotiate(c, "{}");
		}
		get_info_msg(b, 5);
		uvf_put32(b + UVF_VU_HDR_FLAGS, bad[i]);
		vu_send_raw(c, b, sizeof(b), NULL, 0);
		vu_expect_closed(c);
		vu_close(c);
	}
}

static void test_header_reserved_flag_bit_closes_connection(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[32];

	get_info_msg(b, 6);
	uvf_put32(b + UVF_VU_HDR_FLAGS, 0x40);
	vu_send_raw(c, b, sizeof(b), NULL, 0);
	vu_expect_closed(c);
}

static void test_bad_header_after_good_messages_answers_them_first(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[32 * 3];

	get_info_msg(b, 10);
	get_info_msg(b + 32, 11);
	hdr(b + 64, 12, UVF_VU_CMD_DEVICE_GET_INFO, 3, 0);
	vu_send_raw(c, b, sizeof(b), NULL, 0);
	expect_reply(c, 10, UVF_VU_CMD_DEVICE_GET_INFO, 0);
	expect_reply(c, 11, UVF_VU_CMD_DEVICE_GET_INFO, 0);
	vu_expect_closed(c);
}

/* ---- truncated messages and vanishing clients ---- */

static void test_truncated_header_then_eof_closes_connection(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[32];

	get_info_msg(b, 7);
	assert_int_equal(vu_send_raw(c, b, 8, NULL, 0), 0);
	assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
	vu_expect_closed(c);
}

static void test_truncated_body_then_eof_closes_connection(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[32];

	get_info_msg(b, 8);
	assert_int_equal(vu_send_raw(c, b, 20, NULL, 0), 0);
	assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
	vu_expect_closed(c);
}

static void test_client_gone_mid_header_next_client_served(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[32];

	get_info_msg(b, 9);
	assert_int_equal(vu_send_raw(c, b, 5, NULL, 0), 0);
	vu_close(c);
	/* The teardown connects the next client. */
}

static void test_client_gone_mid_large_body_with_fd_next_client_served(void **state)
{
	struct vu_conn *c = *state;
	uint8_t *b = calloc(1, 64 * 1024);
	int p[2];

	assert_non_null(b);
	/* A 1 MiB REGION_WRITE that stops after 64 KiB, with an fd on it. */
	hdr(b, 9, UVF_VU_CMD_REGION_WRITE, 16 + 16 + UVF_VU_DEFAULT_MAX_DATA_XFER, 0);
	uvf_put32(b + 28, UVF_VU_DEFAULT_MAX_DATA_XFER);
	vu_pipe(p);
	assert_int_equal(vu_send_raw(c, b, 64 * 1024, &p[1], 1), 0);
	free(b);
	close(p[1]);
	vu_close(c);
	/* The daemon drops the partial message and the fd that came with it. */
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
}

static void test_client_gone_with_replies_unread_next_client_served(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[16];

	/* 8 MiB of read replies the client never reads: the daemon queues
	 * what the socket does not take and drops it when the client goes. */
	uvf_put64(p, 0);
	uvf_put32(p + 8, 0);
	uvf_put32(p + 12, UVF_VU_DEFAULT_MAX_DATA_XFER);
	for (unsigned i = 0; i < 8; i++)
		vu_send(c, UVF_VU_CMD_REGION_READ, 0, p, sizeof(p), NULL, 0);
	vu_close(c);
}

/* ---- well-formed headers, bad bodies: error reply, connection goes on ---- */

static void test_unknown_commands_einval_connection_usable(void **state)
{
	static const uint16_t cmds[] = { 0, 19, 0x77, 0xff, 0x101, 0xffff,
					 UVF_VU_CMD_DMA_READ, UVF_VU_CMD_DMA_WRITE,
					 UVF_VU_CMD_DIRTY_PAGES };
	struct vu_conn *c = *state;
	uint8_t p[32] = { 0 };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int r = vu_call(c, cmds[i], p, sizeof(p), NULL, 0, NULL);

		if (r != -EINVAL)
			fail_msg("command %u: %d, want -EINVAL", cmds[i], r);
	}
	vu_expect_usable(c);
}

static void test_size_shorter_than_command_needs_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[32 + 32];

	/* GET_INFO whose msg_size covers 8 of its 16 payload bytes; the next
	 * message starts right after those 8. */
	get_info_msg(b, 20);
	uvf_put32(b + 4, 24);
	get_info_msg(b + 24, 21);
	assert_int_equal(vu_send_raw(c, b, 24 + 32, NULL, 0), 0);
	expect_reply(c, 20, UVF_VU_CMD_DEVICE_GET_INFO, EINVAL);
	expect_reply(c, 21, UVF_VU_CMD_DEVICE_GET_INFO, 0);
}

static void test_size_longer_than_command_needs_extra_ignored(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[48 + 32];
	struct vu_msg m;

	/* GET_INFO with 16 bytes of trailing junk inside msg_size. */
	get_info_msg(b, 22);
	uvf_put32(b + 4, 48);
	memset(b + 32, 0xee, 16);
	get_info_msg(b + 48, 23);
	assert_int_equal(vu_send_raw(c, b, sizeof(b), NULL, 0), 0);
	assert_int_equal(vu_recv(c, &m, VU_TIMEOUT_MS), 0);
	assert_int_equal(m.msg_id, 22);
	assert_int_equal(m.flags, UVF_VU_F_TYPE_REPLY);
	assert_int_equal(m.len, UVF_VU_DEVICE_INFO_SIZE);
	vu_msg_free(&m);
	expect_reply(c, 23, UVF_VU_CMD_DEVICE_GET_INFO, 0);
}

static void test_message_split_across_sends_answered_once_complete(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[32];

	get_info_msg(b, 24);
	assert_int_equal(vu_send_raw(c, b, 20, NULL, 0), 0);
	vu_expect_silence(c);
	assert_int_equal(vu_send_raw(c, b + 20, 12, NULL, 0), 0);
	expect_reply(c, 24, UVF_VU_CMD_DEVICE_GET_INFO, 0);
}

static void test_msg_id_echoed_including_0_and_ffff(void **state)
{
	static const uint16_t ids[] = { 0, 1, 0x8000, 0xffff, 0xffff };
	struct vu_conn *c = *state;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		uint8_t b[32];

		get_info_msg(b, ids[i]);
		assert_int_equal(vu_send_raw(c, b, sizeof(b), NULL, 0), 0);
		expect_reply(c, ids[i], UVF_VU_CMD_DEVICE_GET_INFO, 0);
	}
}

static void check_pipelined(void *arg, unsigned i, struct vu_msg *m)
{
	(void)arg;
	assert_int_equal(m->msg_id, (uint16_t)(1000 + i));
	if (i == 250) {
		assert_int_equal(m->cmd, 0x99);
		assert_int_equal(m->flags, UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR);
		assert_int_equal(m->error_no, EINVAL);
	} else {
		assert_int_equal(m->cmd, UVF_VU_CMD_DEVICE_GET_INFO);
		assert_int_equal(m->flags, UVF_VU_F_TYPE_REPLY);
		assert_int_equal(m->len, UVF_VU_DEVICE_INFO_SIZE);
	}
}

static void test_pipelined_commands_answered_in_order(void **state)
{
	struct vu_conn *c = *state;
	enum { N = 2000 };
	uint8_t *b = malloc(32 * N);

	assert_non_null(b);
	for (unsigned i = 0; i < N; i++)
		get_info_msg(b + 32 * i, (uint16_t)(1000 + i));
	/* One bad one in the middle does not disturb the rest. */
	uvf_put16(b + 32 * 250 + 2, 0x99);
	vu_pipeline(c, b, 32 * N, N, check_pipelined, NULL);
	free(b);
}

/* ---- NO_REPLY ---- */

static void test_no_reply_errors_dropped_silently(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[32] = { 0 };

	vu_send(c, 0x77, UVF_VU_F_NO_REPLY, p, sizeof(p), NULL, 0);		/* unknown */
	vu_send(c, UVF_VU_CMD_DEVICE_GET_INFO, UVF_VU_F_NO_REPLY, p, 3, NULL, 0); /* short */
	vu_send(c, UVF_VU_CMD_VERSION, UVF_VU_F_NO_REPLY, p, 4, NULL, 0);	/* twice */
	vu_expect_silence(c);
	vu_expect_usable(c);
}

static void test_no_reply_success_sends_nothing(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[16] = { 16 };

	vu_send(c, UVF_VU_CMD_DEVICE_GET_INFO, UVF_VU_F_NO_REPLY, p, sizeof(p), NULL, 0);
	vu_expect_silence(c);
	vu_expect_usable(c);
}

static void test_no_reply_error_with_fd_fd_closed(void **state)
{
	struct vu_conn *c = *state;
	uint8_t q[16] = { 16 };
	int p[2];

	vu_pipe(p);
	vu_send(c, UVF_VU_CMD_DEVICE_GET_INFO, UVF_VU_F_NO_REPLY, q, sizeof(q), &p[1], 1);
	close(p[1]);
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
	vu_expect_silence(c);
	vu_expect_usable(c);
}

/* ---- replies the client was not asked for ---- */

static void test_unsolicited_replies_discarded_silently(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[32] = { 0 };

	vu_send(c, UVF_VU_CMD_DEVICE_GET_INFO, UVF_VU_F_TYPE_REPLY, p, 16, NULL, 0);
	vu_send(c, UVF_VU_CMD_DMA_READ, UVF_VU_F_TYPE_REPLY, p, 16, NULL, 0);
	vu_send(c, UVF_VU_CMD_DMA_WRITE, UVF_VU_F_TYPE_REPLY, p, 0, NULL, 0);
	vu_send(c, UVF_VU_CMD_DMA_WRITE, UVF_VU_F_TYPE_REPLY, p, 5, NULL, 0);
	vu_send(c, 0x99, UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR, NULL, 0, NULL, 0);
	vu_expect_silence(c);
	vu_expect_usable(c);
}

static void test_unsolicited_dma_error_reply_large_errno_discarded(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[16];

	/* error_no beyond any errno (libvfio-user clamps to EINVAL): the daemon
	 * must neither misbehave nor answer (it is clamped to EINVAL). */
	hdr(b, 0x55, UVF_VU_CMD_DMA_READ, 16, UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR);
	uvf_put32(b + UVF_VU_HDR_ERROR_NO, 0x80000000u);
	assert_int_equal(vu_send_raw(c, b, sizeof(b), NULL, 0), 0);
	hdr(b, 0x56, UVF_VU_CMD_DMA_WRITE, 16, UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR);
	uvf_put32(b + UVF_VU_HDR_ERROR_NO, UINT32_MAX);
	assert_int_equal(vu_send_raw(c, b, sizeof(b), NULL, 0), 0);
	vu_expect_silence(c);
	vu_expect_usable(c);
}

/* ---- fds ---- */

static void test_fds_on_command_taking_none_closed_error_reply(void **state)
{
	struct vu_conn *c = *state;
	uint8_t q[16] = { 16 };
	int p[UVF_VU_MAX_MSG_FDS][2], w[UVF_VU_MAX_MSG_FDS];

	/* 16 fds: as many as the daemon accepts in one message. */
	for (unsigned i = 0; i < UVF_VU_MAX_MSG_FDS; i++) {
		vu_pipe(p[i]);
		w[i] = p[i][1];
	}
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_GET_INFO, q, sizeof(q), w,
				 UVF_VU_MAX_MSG_FDS, NULL), -EINVAL);
	for (unsigned i = 0; i < UVF_VU_MAX_MSG_FDS; i++) {
		close(p[i][1]);
		assert_true(vu_pipe_closed(p[i][0], VU_TIMEOUT_MS));
		close(p[i][0]);
	}
	vu_expect_usable(c);
}

static void test_fds_over_max_close_connection_all_fds_closed(void **state)
{
	struct vu_conn *c = *state;
	enum { N = UVF_VU_MAX_MSG_FDS + 1 };
	uint8_t b[32];
	int p[N][2], w[N];

	for (unsigned i = 0; i < N; i++) {
		vu_pipe(p[i]);
		w[i] = p[i][1];
	}
	get_info_msg(b, 30);
	vu_send_raw(c, b, sizeof(b), w, N);
	vu_expect_closed(c);
	for (unsigned i = 0; i < N; i++) {
		close(p[i][1]);
		assert_true(vu_pipe_closed(p[i][0], VU_TIMEOUT_MS));
		close(p[i][0]);
	}
}

static void test_fds_split_over_two_sends_of_one_message_all_closed(void **state)
{
	struct vu_conn *c = *state;
	enum { N = UVF_VU_MAX_MSG_FDS };
	struct vu_daemon *d = vu_daemon();
	uint8_t b[32];
	int p[2 * N][2], w[2 * N];

	/* One message, two sendmsg()s with 16 fds each (against the "one
	 * message per sendmsg with fds" rule): the message is refused and none
	 * of the 32 fds may stay open in the daemon. */
	for (unsigned i = 0; i < 2 * N; i++) {
		vu_pipe(p[i]);
		w[i] = p[i][1];
	}
	get_info_msg(b, 31);
	assert_int_equal(vu_send_raw(c, b, 20, w, N), 0);
	assert_int_equal(vu_send_raw(c, b + 20, 12, w + N, N), 0);
	expect_reply(c, 31, UVF_VU_CMD_DEVICE_GET_INFO, EINVAL);
	for (unsigned i = 0; i < 2 * N; i++)
		close(p[i][1]);
	/* The 16 that came with the first byte are closed with the message. */
	for (unsigned i = 0; i < N; i++)
		assert_true(vu_pipe_closed(p[i][0], VU_TIMEOUT_MS));
	/* The 16 beyond what one message may carry are closed at once too. */
	for (unsigned i = N; i < 2 * N; i++)
		assert_true(vu_pipe_closed(p[i][0], VU_TIMEOUT_MS));
	for (unsigned i = 0; i < 2 * N; i++)
		close(p[i][0]);
	assert_int_equal(vu_daemon_fds(d), d->base_fds);
}

static void test_fd_sent_with_one_message_belongs_to_it(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[32 + 48];
	int efd = vu_eventfd();

	/* GET_INFO then SET_IRQS(eventfd) in one sendmsg with the fd: the fd
	 * belongs to the message holding the last byte sent, the SET_IRQS. */
	get_info_msg(b, 40);
	hdr(b + 32, 41, UVF_VU_CMD_DEVICE_SET_IRQS, 16 + 20, 0);
	uvf_put32(b + 48, 20);
	uvf_put32(b + 52, UVF_VFIO_IRQ_SET_DATA_EVENTFD | UVF_VFIO_IRQ_SET_ACTION_TRIGGER);
	uvf_put32(b + 56, 0);
	uvf_put32(b + 60, 0);
	uvf_put32(b + 64, 1);
	assert_int_equal(vu_send_raw(c, b, 32 + 36, &efd, 1), 0);
	expect_reply(c, 40, UVF_VU_CMD_DEVICE_GET_INFO, 0);
	expect_reply(c, 41, UVF_VU_CMD_DEVICE_SET_IRQS, 0);
	assert_int_equal(vu_set_irqs(c, UVF_VFIO_IRQ_SET_DATA_NONE |
				     UVF_VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1, NULL, 0, NULL, 0), 0);
	assert_true(vu_readable(efd, VU_TIMEOUT_MS));
	close(efd);
}

/* ---- clients ---- */

static void test_second_client_waits_until_first_leaves(void **state)
{
	struct vu_conn *c = *state;
	struct vu_conn c2;
	uint8_t v[7] = { 0, 0, 0, 0, '{', '}', 0 };
	struct vu_msg m;

	assert_int_equal(vu_connect(vu_daemon(), &c2), 0);
	vu_send(&c2, UVF_VU_CMD_VERSION, 0, v, sizeof(v), NULL, 0);
	/* One client at a time: the second waits in the backlog ... */
	vu_expect_silence(&c2);
	vu_expect_usable(c);
	/* ... and is served when the first leaves. */
	vu_close(c);
	assert_int_equal(vu_recv(&c2, &m, VU_TIMEOUT_MS), 0);
	assert_int_equal(m.cmd, UVF_VU_CMD_VERSION);
	assert_int_equal(m.flags, UVF_VU_F_TYPE_REPLY);
	vu_msg_free(&m);
	vu_expect_usable(&c2);
	vu_close(&c2);
}

static void test_many_clients_with_fds_no_fd_leak(void **state)
{
	struct vu_conn *c = *state;
	struct vu_daemon *d = vu_daemon();

	vu_close(c);
	for (unsigned i = 0; i < 20; i++) {
		int mfd = vu_memfd(0x1000), efd = vu_eventfd(), ufd = vu_eventfd();
		struct vu_msg m;

		assert_int_equal(vu_connect(d, c), 0);
		vu_negotiate(c, "{}");
		assert_int_equal(vu_dma_map(c, 3, 0, 0x10000, 0x1000, mfd), 0);
		assert_int_equal(vu_set_irqs(c, UVF_VFIO_IRQ_SET_DATA_EVENTFD |
					     UVF_VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1, NULL, 0,
					     &efd, 1), 0);
		assert_int_equal(vu_set_irqs(c, UVF_VFIO_IRQ_SET_DATA_EVENTFD |
					     UVF_VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1, NULL, 0,
					     &ufd, 1), 0);
		{
			uint8_t p[32] = { 0 };

			uvf_put32(p, 4096);
			assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_GET_REGION_INFO, p, 32,
						 NULL, 0, &m), 0);
			assert_int_equal(m.nfds, 1);
			vu_msg_free(&m);
		}
		assert_int_equal(vu_daemon_fds(d), d->base_fds + 3);
		close(mfd);
		close(efd);
		close(ufd);
		vu_close(c);
	}
	assert_int_equal(vu_connect(d, c), 0);
	vu_negotiate(c, "{}");
	assert_int_equal(vu_daemon_fds(d), d->base_fds);
}

static void test_header_size_15_before_version_closes_connection(void **state)
{
	test_header_size_15_closes_connection(state);
}

static void test_unsolicited_replies_before_version_discarded(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[32] = { 0 };

	vu_send(c, UVF_VU_CMD_DMA_READ, UVF_VU_F_TYPE_REPLY, p, 16, NULL, 0);
	vu_send(c, UVF_VU_CMD_VERSION, UVF_VU_F_TYPE_REPLY, p, 6, NULL, 0);
	vu_expect_silence(c);
	vu_negotiate(c, "{}");
	vu_expect_usable(c);
}

static void test_connection_without_version_then_gone(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(vu_get_info(c, 16, &m), -EINVAL);
	vu_msg_free(&m);
	vu_close(c);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, vu_test_setup, vu_test_teardown)
#define R(f) cmocka_unit_test_setup_teardown(f, vu_test_setup_raw, vu_test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_header_size_15_closes_connection),
		T(test_header_size_0_closes_connection),
		T(test_header_size_16_accepted),
		T(test_header_size_over_max_closes_connection),
		T(test_header_size_huge_closes_connection),
		T(test_header_size_at_max_body_consumed_error_reply),
		T(test_header_type_bits_2_and_15_close_connection),
		T(test_header_reserved_flag_bit_closes_connection),
		T(test_bad_header_after_good_messages_answers_them_first),
		R(test_header_size_15_before_version_closes_connection),
		T(test_truncated_header_then_eof_closes_connection),
		T(test_truncated_body_then_eof_closes_connection),
		T(test_client_gone_mid_header_next_client_served),
		T(test_client_gone_mid_large_body_with_fd_next_client_served),
		T(test_client_gone_with_replies_unread_next_client_served),
		T(test_unknown_commands_einval_connection_usable),
		T(test_size_shorter_than_command_needs_einval),
		T(test_size_longer_than_command_needs_extra_ignored),
		T(test_message_split_across_sends_answered_once_complete),
		T(test_msg_id_echoed_including_0_and_ffff),
		T(test_pipelined_commands_answered_in_order),
		T(test_no_reply_errors_dropped_silently),
		T(test_no_reply_success_sends_nothing),
		T(test_no_reply_error_with_fd_fd_closed),
		T(test_unsolicited_replies_discarded_silently),
		T(test_unsolicited_dma_error_reply_large_errno_discarded),
		R(test_unsolicited_replies_before_version_discarded),
		T(test_fds_on_command_taking_none_closed_error_reply),
		T(test_fds_over_max_close_connection_all_fds_closed),
		T(test_fds_split_over_two_sends_of_one_message_all_closed),
		T(test_fd_sent_with_one_message_belongs_to_it),
		T(test_second_client_waits_until_first_leaves),
		T(test_many_clients_with_fds_no_fd_leak),
		R(test_connection_without_version_then_gone),
	};
#undef T
#undef R

	return cmocka_run_group_tests_name("proto-framing", tests, vu_group_setup,
					   vu_group_teardown);
}
