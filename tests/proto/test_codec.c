/* SPDX-License-Identifier: MIT */
/*
 * test_codec.c - the vfio-user codec of src/proto alone, no sockets:
 * header limits on both sides, each decoder's minimum length and argsz
 * boundaries (minsz - 1 fails, minsz passes), fd counts, counts and sizes
 * against the message and the negotiated limits, the DEVICE_FEATURE
 * sub-decoders, the VERSION capabilities JSON (parse/build round trip,
 * NUL handling, wrong types, extensions) and the message builder.
 *
 * Every message is decoded from a heap buffer of exactly its size, so a
 * read past the end is caught under AddressSanitizer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/proto.h"

#define MAXX	UVF_VU_DEFAULT_MAX_DATA_XFER

static const struct uvf_proto_limits lim = {
	.max_data_xfer_size = MAXX,
	.max_fds = UVF_VU_MAX_MSG_FDS,
};

static uint8_t *last_msg;
static int fake_fds[UVF_VU_MAX_MSG_FDS + 1];

/* Decode cmd/flags + payload[0..len) with nfds fds, under `l`.  The
 * message lives until the next call (r points into it). */
static int dec_lim(uint16_t cmd, uint32_t flags, const void *payload, size_t len,
		   unsigned nfds, const struct uvf_proto_limits *l, struct uvf_req *r)
{
	struct uvf_vu_hdr h = { .msg_id = 0x1234, .cmd = cmd,
				.size = (uint32_t)(UVF_VU_HDR_SIZE + len), .flags = flags };
	struct uvf_vu_hdr d;

	free(last_msg);
	last_msg = malloc(UVF_VU_HDR_SIZE + len);
	assert_non_null(last_msg);
	uvf_proto_hdr_encode(last_msg, &h);
	if (len)
		memcpy(last_msg + UVF_VU_HDR_SIZE, payload, len);
	assert_int_equal(uvf_proto_hdr_decode(last_msg, UINT32_MAX, &d), 0);
	for (unsigned i = 0; i < sizeof(fake_fds) / sizeof(fake_fds[0]); i++)
		fake_fds[i] = 100 + (int)i;
	return uvf_proto_decode_cmd(last_msg, &d, fake_fds, nfds, l, r);
}

static int dec(uint16_t cmd, const void *payload, size_t len, unsigned nfds, struct uvf_req *r)
{
	return dec_lim(cmd, 0, payload, len, nfds, &lim, r);
}

static int group_teardown(void **state)
{
	(void)state;
	free(last_msg);
	last_msg = NULL;
	return 0;
}

/* ---- header ---- */

static int hdr_dec(uint32_t size, uint32_t flags, uint32_t max, struct uvf_vu_hdr *out)
{
	struct uvf_vu_hdr h = { .msg_id = 7, .cmd = 4, .size = size, .flags = flags,
				.error_no = 0 };
	uint8_t b[UVF_VU_HDR_SIZE];

	uvf_proto_hdr_encode(b, &h);
	return uvf_proto_hdr_decode(b, max, out);
}

static void test_hdr_size_15_einval_16_ok(void **state)
{
	struct uvf_vu_hdr h;

	(void)state;
	assert_int_equal(hdr_dec(15, 0, 1000, &h), -EINVAL);
	assert_int_equal(hdr_dec(0, 0, 1000, &h), -EINVAL);
	assert_int_equal(hdr_dec(16, 0, 1000, &h), 0);
	assert_int_equal(h.size, 16);
}

static void test_hdr_size_max_ok_max_plus_1_e2big(void **state)
{
	struct uvf_vu_hdr h;

	(void)state;
	assert_int_equal(hdr_dec(1000, 0, 1000, &h), 0);
	assert_int_equal(hdr_dec(1001, 0, 1000, &h), -E2BIG);
	assert_int_equal(hdr_dec(UINT32_MAX, 0, UINT32_MAX, &h), 0);
	assert_int_equal(hdr_dec(UINT32_MAX, 0, UINT32_MAX - 1, &h), -E2BIG);
	/* max below 16: nothing fits */
	assert_int_equal(hdr_dec(16, 0, 15, &h), -E2BIG);
}

static void test_hdr_type_bits_0_1_only(void **state)
{
	struct uvf_vu_hdr h;

	(void)state;
	assert_int_equal(hdr_dec(16, UVF_VU_F_TYPE_COMMAND, 64, &h), 0);
	assert_false(uvf_proto_is_reply(&h));
	assert_int_equal(hdr_dec(16, UVF_VU_F_TYPE_REPLY, 64, &h), 0);
	assert_true(uvf_proto_is_reply(&h));
	for (uint32_t t = 2; t <= 0xf; t++)
		assert_int_equal(hdr_dec(16, t, 64, &h), -EINVAL);
}

static void test_hdr_flag_bits_no_reply_error_ok_reserved_einval(void **state)
{
	struct uvf_vu_hdr h;

	(void)state;
	assert_int_equal(hdr_dec(16, UVF_VU_F_NO_REPLY, 64, &h), 0);
	assert_int_equal(hdr_dec(16, UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR, 64, &h), 0);
	assert_int_equal(hdr_dec(16, UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR | UVF_VU_F_NO_REPLY,
				 64, &h), 0);
	for (unsigned bit = 6; bit < 32; bit++)
		assert_int_equal(hdr_dec(16, 1u << bit, 64, &h), -EINVAL);
}

/* A reply's errno is trusted in the kernel's range only. */
static void test_reply_err_range(void **state)
{
	static const struct { uint32_t flags, error_no; int want; } t[] = {
		{ UVF_VU_F_TYPE_REPLY, 5, 0 },			/* no error flag */
		{ UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR, 0, -EINVAL },
		{ UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR, 1, -1 },
		{ UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR, 4095, -4095 },
		{ UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR, 4096, -EINVAL },
		{ UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR, UINT32_MAX, -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct uvf_vu_hdr h = { .flags = t[i].flags, .error_no = t[i].error_no };

		assert_int_equal(uvf_proto_reply_err(&h), t[i].want);
	}
}

static void test_hdr_encode_decode_roundtrip(void **state)
{
	struct uvf_vu_hdr in = { .msg_id = 0xfedc, .cmd = 0x100, .size = 0x12345,
				 .flags = UVF_VU_F_TYPE_REPLY | UVF_VU_F_ERROR, .error_no = 22 };
	struct uvf_vu_hdr out;
	uint8_t b[UVF_VU_HDR_SIZE];

	(void)state;
	uvf_proto_hdr_encode(b, &in);
	/* Host order, fixed offsets. */
	assert_int_equal(uvf_get16(b + 0), 0xfedc);
	assert_int_equal(uvf_get16(b + 2), 0x100);
	assert_int_equal(uvf_get32(b + 4), 0x12345);
	assert_int_equal(uvf_get32(b + 8), 0x21);
	assert_int_equal(uvf_get32(b + 12), 22);
	assert_int_equal(uvf_proto_hdr_decode(b, UINT32_MAX, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
}

/* ---- minimum lengths: minsz - 1 fails, minsz passes ---- */

struct minsz_case {
	uint16_t cmd;
	uint32_t minsz;
	void (*fill)(uint8_t *p);	/* a valid payload of minsz bytes */
};

static void fill_version(uint8_t *p) { (void)p; }
static void fill_dma_map(uint8_t *p)
{
	uvf_put32(p, 32);
	uvf_put32(p + 4, 3);
	uvf_put64(p + 16, 0x1000);
	uvf_put64(p + 24, 0x1000);
}
static void fill_dma_unmap(uint8_t *p)
{
	uvf_put32(p, 24);
	uvf_put64(p + 8, 0x1000);
	uvf_put64(p + 16, 0x1000);
}
static void fill_argsz16(uint8_t *p) { uvf_put32(p, 16); }
static void fill_argsz32(uint8_t *p) { uvf_put32(p, 32); }
static void fill_set_irqs(uint8_t *p)
{
	uvf_put32(p, 20);
	uvf_put32(p + 4, UVF_VFIO_IRQ_SET_DATA_NONE | UVF_VFIO_IRQ_SET_ACTION_TRIGGER);
	uvf_put32(p + 16, 1);
}
static void fill_zero(uint8_t *p) { (void)p; }
static void fill_multi(uint8_t *p)
{
	uvf_put64(p, 1);
	uvf_put32(p + 8 + 12, 4);
}
static void fill_feature(uint8_t *p)
{
	uvf_put32(p, 8);
	uvf_put32(p + 4, UVF_VFIO_DEVICE_FEATURE_PROBE | 1);
}
static void fill_mig(uint8_t *p) { uvf_put32(p, 8); }
static void fill_precopy(uint8_t *p) { uvf_put32(p, 24); }

static const struct minsz_case minsz_cases[] = {
	{ UVF_VU_CMD_VERSION, 4, fill_version },
	{ UVF_VU_CMD_DMA_MAP, 32, fill_dma_map },
	{ UVF_VU_CMD_DMA_UNMAP, 24, fill_dma_unmap },
	{ UVF_VU_CMD_DEVICE_GET_INFO, 16, fill_argsz16 },
	{ UVF_VU_CMD_DEVICE_GET_REGION_INFO, 32, fill_argsz32 },
	{ UVF_VU_CMD_DEVICE_GET_REGION_IO_FDS, 16, fill_argsz16 },
	{ UVF_VU_CMD_DEVICE_GET_IRQ_INFO, 16, fill_argsz16 },
	{ UVF_VU_CMD_DEVICE_SET_IRQS, 20, fill_set_irqs },
	{ UVF_VU_CMD_REGION_READ, 16, fill_zero },
	{ UVF_VU_CMD_REGION_WRITE, 16, fill_zero },
	{ UVF_VU_CMD_REGION_WRITE_MULTI, 8 + 24, fill_multi },
	{ UVF_VU_CMD_DEVICE_FEATURE, 8, fill_feature },
	{ UVF_VU_CMD_MIG_DATA_READ, 8, fill_mig },
	{ UVF_VU_CMD_MIG_DATA_WRITE, 8, fill_zero },
	{ UVF_VU_CMD_MIG_PRECOPY_INFO, 8, fill_precopy },
};

static void test_decode_every_command_minsz_boundary(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(minsz_cases) / sizeof(minsz_cases[0]); i++) {
		const struct minsz_case *t = &minsz_cases[i];
		uint8_t p[64] = { 0 };
		struct uvf_req r;
		int ret;

		t->fill(p);
		ret = dec(t->cmd, p, t->minsz, 0, &r);
		if (ret)
			fail_msg("command %u with %u bytes: %d, want 0", t->cmd, t->minsz, ret);
		assert_int_equal(r.hdr.cmd, t->cmd);
		assert_int_equal(r.payload_len, t->minsz);
		ret = dec(t->cmd, p, t->minsz - 1, 0, &r);
		if (ret != -EINVAL)
			fail_msg("command %u with %u bytes: %d, want -EINVAL", t->cmd,
				 t->minsz - 1, ret);
		/* and with no payload at all */
		assert_int_equal(dec(t->cmd, NULL, 0, 0, &r), -EINVAL);
	}
}

static void test_decode_reset_only_without_payload(void **state)
{
	struct uvf_req r;
	uint8_t p[1] = { 0 };

	(void)state;
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_RESET, NULL, 0, 0, &r), 0);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_RESET, p, 1, 0, &r), -EINVAL);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_RESET, NULL, 0, 1, &r), -EINVAL);
}

/* argsz one below the struct fails, at the struct passes. */
static void test_decode_argsz_boundaries(void **state)
{
	static const struct { uint16_t cmd; uint32_t len, minsz; } c[] = {
		{ UVF_VU_CMD_DEVICE_GET_INFO, 16, 16 },
		{ UVF_VU_CMD_DEVICE_GET_REGION_INFO, 32, 32 },
		{ UVF_VU_CMD_DEVICE_GET_REGION_IO_FDS, 16, 16 },
		{ UVF_VU_CMD_DEVICE_GET_IRQ_INFO, 16, 16 },
		{ UVF_VU_CMD_DMA_UNMAP, 24, 24 },
		{ UVF_VU_CMD_DMA_MAP, 32, 32 },
		{ UVF_VU_CMD_DEVICE_SET_IRQS, 20, 20 },
		{ UVF_VU_CMD_DEVICE_FEATURE, 8, 8 },
		{ UVF_VU_CMD_MIG_PRECOPY_INFO, 8, 24 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t p[64] = { 0 };
		struct uvf_req r;

		for (size_t k = 0; k < sizeof(minsz_cases) / sizeof(minsz_cases[0]); k++)
			if (minsz_cases[k].cmd == c[i].cmd)
				minsz_cases[k].fill(p);
		uvf_put32(p, c[i].minsz);
		if (dec(c[i].cmd, p, c[i].len, 0, &r))
			fail_msg("command %u argsz %u refused", c[i].cmd, c[i].minsz);
		uvf_put32(p, c[i].minsz - 1);
		if (dec(c[i].cmd, p, c[i].len, 0, &r) != -EINVAL)
			fail_msg("command %u argsz %u accepted", c[i].cmd, c[i].minsz - 1);
		uvf_put32(p, UINT32_MAX);
		if (dec(c[i].cmd, p, c[i].len, 0, &r))
			fail_msg("command %u argsz max refused", c[i].cmd);
	}
}

static void test_decode_info_fields(void **state)
{
	uint8_t p[32] = { 0 };
	struct uvf_req r;

	(void)state;
	uvf_put32(p, 100);
	uvf_put32(p + 8, 7);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_GET_REGION_INFO, p, 32, 0, &r), 0);
	assert_int_equal(r.u.info.argsz, 100);
	assert_int_equal(r.u.info.index, 7);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_GET_IRQ_INFO, p, 16, 0, &r), 0);
	assert_int_equal(r.u.info.index, 7);
	/* GET_INFO has no index: the word at 8 is num_regions, ignored. */
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_GET_INFO, p, 16, 0, &r), 0);
	assert_int_equal(r.u.info.index, 0);
}

/* ---- fds ---- */

static void test_decode_fds_where_none_belong_einval(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(minsz_cases) / sizeof(minsz_cases[0]); i++) {
		const struct minsz_case *t = &minsz_cases[i];
		uint8_t p[64] = { 0 };
		struct uvf_req r;

		if (t->cmd == UVF_VU_CMD_DMA_MAP)
			continue;
		t->fill(p);
		/* proto.h documents -EBADF here; the decoder (and the wire)
		 * say EINVAL, as libvfio-user does. */
		if (dec(t->cmd, p, t->minsz, 1, &r) != -EINVAL)
			fail_msg("command %u with an fd accepted", t->cmd);
		assert_int_equal(r.nfds, 1);
		assert_ptr_equal(r.fds, fake_fds);
	}
}

static void test_decode_dma_map_zero_or_one_fd(void **state)
{
	uint8_t p[32] = { 0 };
	struct uvf_req r;

	(void)state;
	fill_dma_map(p);
	assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, p, 32, 0, &r), 0);
	assert_int_equal(r.u.dma_map.fd, -1);
	assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, p, 32, 1, &r), 0);
	assert_int_equal(r.u.dma_map.fd, 0);		/* index into r.fds */
	assert_int_equal(r.fds[r.u.dma_map.fd], 100);
	assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, p, 32, 2, &r), -EINVAL);
}

static void test_decode_more_fds_than_limit_einval(void **state)
{
	const struct uvf_proto_limits l = { .max_data_xfer_size = MAXX, .max_fds = 2 };
	uint8_t p[20] = { 0 };
	struct uvf_req r;

	(void)state;
	uvf_put32(p, 20);
	uvf_put32(p + 4, UVF_VFIO_IRQ_SET_DATA_EVENTFD | UVF_VFIO_IRQ_SET_ACTION_TRIGGER);
	uvf_put32(p + 16, 2);
	assert_int_equal(dec_lim(UVF_VU_CMD_DEVICE_SET_IRQS, 0, p, 20, 2, &l, &r), 0);
	uvf_put32(p + 16, 3);
	assert_int_equal(dec_lim(UVF_VU_CMD_DEVICE_SET_IRQS, 0, p, 20, 3, &l, &r), -EINVAL);
}

static void test_decode_set_irqs_eventfd_count_must_match(void **state)
{
	uint8_t p[20] = { 0 };
	struct uvf_req r;

	(void)state;
	uvf_put32(p, 20);
	uvf_put32(p + 4, UVF_VFIO_IRQ_SET_DATA_EVENTFD | UVF_VFIO_IRQ_SET_ACTION_TRIGGER);
	uvf_put32(p + 12, 1);
	uvf_put32(p + 16, 3);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_SET_IRQS, p, 20, 0, &r), 0);	/* de-assign */
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_SET_IRQS, p, 20, 3, &r), 0);
	assert_int_equal(r.u.set_irqs.start, 1);
	assert_int_equal(r.u.set_irqs.count, 3);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_SET_IRQS, p, 20, 2, &r), -EINVAL);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_SET_IRQS, p, 20, 4, &r), -EINVAL);
}

static void test_decode_set_irqs_bool_data_length(void **state)
{
	uint8_t p[24] = { 0 };
	struct uvf_req r;

	(void)state;
	uvf_put32(p, 24);
	uvf_put32(p + 4, UVF_VFIO_IRQ_SET_DATA_BOOL | UVF_VFIO_IRQ_SET_ACTION_TRIGGER);
	uvf_put32(p + 16, 4);
	p[20] = 1;
	p[23] = 1;
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_SET_IRQS, p, 24, 0, &r), 0);
	assert_non_null(r.u.set_irqs.bools);
	assert_int_equal(r.u.set_irqs.bools[3], 1);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_SET_IRQS, p, 23, 0, &r), -EINVAL);
	uvf_put32(p + 16, UINT32_MAX);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_SET_IRQS, p, 24, 0, &r), -EINVAL);
	uvf_put32(p + 16, 4);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_SET_IRQS, p, 24, 1, &r), -EINVAL);
}

/* ---- per-command checks ---- */

static void put_map(uint8_t *p, uint32_t flags, uint64_t off, uint64_t iova, uint64_t size)
{
	uvf_put32(p, 32);
	uvf_put32(p + 4, flags);
	uvf_put64(p + 8, off);
	uvf_put64(p + 16, iova);
	uvf_put64(p + 24, size);
}

static void test_decode_dma_map_fields_and_refusals(void **state)
{
	uint8_t p[32];
	struct uvf_req r;

	(void)state;
	put_map(p, 3, 0x2000, 0x10000, 0x3000);
	assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, p, 32, 0, &r), 0);
	assert_int_equal(r.u.dma_map.flags, 3);
	assert_int_equal(r.u.dma_map.offset, 0x2000);
	assert_int_equal(r.u.dma_map.iova, 0x10000);
	assert_int_equal(r.u.dma_map.size, 0x3000);
	put_map(p, 3, 0, 0x10000, 0);
	assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, p, 32, 0, &r), -EINVAL);
	put_map(p, 4, 0, 0x10000, 0x1000);		/* libvfio-user's MMAP flag */
	assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, p, 32, 0, &r), -EINVAL);
	put_map(p, 0, 0, 0x10000, 0x1000);		/* no access at all: allowed */
	assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, p, 32, 0, &r), 0);
	/* iova + size: 2^64 - 1 is the last representable end */
	put_map(p, 3, 0, UINT64_MAX - 0x1000, 0x1000);
	assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, p, 32, 0, &r), 0);
	put_map(p, 3, 0, UINT64_MAX - 0xfff, 0x1000);
	assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, p, 32, 0, &r), -EINVAL);
	put_map(p, 3, UINT64_MAX - 0xfff, 0x10000, 0x1000);
	assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, p, 32, 0, &r), -EINVAL);
	/* longer payload: fine */
	{
		uint8_t q[40] = { 0 };

		put_map(q, 3, 0, 0x10000, 0x1000);
		assert_int_equal(dec(UVF_VU_CMD_DMA_MAP, q, 40, 0, &r), 0);
	}
}

static void put_unmap(uint8_t *p, uint32_t flags, uint64_t iova, uint64_t size)
{
	uvf_put32(p, 24);
	uvf_put32(p + 4, flags);
	uvf_put64(p + 8, iova);
	uvf_put64(p + 16, size);
}

static void test_decode_dma_unmap_flags_and_ranges(void **state)
{
	uint8_t p[24];
	struct uvf_req r;

	(void)state;
	put_unmap(p, 0, 0x1000, 0x2000);
	assert_int_equal(dec(UVF_VU_CMD_DMA_UNMAP, p, 24, 0, &r), 0);
	assert_int_equal(r.u.dma_unmap.iova, 0x1000);
	assert_int_equal(r.u.dma_unmap.size, 0x2000);
	put_unmap(p, UVF_VU_DMA_UNMAP_F_ALL, 0, 0);
	assert_int_equal(dec(UVF_VU_CMD_DMA_UNMAP, p, 24, 0, &r), 0);
	put_unmap(p, UVF_VU_DMA_UNMAP_F_ALL, 1, 0);
	assert_int_equal(dec(UVF_VU_CMD_DMA_UNMAP, p, 24, 0, &r), -EINVAL);
	put_unmap(p, UVF_VU_DMA_UNMAP_F_ALL, 0, 1);
	assert_int_equal(dec(UVF_VU_CMD_DMA_UNMAP, p, 24, 0, &r), -EINVAL);
	put_unmap(p, UVF_VU_DMA_UNMAP_F_GET_DIRTY_BITMAP, 0x1000, 0x1000);
	assert_int_equal(dec(UVF_VU_CMD_DMA_UNMAP, p, 24, 0, &r), -EINVAL);
	put_unmap(p, 4, 0x1000, 0x1000);
	assert_int_equal(dec(UVF_VU_CMD_DMA_UNMAP, p, 24, 0, &r), -EINVAL);
	put_unmap(p, 0, 0x1000, 0);
	assert_int_equal(dec(UVF_VU_CMD_DMA_UNMAP, p, 24, 0, &r), -EINVAL);
	put_unmap(p, 0, UINT64_MAX, 2);
	assert_int_equal(dec(UVF_VU_CMD_DMA_UNMAP, p, 24, 0, &r), -EINVAL);
}

static void put_rw(uint8_t *p, uint64_t off, uint32_t region, uint32_t count)
{
	uvf_put64(p, off);
	uvf_put32(p + 8, region);
	uvf_put32(p + 12, count);
}

static void test_decode_region_rw_count_limit_both_sides(void **state)
{
	const struct uvf_proto_limits l = { .max_data_xfer_size = 64, .max_fds = 16 };
	uint8_t p[16 + 65] = { 0 };
	struct uvf_req r;

	(void)state;
	put_rw(p, 8, 2, 64);
	assert_int_equal(dec_lim(UVF_VU_CMD_REGION_READ, 0, p, 16, 0, &l, &r), 0);
	assert_int_equal(r.u.rw.offset, 8);
	assert_int_equal(r.u.rw.region, 2);
	assert_int_equal(r.u.rw.count, 64);
	assert_null(r.u.rw.data);
	assert_int_equal(dec_lim(UVF_VU_CMD_REGION_WRITE, 0, p, 16 + 64, 0, &l, &r), 0);
	assert_ptr_equal(r.u.rw.data, r.payload + 16);
	put_rw(p, 8, 2, 65);
	assert_int_equal(dec_lim(UVF_VU_CMD_REGION_READ, 0, p, 16, 0, &l, &r), -E2BIG);
	assert_int_equal(dec_lim(UVF_VU_CMD_REGION_WRITE, 0, p, 16 + 65, 0, &l, &r), -E2BIG);
	put_rw(p, 8, 2, UINT32_MAX);
	assert_int_equal(dec_lim(UVF_VU_CMD_REGION_READ, 0, p, 16, 0, &l, &r), -E2BIG);
}

static void test_decode_region_write_count_must_equal_data(void **state)
{
	uint8_t p[16 + 9] = { 0 };
	struct uvf_req r;

	(void)state;
	put_rw(p, 0, 0, 8);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE, p, 16 + 8, 0, &r), 0);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE, p, 16 + 7, 0, &r), -EINVAL);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE, p, 16 + 9, 0, &r), -EINVAL);
	/* A READ may carry trailing bytes (ignored). */
	assert_int_equal(dec(UVF_VU_CMD_REGION_READ, p, 16 + 9, 0, &r), 0);
}

static uint8_t *multi(uint64_t n, size_t *len)
{
	uint8_t *p;

	*len = 8 + (size_t)n * 24;
	p = calloc(1, *len);
	assert_non_null(p);
	uvf_put64(p, n);
	for (uint64_t i = 0; i < n; i++)
		uvf_put32(p + 8 + i * 24 + 12, 8);
	return p;
}

static void test_decode_write_multi_limits(void **state)
{
	struct uvf_req r;
	size_t len;
	uint8_t *p;

	(void)state;
	p = multi(200, &len);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE_MULTI, p, len, 0, &r), 0);
	assert_int_equal(r.u.multi.count, 200);
	assert_ptr_equal(r.u.multi.recs, r.payload + 8);
	free(p);
	p = multi(201, &len);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE_MULTI, p, len, 0, &r), -EINVAL);
	free(p);
	p = multi(0, &len);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE_MULTI, p, len, 0, &r), -EINVAL);
	free(p);
	p = multi(2, &len);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE_MULTI, p, len - 1, 0, &r), -EINVAL);
	uvf_put32(p + 8 + 24 + 12, 9);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE_MULTI, p, len, 0, &r), -EINVAL);
	uvf_put32(p + 8 + 24 + 12, 0);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE_MULTI, p, len, 0, &r), -EINVAL);
	uvf_put32(p + 8 + 24 + 12, 1);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE_MULTI, p, len, 0, &r), 0);
	/* A count whose record bytes wrap 64 bits. */
	uvf_put64(p, (UINT64_MAX / 24) + 1);
	assert_int_equal(dec(UVF_VU_CMD_REGION_WRITE_MULTI, p, len, 0, &r), -EINVAL);
	free(p);
}

static void test_decode_mig_data_limits(void **state)
{
	const struct uvf_proto_limits l = { .max_data_xfer_size = 32, .max_fds = 16 };
	uint8_t p[8 + 33] = { 0 };
	struct uvf_req r;

	(void)state;
	uvf_put32(p, 8 + 32);
	uvf_put32(p + 4, 32);
	assert_int_equal(dec_lim(UVF_VU_CMD_MIG_DATA_READ, 0, p, 8, 0, &l, &r), 0);
	assert_int_equal(r.u.mig.size, 32);
	uvf_put32(p, 8 + 31);
	assert_int_equal(dec_lim(UVF_VU_CMD_MIG_DATA_READ, 0, p, 8, 0, &l, &r), -EINVAL);
	uvf_put32(p, UINT32_MAX);
	uvf_put32(p + 4, 33);
	assert_int_equal(dec_lim(UVF_VU_CMD_MIG_DATA_READ, 0, p, 8, 0, &l, &r), -E2BIG);
	/* WRITE: size == data, <= max */
	uvf_put32(p + 4, 32);
	assert_int_equal(dec_lim(UVF_VU_CMD_MIG_DATA_WRITE, 0, p, 8 + 32, 0, &l, &r), 0);
	assert_ptr_equal(r.u.mig.data, r.payload + 8);
	assert_int_equal(dec_lim(UVF_VU_CMD_MIG_DATA_WRITE, 0, p, 8 + 31, 0, &l, &r), -EINVAL);
	uvf_put32(p + 4, 33);
	assert_int_equal(dec_lim(UVF_VU_CMD_MIG_DATA_WRITE, 0, p, 8 + 33, 0, &l, &r), -E2BIG);
}

static void test_decode_precopy_argsz_and_flags(void **state)
{
	uint8_t p[8];
	struct uvf_req r;

	(void)state;
	uvf_put32(p, 24);
	uvf_put32(p + 4, 0);
	assert_int_equal(dec(UVF_VU_CMD_MIG_PRECOPY_INFO, p, 8, 0, &r), 0);
	uvf_put32(p + 4, 1);
	assert_int_equal(dec(UVF_VU_CMD_MIG_PRECOPY_INFO, p, 8, 0, &r), -EINVAL);
}

static void test_decode_feature_fields(void **state)
{
	uint8_t p[8 + 12] = { 0 };
	struct uvf_req r;

	(void)state;
	uvf_put32(p, 64);
	uvf_put32(p + 4, UVF_VFIO_DEVICE_FEATURE_GET | 0x8001);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_FEATURE, p, sizeof(p), 0, &r), 0);
	assert_int_equal(r.u.feature.argsz, 64);
	assert_int_equal(r.u.feature.feature, 0x8001);
	assert_int_equal(r.u.feature.flags, UVF_VFIO_DEVICE_FEATURE_GET | 0x8001);
	assert_int_equal(r.u.feature.data_len, 12);
	assert_ptr_equal(r.u.feature.data, r.payload + 8);
	assert_int_equal(dec(UVF_VU_CMD_DEVICE_FEATURE, p, 8, 0, &r), 0);
	assert_int_equal(r.u.feature.data_len, 0);
}

static void test_decode_unknown_enosys_retired_einval(void **state)
{
	static const uint16_t unknown[] = { 0, 19, 0xff, 0x101, 0xffff };
	uint8_t p[32] = { 0 };
	struct uvf_req r;

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_int_equal(dec(unknown[i], p, sizeof(p), 0, &r), -ENOSYS);
	assert_int_equal(dec(UVF_VU_CMD_DIRTY_PAGES, p, sizeof(p), 0, &r), -EINVAL);
	/* DMA_READ/WRITE are server -> client: as commands to us, refused. */
	assert_int_equal(dec(UVF_VU_CMD_DMA_READ, p, sizeof(p), 0, &r), -EINVAL);
	assert_int_equal(dec(UVF_VU_CMD_DMA_WRITE, p, sizeof(p), 0, &r), -EINVAL);
}

static void test_decode_dma_replies(void **state)
{
	uint8_t p[16 + 8] = { 0 };
	struct uvf_req r;

	(void)state;
	uvf_put64(p, 0x1000);
	uvf_put64(p + 8, 8);
	assert_int_equal(dec_lim(UVF_VU_CMD_DMA_READ, UVF_VU_F_TYPE_REPLY, p, 24, 0, &lim, &r), 0);
	assert_int_equal(r.u.dma_rw.iova, 0x1000);
	assert_int_equal(r.u.dma_rw.count, 8);
	assert_ptr_equal(r.u.dma_rw.data, r.payload + 16);
	assert_int_equal(dec_lim(UVF_VU_CMD_DMA_READ, UVF_VU_F_TYPE_REPLY, p, 23, 0, &lim, &r),
			 -EINVAL);
	assert_int_equal(dec_lim(UVF_VU_CMD_DMA_READ, UVF_VU_F_TYPE_REPLY, p, 15, 0, &lim, &r),
			 -EINVAL);
	/* DMA_WRITE replies: 0, 12 or 16 bytes (QEMU's layouts), not 1..11. */
	assert_int_equal(dec_lim(UVF_VU_CMD_DMA_WRITE, UVF_VU_F_TYPE_REPLY, p, 0, 0, &lim, &r), 0);
	assert_int_equal(dec_lim(UVF_VU_CMD_DMA_WRITE, UVF_VU_F_TYPE_REPLY, p, 12, 0, &lim, &r), 0);
	assert_int_equal(dec_lim(UVF_VU_CMD_DMA_WRITE, UVF_VU_F_TYPE_REPLY, p, 16, 0, &lim, &r), 0);
	assert_int_equal(dec_lim(UVF_VU_CMD_DMA_WRITE, UVF_VU_F_TYPE_REPLY, p, 11, 0, &lim, &r),
			 -EINVAL);
	assert_int_equal(dec_lim(UVF_VU_CMD_DMA_WRITE, UVF_VU_F_TYPE_REPLY, p, 1, 0, &lim, &r),
			 -EINVAL);
}

static int dec_dma_cmd(uint16_t cmd, const uint8_t *payload, size_t len,
		       const struct uvf_proto_limits *l, struct uvf_req *r)
{
	struct uvf_vu_hdr h = { .msg_id = 1, .cmd = cmd, .size = (uint32_t)(16 + len) };

	free(last_msg);
	last_msg = malloc(16 + len);
	assert_non_null(last_msg);
	uvf_proto_hdr_encode(last_msg, &h);
	memcpy(last_msg + 16, payload, len);
	return uvf_proto_decode_dma_cmd(last_msg, &h, l, r);
}

static void test_decode_dma_cmd_client_side(void **state)
{
	const struct uvf_proto_limits l = { .max_data_xfer_size = 16, .max_fds = 0 };
	uint8_t p[16 + 17] = { 0 };
	struct uvf_req r;

	(void)state;
	uvf_put64(p, 0x2000);
	uvf_put64(p + 8, 16);
	assert_int_equal(dec_dma_cmd(UVF_VU_CMD_DMA_READ, p, 16, &l, &r), 0);
	assert_null(r.u.dma_rw.data);
	assert_int_equal(dec_dma_cmd(UVF_VU_CMD_DMA_WRITE, p, 32, &l, &r), 0);
	assert_ptr_equal(r.u.dma_rw.data, r.payload + 16);
	assert_int_equal(dec_dma_cmd(UVF_VU_CMD_DMA_WRITE, p, 31, &l, &r), -EINVAL);
	assert_int_equal(dec_dma_cmd(UVF_VU_CMD_DMA_READ, p, 15, &l, &r), -EINVAL);
	uvf_put64(p + 8, 17);
	assert_int_equal(dec_dma_cmd(UVF_VU_CMD_DMA_READ, p, 16, &l, &r), -E2BIG);
	uvf_put64(p, UINT64_MAX - 3);
	uvf_put64(p + 8, 8);
	assert_int_equal(dec_dma_cmd(UVF_VU_CMD_DMA_READ, p, 16, &l, &r), -EINVAL);
	assert_int_equal(dec_dma_cmd(UVF_VU_CMD_REGION_READ, p, 16, &l, &r), -ENOSYS);
}

/* ---- DEVICE_FEATURE sub-decoders ---- */

static struct uvf_req_feature feat(const uint8_t *data, uint32_t len)
{
	struct uvf_req_feature f = { .argsz = 4096, .flags = 0, .data = data, .data_len = len };

	return f;
}

static void test_feature_mig_state_minsz(void **state)
{
	uint8_t d[8] = { 0 };
	struct uvf_feat_mig_state s;
	struct uvf_req_feature f;

	(void)state;
	uvf_put32(d, UVF_MIG_STATE_STOP_COPY);
	f = feat(d, 8);
	assert_int_equal(uvf_proto_decode_mig_state(&f, &s), 0);
	assert_int_equal(s.state, UVF_MIG_STATE_STOP_COPY);
	f = feat(d, 7);
	assert_int_equal(uvf_proto_decode_mig_state(&f, &s), -EINVAL);
}

static void test_feature_log_start_limits(void **state)
{
	const size_t max = 16 + 256 * 16;
	uint8_t *d = calloc(1, max);
	struct uvf_feat_log_start s;
	struct uvf_req_feature f;
	uint64_t iova, length;

	(void)state;
	assert_non_null(d);
	uvf_put64(d, 4096);
	f = feat(d, 15);
	assert_int_equal(uvf_proto_decode_log_start(&f, &s), -EINVAL);
	f = feat(d, 16);
	assert_int_equal(uvf_proto_decode_log_start(&f, &s), 0);	/* num_ranges 0 */
	assert_int_equal(s.page_size, 4096);
	assert_int_equal(s.num_ranges, 0);
	uvf_put32(d + 8, 256);
	uvf_put64(d + 16 + 255 * 16, 0xabc000);
	uvf_put64(d + 16 + 255 * 16 + 8, 0x1000);
	f = feat(d, (uint32_t)max);
	assert_int_equal(uvf_proto_decode_log_start(&f, &s), 0);
	uvf_proto_log_range(&s, 255, &iova, &length);
	assert_int_equal(iova, 0xabc000);
	assert_int_equal(length, 0x1000);
	f = feat(d, (uint32_t)max - 1);
	assert_int_equal(uvf_proto_decode_log_start(&f, &s), -EINVAL);
	uvf_put32(d + 8, 257);
	f = feat(d, (uint32_t)max);
	assert_int_equal(uvf_proto_decode_log_start(&f, &s), -E2BIG);
	uvf_put32(d + 8, UINT32_MAX);
	assert_int_equal(uvf_proto_decode_log_start(&f, &s), -E2BIG);
	free(d);
}

static void test_feature_log_report_minsz(void **state)
{
	uint8_t d[24] = { 0 };
	struct uvf_feat_log_report q;
	struct uvf_req_feature f;

	(void)state;
	uvf_put64(d, 1);
	uvf_put64(d + 8, 2);
	uvf_put64(d + 16, 3);
	f = feat(d, 24);
	assert_int_equal(uvf_proto_decode_log_report(&f, &q), 0);
	assert_int_equal(q.iova, 1);
	assert_int_equal(q.length, 2);
	assert_int_equal(q.page_size, 3);
	f = feat(d, 23);
	assert_int_equal(uvf_proto_decode_log_report(&f, &q), -EINVAL);
}

/* ---- VERSION capabilities ---- */

static int parse(const char *s, struct uvf_caps *c)
{
	return uvf_caps_parse(s, strlen(s) + 1, c);
}

static void test_caps_defaults_and_empty_text(void **state)
{
	struct uvf_caps c, d;

	(void)state;
	uvf_caps_defaults(&d);
	assert_int_equal(d.max_msg_fds, 1);
	assert_int_equal(d.max_data_xfer_size, MAXX);
	assert_int_equal(d.max_dma_maps, 65535);
	assert_int_equal(d.pgsizes, 4096);
	assert_false(d.write_multiple || d.precopy_info || d.precopy_enomsg || d.remap_irq);
	memset(&c, 0xaa, sizeof(c));
	assert_int_equal(uvf_caps_parse(NULL, 0, &c), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	assert_int_equal(parse("{}", &c), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	assert_int_equal(parse("{\"capabilities\":{}}", &c), 0);
	assert_memory_equal(&c, &d, sizeof(c));
}

static void test_caps_nul_handling(void **state)
{
	static const char inner[] = "{}\0{}";
	struct uvf_caps c;

	(void)state;
	assert_int_equal(uvf_caps_parse("{}", 2, &c), -EINVAL);		/* no NUL */
	assert_int_equal(uvf_caps_parse(inner, sizeof(inner), &c), -EINVAL);
	assert_int_equal(uvf_caps_parse("", 1, &c), -EINVAL);		/* only the NUL */
	assert_int_equal(uvf_caps_parse("{}", 3, &c), 0);
	/* a NUL earlier than len - 1 */
	assert_int_equal(uvf_caps_parse("{}\0\0", 4, &c), -EINVAL);
}

static void test_caps_parse_values_and_extensions(void **state)
{
	struct uvf_caps c;

	(void)state;
	assert_int_equal(parse("{\"capabilities\":{\"max_msg_fds\":16,"
			       "\"max_data_xfer_size\":65536,\"max_dma_maps\":10,"
			       "\"pgsizes\":12288,\"write_multiple\":true,"
			       "\"migration\":{\"pgsize\":4096},"
			       "\"uvfio\":{\"precopy_info\":true,\"remap_irq\":true,"
			       "\"unknown\":5}},\"other\":null}", &c), 0);
	assert_int_equal(c.max_msg_fds, 16);
	assert_int_equal(c.max_data_xfer_size, 65536);
	assert_int_equal(c.max_dma_maps, 10);
	assert_int_equal(c.pgsizes, 12288);
	assert_true(c.write_multiple);
	assert_true(c.precopy_info);
	assert_false(c.precopy_enomsg);
	assert_true(c.remap_irq);
	assert_int_equal(parse("{\"capabilities\":{\"uvfio\":{\"precopy_enomsg\":true,"
			       "\"precopy_info\":false}}}", &c), 0);
	assert_false(c.precopy_info);
	assert_true(c.precopy_enomsg);
}

static void test_caps_limits_both_sides(void **state)
{
	struct uvf_caps c;

	(void)state;
	assert_int_equal(parse("{\"capabilities\":{\"max_msg_fds\":0}}", &c), 0);
	assert_int_equal(parse("{\"capabilities\":{\"max_msg_fds\":1024}}", &c), 0);
	assert_int_equal(c.max_msg_fds, 1024);
	assert_int_equal(parse("{\"capabilities\":{\"max_msg_fds\":1025}}", &c), -EINVAL);
	assert_int_equal(parse("{\"capabilities\":{\"max_data_xfer_size\":4294967295}}", &c), 0);
	assert_int_equal(c.max_data_xfer_size, UINT32_MAX);
	assert_int_equal(parse("{\"capabilities\":{\"max_data_xfer_size\":4294967296}}", &c),
			 -EINVAL);
	assert_int_equal(parse("{\"capabilities\":{\"max_dma_maps\":4294967295}}", &c), 0);
	assert_int_equal(parse("{\"capabilities\":{\"max_dma_maps\":4294967296}}", &c), -EINVAL);
	assert_int_equal(parse("{\"capabilities\":{\"pgsizes\":9223372036854775807}}", &c), 0);
	assert_int_equal(c.pgsizes, (uint64_t)INT64_MAX);
	assert_int_equal(parse("{\"capabilities\":{\"max_msg_fds\":-1}}", &c), -EINVAL);
	assert_int_equal(parse("{\"capabilities\":{\"pgsizes\":-4096}}", &c), -EINVAL);
}

static void test_caps_pgsizes_above_int64_refused(void **state)
{
	struct uvf_caps c;
	int r;

	(void)state;
	/* The limit in version.c is UINT64_MAX >> 1: 2^63 and above must be
	 * refused, not read as something else. */
	r = parse("{\"capabilities\":{\"pgsizes\":9223372036854775808}}", &c);
	/* json-c keeps these as uint64 and saturates get_int64(): the parser
	 * must not read them as INT64_MAX. */
	assert_int_equal(r, -EINVAL);
	assert_int_equal(parse("{\"capabilities\":{\"pgsizes\":18446744073709551615}}", &c),
			 -EINVAL);
}

static void test_caps_wrong_types_einval(void **state)
{
	static const char *const bad[] = {
		"[]", "42", "\"x\"", "null", "true",
		"{\"capabilities\":[]}",
		"{\"capabilities\":1}",
		"{\"capabilities\":null}",
		"{\"capabilities\":{\"max_msg_fds\":\"16\"}}",
		"{\"capabilities\":{\"max_msg_fds\":16.0}}",
		"{\"capabilities\":{\"max_msg_fds\":true}}",
		"{\"capabilities\":{\"max_data_xfer_size\":null}}",
		"{\"capabilities\":{\"max_dma_maps\":[1]}}",
		"{\"capabilities\":{\"pgsizes\":{}}}",
		"{\"capabilities\":{\"write_multiple\":1}}",
		"{\"capabilities\":{\"write_multiple\":\"true\"}}",
		"{\"capabilities\":{\"uvfio\":[]}}",
		"{\"capabilities\":{\"uvfio\":true}}",
		"{\"capabilities\":{\"uvfio\":{\"precopy_info\":1}}}",
		"{\"capabilities\":{\"uvfio\":{\"precopy_enomsg\":null}}}",
		"{\"capabilities\":{\"uvfio\":{\"remap_irq\":\"yes\"}}}",
		"{", "{\"capabilities\":", "{} {}", "{}x",
	};
	struct uvf_caps c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &c) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

static void roundtrip(const struct uvf_caps *in)
{
	struct uvf_caps out;
	size_t len;
	char *s;

	assert_int_equal(uvf_caps_build(in, &s, &len), 0);
	assert_int_equal(len, strlen(s) + 1);
	assert_int_equal(uvf_caps_parse(s, len, &out), 0);
	assert_memory_equal(&out, in, sizeof(out));
	free(s);
}

static void test_caps_build_parse_roundtrip(void **state)
{
	struct uvf_caps c;

	(void)state;
	uvf_caps_defaults(&c);
	roundtrip(&c);
	c.max_msg_fds = 16;
	c.write_multiple = true;
	roundtrip(&c);
	c.precopy_info = true;
	roundtrip(&c);
	c.precopy_enomsg = true;
	c.remap_irq = true;
	roundtrip(&c);
	c.precopy_info = false;
	roundtrip(&c);
	/* the edges of every value */
	c.max_msg_fds = 1024;
	c.max_data_xfer_size = UINT32_MAX;
	c.max_dma_maps = UINT32_MAX;
	c.pgsizes = (uint64_t)INT64_MAX;
	roundtrip(&c);
	c.max_msg_fds = 0;
	c.max_data_xfer_size = 0;
	c.max_dma_maps = 0;
	c.pgsizes = 0;
	roundtrip(&c);
}

static void test_caps_build_extensions_only_when_true(void **state)
{
	struct uvf_caps c;
	size_t len;
	char *s;

	(void)state;
	uvf_caps_defaults(&c);
	assert_int_equal(uvf_caps_build(&c, &s, &len), 0);
	assert_null(strstr(s, "uvfio"));
	assert_null(strstr(s, "write_multiple"));
	assert_int_equal(s[len - 1], '\0');
	free(s);
	c.remap_irq = true;
	assert_int_equal(uvf_caps_build(&c, &s, &len), 0);
	assert_non_null(strstr(s, "\"uvfio\""));
	assert_non_null(strstr(s, "\"remap_irq\""));
	assert_null(strstr(s, "precopy"));
	free(s);
}

/* ---- message building ---- */

static void test_msgbuf_builds_header_and_grows(void **state)
{
	struct uvf_msgbuf b;
	struct uvf_vu_hdr h;
	uint8_t *p;

	(void)state;
	uvf_msgbuf_init(&b);
	assert_int_equal(uvf_msgbuf_begin(&b, 9, UVF_VU_CMD_REGION_READ, UVF_VU_F_TYPE_REPLY), 0);
	assert_int_equal(b.len, UVF_VU_HDR_SIZE);
	p = uvf_msgbuf_put(&b, 10);
	assert_non_null(p);
	for (int i = 0; i < 10; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0x5a, 10);
	p = uvf_msgbuf_put(&b, 100000);		/* grows past the first 256 */
	assert_non_null(p);
	assert_int_equal(p[99999], 0);
	assert_int_equal(b.data[UVF_VU_HDR_SIZE + 9], 0x5a);
	uvf_msgbuf_finish(&b, 5);
	assert_int_equal(uvf_proto_hdr_decode(b.data, UINT32_MAX, &h), 0);
	assert_int_equal(h.msg_id, 9);
	assert_int_equal(h.cmd, UVF_VU_CMD_REGION_READ);
	assert_int_equal(h.size, UVF_VU_HDR_SIZE + 10 + 100000 + 5);
	assert_true(uvf_proto_is_reply(&h));
	/* begin again reuses the buffer */
	assert_int_equal(uvf_msgbuf_begin(&b, 1, 1, 0), 0);
	assert_int_equal(b.len, UVF_VU_HDR_SIZE);
	uvf_msgbuf_free(&b);
	assert_null(b.data);
	uvf_msgbuf_free(&b);		/* twice is fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_size_15_einval_16_ok),
		cmocka_unit_test(test_reply_err_range),
		cmocka_unit_test(test_hdr_size_max_ok_max_plus_1_e2big),
		cmocka_unit_test(test_hdr_type_bits_0_1_only),
		cmocka_unit_test(test_hdr_flag_bits_no_reply_error_ok_reserved_einval),
		cmocka_unit_test(test_hdr_encode_decode_roundtrip),
		cmocka_unit_test(test_decode_every_command_minsz_boundary),
		cmocka_unit_test(test_decode_reset_only_without_payload),
		cmocka_unit_test(test_decode_argsz_boundaries),
		cmocka_unit_test(test_decode_info_fields),
		cmocka_unit_test(test_decode_fds_where_none_belong_einval),
		cmocka_unit_test(test_decode_dma_map_zero_or_one_fd),
		cmocka_unit_test(test_decode_more_fds_than_limit_einval),
		cmocka_unit_test(test_decode_set_irqs_eventfd_count_must_match),
		cmocka_unit_test(test_decode_set_irqs_bool_data_length),
		cmocka_unit_test(test_decode_dma_map_fields_and_refusals),
		cmocka_unit_test(test_decode_dma_unmap_flags_and_ranges),
		cmocka_unit_test(test_decode_region_rw_count_limit_both_sides),
		cmocka_unit_test(test_decode_region_write_count_must_equal_data),
		cmocka_unit_test(test_decode_write_multi_limits),
		cmocka_unit_test(test_decode_mig_data_limits),
		cmocka_unit_test(test_decode_precopy_argsz_and_flags),
		cmocka_unit_test(test_decode_feature_fields),
		cmocka_unit_test(test_decode_unknown_enosys_retired_einval),
		cmocka_unit_test(test_decode_dma_replies),
		cmocka_unit_test(test_decode_dma_cmd_client_side),
		cmocka_unit_test(test_feature_mig_state_minsz),
		cmocka_unit_test(test_feature_log_start_limits),
		cmocka_unit_test(test_feature_log_report_minsz),
		cmocka_unit_test(test_caps_defaults_and_empty_text),
		cmocka_unit_test(test_caps_nul_handling),
		cmocka_unit_test(test_caps_parse_values_and_extensions),
		cmocka_unit_test(test_caps_limits_both_sides),
		cmocka_unit_test(test_caps_pgsizes_above_int64_refused),
		cmocka_unit_test(test_caps_wrong_types_einval),
		cmocka_unit_test(test_caps_build_parse_roundtrip),
		cmocka_unit_test(test_caps_build_extensions_only_when_true),
		cmocka_unit_test(test_msgbuf_builds_header_and_grows),
	};

	return cmocka_run_group_tests_name("proto-codec", tests, NULL, group_teardown);
}
