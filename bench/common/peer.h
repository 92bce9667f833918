/* The do-nothing vfio-user peer of the floors: reads each message and
 * answers it with a reply of exactly the size uvfiod would send (VERSION
 * gets a minimal real answer), so a floor pays the same socket bytes as
 * the path it is compared with and nothing else. */
#ifndef UVF_BENCH_PEER_H
#define UVF_BENCH_PEER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uvfio/vfio-user.h>

#include "proto/proto.h"
#include "bench.h"

/*
 * Serve fd until it closes, then _exit(0).  Payloads (region data) up to
 * max_data bytes.
 * efd >= 0: signalled after each REGION_WRITE reply, as a device signals
 * its interrupt when status arrives.
 */
static inline void bench_floor_peer(int fd, int efd, size_t max_data)
{
	const size_t cap = max_data + 64;	/* header and command arguments */
	uint8_t *msg = malloc(cap), *reply = malloc(cap);
	const uint64_t one = 1;

	if (!msg || !reply)
		_exit(1);
	/* Real memory behind the reply, as the daemon's region has: untouched
	 * pages all map the one zero page, which would make the floor's
	 * copies come from a single cached 4 KiB page. */
	memset(reply, 0x5a, cap);
	memset(msg, 0, cap);
	for (;;) {
		struct uvf_vu_hdr h, r;
		uint32_t len = UVF_VU_HDR_SIZE;

		if (read_full(fd, msg, UVF_VU_HDR_SIZE) ||
		    uvf_proto_hdr_decode(msg, (uint32_t)cap, &h) ||
		    read_full(fd, msg + UVF_VU_HDR_SIZE, h.size - UVF_VU_HDR_SIZE))
			break;
		r = (struct uvf_vu_hdr){ .msg_id = h.msg_id, .cmd = h.cmd,
					 .flags = UVF_VU_F_TYPE_REPLY };
		if (h.cmd == UVF_VU_CMD_VERSION) {
			uvf_put16(reply + 16, 0);
			uvf_put16(reply + 18, 2);
			memcpy(reply + 20, "{}", 3);
			len += 7;
		} else if (h.cmd == UVF_VU_CMD_REGION_READ) {
			memcpy(reply + 16, msg + 16, 16);
			len += 16 + uvf_get32(msg + 28);
		} else if (h.cmd == UVF_VU_CMD_REGION_WRITE) {
			memcpy(reply + 16, msg + 16, 16);
			len += 16;
		}
		r.size = len;
		uvf_proto_hdr_encode(reply, &r);
		if (write_full(fd, reply, len))
			break;
		if (efd >= 0 && h.cmd == UVF_VU_CMD_REGION_WRITE &&
		    write(efd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			break;
	}
	_exit(0);
}

#endif
