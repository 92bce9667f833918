/* One client connection of a device socket. */
#ifndef UVF_SERVER_CONN_H
#define UVF_SERVER_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"

struct listener;

struct fd_tag {
	uint64_t pos;		/* stream offset of the last byte of its recvmsg */
	int fd;
};

struct outmsg {
	struct outmsg *next;
	uint8_t *buf;		/* owned copy of the message head */
	size_t len;
	const uint8_t *ext;	/* device memory sent without a copy (zero-copy */
	size_t ext_len;		/* reads); stays valid: see send_msg() */
	size_t off;		/* bytes of buf + ext already sent */
	int fd;			/* to pass with the first byte, -1 */
};

struct held {
	struct held *next;
	uint8_t *msg;
	int fds[UVF_VU_MAX_MSG_FDS];
	unsigned nfds;
};

struct conn {
	struct listener *lst;
	struct uvf_device *dev;
	int fd;
	bool negotiated, closing;
	uint32_t max_msg;		/* largest message we accept */

	uint8_t *in;			/* received, not yet processed bytes */
	size_t in_len, in_cap;
	uint64_t in_pos;		/* stream offset of in[0] */
	struct fd_tag tags[UVF_VU_MAX_MSG_FDS * 2];
	unsigned ntags;

	struct outmsg *out_head, **out_tail;
	struct held *held_head, **held_tail;
	uint64_t replay_timer;
	uint16_t next_req_id;
	struct uvf_msgbuf reply_mb;	/* reused for every reply */
};

int uvf_conn_open(struct listener *lst, struct uvf_device *dev, int fd, struct conn **out);
void uvf_conn_close(struct conn *c);
/* Called by the conn when it is gone, so the listener can accept again. */
void uvf_listener_conn_gone(struct listener *lst);

#endif
