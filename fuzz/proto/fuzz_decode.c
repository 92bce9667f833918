/* SPDX-License-Identifier: MIT */
/*
 * fuzz_decode.c - libFuzzer harness over the vfio-user codec alone.
 *
 * Input: one raw message (header + payload), as on the wire; the seed
 * corpus (corpus-decode/) holds one valid message per command.  The
 * harness
 *   - decodes the header (no size limit) and, when the message is whole,
 *     copies exactly msg_size bytes to the heap and decodes it as a server
 *     does, with 0, 1 and 16 fds and under two sets of limits, then as the
 *     client decodes DMA_READ/DMA_WRITE;
 *   - reads every byte a successful decode points at (so a pointer or
 *     length that escapes the message is an ASan report), runs the
 *     DEVICE_FEATURE sub-decoders, and walks the LOGGING_START ranges;
 *   - parses the VERSION JSON and the raw input as capabilities JSON, and
 *     checks that build(parse(x)) parses back to the same capabilities.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void touch(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x ^= p[i];
	sink ^= x;
}

static void check_caps_roundtrip(const struct uvf_caps *c)
{
	struct uvf_caps back;
	size_t len;
	char *s;

	if (uvf_caps_build(c, &s, &len))
		return;		/* ENOMEM only */
	if (len != strlen(s) + 1 || uvf_caps_parse(s, len, &back) ||
	    memcmp(&back, c, sizeof(back))) {
		fprintf(stderr, "caps round trip failed: %s\n", s);
		abort();
	}
	free(s);
}

static void use_feature(const struct uvf_req_feature *f)
{
	struct uvf_feat_mig_state ms;
	struct uvf_feat_log_start ls;
	struct uvf_feat_log_report lr;

	touch(f->data, f->data_len);
	if (!uvf_proto_decode_mig_state(f, &ms))
		sink ^= (uint8_t)ms.state;
	if (!uvf_proto_decode_log_start(f, &ls)) {
		for (uint32_t i = 0; i < ls.num_ranges; i++) {
			uint64_t iova, length;

			uvf_proto_log_range(&ls, i, &iova, &length);
			sink ^= (uint8_t)(iova ^ length);
		}
	}
	if (!uvf_proto_decode_log_report(f, &lr))
		sink ^= (uint8_t)(lr.iova ^ lr.length ^ lr.page_size);
}

static void use_req(const struct uvf_req *r)
{
	touch(r->payload, r->payload_len);
	switch (r->hdr.cmd) {
	case UVF_VU_CMD_VERSION:
		check_caps_roundtrip(&r->u.version.caps);
		break;
	case UVF_VU_CMD_DMA_MAP:
		if (r->u.dma_map.fd >= 0 && (unsigned)r->u.dma_map.fd >= r->nfds)
			abort();	/* fd index outside what arrived */
		break;
	case UVF_VU_CMD_DEVICE_SET_IRQS:
		if (r->u.set_irqs.bools)
			touch(r->u.set_irqs.bools, r->u.set_irqs.count);
		break;
	case UVF_VU_CMD_REGION_WRITE:
		touch(r->u.rw.data, r->u.rw.count);
		break;
	case UVF_VU_CMD_REGION_WRITE_MULTI:
		touch(r->u.multi.recs, (size_t)r->u.multi.count * UVF_VU_WRITE_MULTI_REC);
		for (uint64_t i = 0; i < r->u.multi.count; i++) {
			uint32_t n = uvf_get32(r->u.multi.recs + i * UVF_VU_WRITE_MULTI_REC + 12);

			if (n == 0 || n > 8)
				abort();	/* the decoder promised 1..8 */
		}
		break;
	case UVF_VU_CMD_DEVICE_FEATURE:
		use_feature(&r->u.feature);
		break;
	case UVF_VU_CMD_MIG_DATA_WRITE:
		touch(r->u.mig.data, r->u.mig.size);
		break;
	case UVF_VU_CMD_DMA_READ:
		if (r->u.dma_rw.data)
			touch(r->u.dma_rw.data, r->u.dma_rw.count);
		break;
	default:
		break;
	}
}

static void decode_message(const uint8_t *msg, const struct uvf_vu_hdr *h)
{
	static const struct uvf_proto_limits lims[] = {
		{ .max_data_xfer_size = UVF_VU_DEFAULT_MAX_DATA_XFER,
		  .max_fds = UVF_VU_MAX_MSG_FDS },
		{ .max_data_xfer_size = 64, .max_fds = 1 },
	};
	static const unsigned nfds[] = { 0, 1, UVF_VU_MAX_MSG_FDS };
	int fds[UVF_VU_MAX_MSG_FDS];
	struct uvf_req r;

	for (size_t l = 0; l < sizeof(lims) / sizeof(lims[0]); l++) {
		for (size_t k = 0; k < sizeof(nfds) / sizeof(nfds[0]); k++) {
			for (unsigned i = 0; i < UVF_VU_MAX_MSG_FDS; i++)
				fds[i] = -1;
			if (!uvf_proto_decode_cmd(msg, h, fds, nfds[k], &lims[l], &r))
				use_req(&r);
		}
		if (!uvf_proto_decode_dma_cmd(msg, h, &lims[l], &r) && r.u.dma_rw.data)
			touch(r.u.dma_rw.data, r.u.dma_rw.count);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uvf_vu_hdr h;
	struct uvf_caps caps;

	if (size >= UVF_VU_HDR_SIZE && !uvf_proto_hdr_decode(data, UINT32_MAX, &h) &&
	    h.size <= size) {
		/* Exactly msg_size bytes on the heap: overreads are caught. */
		uint8_t *msg = malloc(h.size);

		if (!msg)
			return 0;
		memcpy(msg, data, h.size);
		decode_message(msg, &h);
		free(msg);
	}

	/* The whole input as capabilities text, as given and NUL-terminated. */
	if (size && !uvf_caps_parse((const char *)data, size, &caps))
		check_caps_roundtrip(&caps);
	{
		char *s = malloc(size + 1);

		if (!s)
			return 0;
		memcpy(s, data, size);
		s[size] = '\0';
		if (!uvf_caps_parse(s, size + 1, &caps))
			check_caps_roundtrip(&caps);
		free(s);
	}
	return 0;
}
