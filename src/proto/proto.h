/* vfio-user message codec.
 *
 * Concepts: proto/ turns wire bytes into validated host structs and back.
 * It does no I/O policy and knows nothing of devices.  A received command
 * is decoded once, here, into a `struct uvf_req`: every length and count is
 * checked against the message size and the negotiated limits before any
 * field is read, and variable parts are exposed as pointers into the
 * message buffer (valid as long as that buffer).  Everything else in uvfio
 * reads requests only through `struct uvf_req`.
 *
 * Return values: 0 or a negative errno.  -EINVAL: malformed payload,
 * -E2BIG: larger than negotiated; a wrong number of fds is -EINVAL too
 * (the errno the client sees).
 */
#ifndef UVF_PROTO_PROTO_H
#define UVF_PROTO_PROTO_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uvfio/vfio-user.h>
#include <uvfio/vfio.h>

struct uvf_vu_hdr {
	uint16_t msg_id;
	uint16_t cmd;
	uint32_t size;		/* whole message, header included */
	uint32_t flags;
	uint32_t error_no;
};

void uvf_proto_hdr_encode(uint8_t out[UVF_VU_HDR_SIZE], const struct uvf_vu_hdr *h);
/* Decode and check a header: size >= 16 and <= max_size, type bits 0 or 1,
 * reserved flag bits 0.  -EINVAL / -E2BIG: the stream cannot be trusted. */
int uvf_proto_hdr_decode(const uint8_t in[UVF_VU_HDR_SIZE], uint32_t max_size,
			 struct uvf_vu_hdr *h);

/* The error of a reply as a negative errno (0 for success).  A peer's
 * errno outside 1..4095 (the kernel's range) is not trusted: -EINVAL. */
static inline int uvf_proto_reply_err(const struct uvf_vu_hdr *h)
{
	if (!(h->flags & UVF_VU_F_ERROR))
		return 0;
	return -(int)(h->error_no >= 1 && h->error_no < 4096 ? h->error_no : EINVAL);
}

static inline bool uvf_proto_is_reply(const struct uvf_vu_hdr *h)
{
	return (h->flags & UVF_VU_F_TYPE_MASK) == UVF_VU_F_TYPE_REPLY;
}

/* ---- DMA logging ---------------------------------------------------------- */

/*
 * Bytes of a DMA_LOGGING_REPORT bitmap for `length` at `page_size`:
 * ceil(ceil(length / page_size) / 64) * 8.  0 when page_size is 0;
 * SIZE_MAX if it does not fit a size_t.
 */
size_t uvf_dirty_bitmap_bytes(uint64_t length, uint64_t page_size);

/* ---- negotiated capabilities (VERSION JSON) ---------------------------- */

struct uvf_caps {
	uint32_t max_msg_fds;
	uint32_t max_data_xfer_size;
	uint32_t max_dma_maps;
	uint64_t pgsizes;
	bool write_multiple;
	/* uvfio extensions (see uvfio/vfio-user.h) */
	bool precopy_info;
	bool precopy_enomsg;
	bool remap_irq;
};

/* Defaults the spec gives for absent keys. */
void uvf_caps_defaults(struct uvf_caps *c);
/* Parse the JSON text of a VERSION payload (json-c).  len includes the
 * terminating NUL, which must be there.  An empty text (len 0) means all
 * defaults.  Unknown keys are ignored; wrong types are -EINVAL. */
int uvf_caps_parse(const char *json, size_t len, struct uvf_caps *out);
/* Build the JSON text for `c` into a malloc'd NUL-terminated string.
 * Extensions appear only when true.  *out_len includes the NUL. */
int uvf_caps_build(const struct uvf_caps *c, char **out, size_t *out_len);

/* ---- decoded requests ---------------------------------------------------- */

struct uvf_req_version {
	uint16_t major, minor;
	struct uvf_caps caps;
};

struct uvf_req_dma_map {
	uint32_t flags;
	uint64_t offset, iova, size;
	int fd;			/* -1 when none; index into req->fds otherwise */
};

struct uvf_req_dma_unmap {
	uint32_t argsz, flags;
	uint64_t iova, size;
};

struct uvf_req_info {		/* DEVICE_GET_INFO, GET_REGION_INFO, GET_IRQ_INFO */
	uint32_t argsz;
	uint32_t index;		/* region / irq index (0 for device info) */
};

struct uvf_req_set_irqs {
	uint32_t flags, index, start, count;
	const uint8_t *bools;	/* count bytes when DATA_BOOL */
};

struct uvf_req_region_rw {
	uint64_t offset;
	uint32_t region, count;
	const uint8_t *data;	/* WRITE: count bytes */
};

struct uvf_req_write_multi {
	uint64_t count;
	const uint8_t *recs;	/* count records, each checked: count <= 8 */
};

struct uvf_req_dma_rw {		/* DMA_READ/DMA_WRITE replies seen by the server */
	uint64_t iova, count;
	const uint8_t *data;
};

/* DEVICE_FEATURE, with the data of the features uvfio knows decoded. */
struct uvf_req_feature {
	uint32_t argsz, flags;
	uint32_t feature;	/* flags & UVF_VFIO_DEVICE_FEATURE_MASK */
	const uint8_t *data;
	uint32_t data_len;
};

struct uvf_req_mig_data {
	uint32_t argsz, size;
	const uint8_t *data;	/* WRITE */
};

struct uvf_req_precopy {
	uint32_t argsz, flags;
};

struct uvf_req {
	struct uvf_vu_hdr hdr;
	const uint8_t *payload;		/* msg + 16 */
	uint32_t payload_len;
	int *fds;			/* fds received with the message; */
	unsigned nfds;			/* a consumer sets an entry to -1 to own it */
	union {
		struct uvf_req_version version;
		struct uvf_req_dma_map dma_map;
		struct uvf_req_dma_unmap dma_unmap;
		struct uvf_req_info info;
		struct uvf_req_set_irqs set_irqs;
		struct uvf_req_region_rw rw;
		struct uvf_req_write_multi multi;
		struct uvf_req_feature feature;
		struct uvf_req_mig_data mig;
		struct uvf_req_precopy precopy;
		struct uvf_req_dma_rw dma_rw;
	} u;
};

/* Limits the decoder enforces (from the negotiated capabilities). */
struct uvf_proto_limits {
	uint32_t max_data_xfer_size;	/* what this side accepts */
	uint32_t max_fds;
};

/* Decode the payload of a command received by a server.  `msg` is the whole
 * message (header included), `fds` what arrived with it.  Checks the fd
 * count the command allows (-EBADF).  Unknown commands: -ENOSYS (the server
 * answers EINVAL, as libvfio-user does). */
int uvf_proto_decode_cmd(const uint8_t *msg, const struct uvf_vu_hdr *h,
			 int *fds, unsigned nfds,
			 const struct uvf_proto_limits *lim, struct uvf_req *out);

/* Client side: decode a DMA_READ/DMA_WRITE command sent by the server. */
int uvf_proto_decode_dma_cmd(const uint8_t *msg, const struct uvf_vu_hdr *h,
			     const struct uvf_proto_limits *lim, struct uvf_req *r);

/* Decode a DEVICE_FEATURE sub-payload of known features. */
struct uvf_feat_mig_state {
	uint32_t state;
};
struct uvf_feat_log_start {
	uint64_t page_size;
	uint32_t num_ranges;
	const uint8_t *ranges;	/* num_ranges x {u64 iova; u64 length} */
};
struct uvf_feat_log_report {
	uint64_t iova, length, page_size;
};
int uvf_proto_decode_mig_state(const struct uvf_req_feature *f, struct uvf_feat_mig_state *out);
int uvf_proto_decode_log_start(const struct uvf_req_feature *f, struct uvf_feat_log_start *out);
int uvf_proto_decode_log_report(const struct uvf_req_feature *f, struct uvf_feat_log_report *out);
static inline void uvf_proto_log_range(const struct uvf_feat_log_start *s, uint32_t i,
				       uint64_t *iova, uint64_t *length);

/* ---- message building ------------------------------------------------------ */

/* A growable output buffer for one message: header + payload. */
struct uvf_msgbuf {
	uint8_t *data;
	size_t len, cap;
};

void uvf_msgbuf_init(struct uvf_msgbuf *b);
void uvf_msgbuf_free(struct uvf_msgbuf *b);
/* Start a message: writes a header placeholder, len = 16. */
int uvf_msgbuf_begin(struct uvf_msgbuf *b, uint16_t msg_id, uint16_t cmd, uint32_t flags);
/* Reserve n bytes at the end, returning a pointer to them (zeroed). */
uint8_t *uvf_msgbuf_put(struct uvf_msgbuf *b, size_t n);
/* The same without zeroing, for bulk data the caller fills entirely (or
 * trims with b->len). */
uint8_t *uvf_msgbuf_put_raw(struct uvf_msgbuf *b, size_t n);
/* Fill in the header's size (header + payload + extra bytes sent from
 * elsewhere, e.g. region data sent straight from device memory). */
void uvf_msgbuf_finish(struct uvf_msgbuf *b, uint32_t extra);

#include "proto/wire.h"

static inline void uvf_proto_log_range(const struct uvf_feat_log_start *s, uint32_t i,
				       uint64_t *iova, uint64_t *length)
{
	*iova = uvf_get64(s->ranges + (size_t)i * 16);
	*length = uvf_get64(s->ranges + (size_t)i * 16 + 8);
}

#endif
