/* SPDX-License-Identifier: MIT */
/*
 * test_feature.c - DEVICE_FEATURE (16), MIG_DATA_READ/WRITE (17/18) and
 * MIG_PRECOPY_INFO (0x100) against a running uvfiod serving the mem
 * device: without migration ops features 1, 2, 9 answer ENOTTY (with
 * them, a fresh client finds RUNNING); the data commands are EINVAL
 * outside a migration session either way; DMA logging (6/7/8) works, and
 * since the mem device does no DMA every report is zero
 * (vfio-user-protocol.md §4.14, §4.15, migration.md §2.1,
 * uvfio/vfio-user.h).  The migration arcs themselves are tested in
 * tests/migration.
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vu.h"

#define GET	UVF_VFIO_DEVICE_FEATURE_GET
#define SET	UVF_VFIO_DEVICE_FEATURE_SET
#define PROBE	UVF_VFIO_DEVICE_FEATURE_PROBE
#define FHDR	UVF_VFIO_DEVICE_FEATURE_SIZE
#define START	UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_START
#define STOP	UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP
#define REPORT	UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT
#define CTL	UVF_VFIO_DMA_LOGGING_CONTROL_SIZE
#define RNG	UVF_VFIO_DMA_LOGGING_RANGE_SIZE
#define RPT	UVF_VFIO_DMA_LOGGING_REPORT_SIZE

#define LOG_IOVA	0x100000ull
#define LOG_LEN		0x100000ull		/* 256 pages: a 32-byte bitmap */

static int log_start(struct vu_conn *c, uint64_t page, uint32_t n, const uint64_t *ranges,
		     struct vu_msg *reply)
{
	size_t len = CTL + (size_t)n * RNG;
	uint8_t *d = calloc(1, len);
	int r;

	assert_non_null(d);
	uvf_put64(d, page);
	uvf_put32(d + 8, n);
	for (uint32_t i = 0; ranges && i < n; i++) {
		uvf_put64(d + CTL + i * RNG, ranges[2 * i]);
		uvf_put64(d + CTL + i * RNG + 8, ranges[2 * i + 1]);
	}
	r = vu_feature(c, FHDR + (uint32_t)len, SET | START, d, len, reply);
	free(d);
	return r;
}

static int log_start1(struct vu_conn *c)
{
	const uint64_t rng[2] = { LOG_IOVA, LOG_LEN };

	return log_start(c, 4096, 1, rng, NULL);
}

static int log_stop(struct vu_conn *c)
{
	struct vu_msg m;
	int r = vu_feature(c, FHDR, SET | STOP, NULL, 0, &m);

	if (!r) {
		assert_int_equal(m.len, FHDR);
		assert_int_equal(uvf_get32(m.payload), FHDR);
		assert_int_equal(uvf_get32(m.payload + 4), SET | STOP);
	}
	vu_msg_free(&m);
	return r;
}

static int log_report(struct vu_conn *c, uint32_t argsz, uint64_t iova, uint64_t len,
		      uint64_t page, struct vu_msg *reply)
{
	uint8_t d[RPT];

	uvf_put64(d, iova);
	uvf_put64(d + 8, len);
	uvf_put64(d + 16, page);
	return vu_feature(c, argsz, GET | REPORT, d, sizeof(d), reply);
}

/* ---- migration features: ENOTTY without mig ops ---- */

/* Does the daemon's mem device have migration ops?  (It is gaining them;
 * the tests below pin whichever behaviour it has and skip the other.) */
static bool migratable(struct vu_conn *c)
{
	int r = vu_feature(c, 64, GET | UVF_VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0, NULL);

	assert_true(r == 0 || r == -ENOTTY);
	return r == 0;
}

static void test_feature_migration_features_enotty_without_mig_ops(void **state)
{
	static const uint32_t feats[] = {
		UVF_VFIO_DEVICE_FEATURE_MIGRATION,
		UVF_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		UVF_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
	};
	struct vu_conn *c = *state;
	uint8_t st[UVF_VFIO_MIG_STATE_SIZE] = { 0 };

	if (migratable(c))
		skip();
	uvf_put32(st, UVF_MIG_STATE_STOP);
	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		assert_int_equal(vu_feature(c, 64, GET | feats[i], NULL, 0, NULL), -ENOTTY);
		assert_int_equal(vu_feature(c, 64, SET | feats[i], st, sizeof(st), NULL), -ENOTTY);
		assert_int_equal(vu_feature(c, 64, PROBE | GET | feats[i], NULL, 0, NULL),
				 -ENOTTY);
	}
	vu_expect_usable(c);
}

static void test_feature_migration_features_report_running_with_mig_ops(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	if (!migratable(c))
		skip();
	assert_int_equal(vu_feature(c, 64, GET | UVF_VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0, &m),
			 0);
	assert_int_equal(m.len, FHDR + 8);
	assert_true(uvf_get64(m.payload + FHDR) & UVF_VFIO_MIGRATION_STOP_COPY);
	vu_msg_free(&m);
	/* A fresh client finds the device RUNNING, data_fd unused. */
	assert_int_equal(vu_feature(c, 64, GET | UVF_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, NULL, 0,
				    &m), 0);
	assert_int_equal(m.len, FHDR + UVF_VFIO_MIG_STATE_SIZE);
	assert_int_equal(uvf_get32(m.payload + FHDR), UVF_MIG_STATE_RUNNING);
	assert_int_equal(uvf_get32(m.payload + FHDR + 4), UINT32_MAX);
	vu_msg_free(&m);
	assert_int_equal(vu_feature(c, 64, GET | UVF_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, NULL, 0,
				    &m), 0);
	assert_int_equal(m.len, FHDR + 8);
	vu_msg_free(&m);
	/* GET with no room for the answer */
	assert_int_equal(vu_feature(c, FHDR + 7, GET | UVF_VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0,
				    NULL), -EINVAL);
	/* MIGRATION is GET-only */
	assert_int_equal(vu_feature(c, 64, SET | UVF_VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0, NULL),
			 -EINVAL);
}

static void test_feature_unknown_enotty(void **state)
{
	static const uint32_t feats[] = {
		UVF_VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
		UVF_VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
		UVF_VFIO_DEVICE_FEATURE_BUS_MASTER,
		UVF_FEATURE_REMAP_INFO,		/* the mem device has no device features */
		UVF_FEATURE_REMAP_ACK,
		0xffff,
	};
	struct vu_conn *c = *state;

	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		assert_int_equal(vu_feature(c, 64, GET | feats[i], NULL, 0, NULL), -ENOTTY);
		assert_int_equal(vu_feature(c, 64, PROBE | SET | feats[i], NULL, 0, NULL),
				 -ENOTTY);
	}
	vu_expect_usable(c);
}

static void test_feature_bad_header_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[FHDR];

	/* GET|SET without PROBE, unknown flag bits, argsz < 8, payload < 8. */
	assert_int_equal(vu_feature(c, 64, GET | SET | REPORT, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vu_feature(c, 64, GET | (1u << 19) | REPORT, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vu_feature(c, FHDR - 1, GET | REPORT, NULL, 0, NULL), -EINVAL);
	uvf_put32(p, 64);
	uvf_put32(p + 4, SET | STOP);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_FEATURE, p, FHDR - 1, NULL, 0, NULL),
			 -EINVAL);
	/* argsz == 8 is enough for STOP (no data). */
	assert_int_equal(vu_feature(c, FHDR, SET | STOP, NULL, 0, NULL), 0);
	vu_expect_usable(c);
}

/* ---- DMA logging ---- */

static void test_logging_start_report_stop_reports_zero(void **state)
{
	struct vu_conn *c = *state;
	const uint32_t bm = (LOG_LEN / 4096) / 8;
	struct vu_msg m;

	assert_int_equal(log_start(c, 4096, 1, (const uint64_t[]){ LOG_IOVA, LOG_LEN }, &m), 0);
	/* The request echoed, page size as chosen. */
	assert_int_equal(m.len, FHDR + CTL + RNG);
	assert_int_equal(uvf_get32(m.payload), FHDR + CTL + RNG);
	assert_int_equal(uvf_get32(m.payload + 4), SET | START);
	assert_int_equal(uvf_get64(m.payload + FHDR), 4096);
	assert_int_equal(uvf_get32(m.payload + FHDR + 8), 1);
	assert_int_equal(uvf_get64(m.payload + FHDR + CTL), LOG_IOVA);
	assert_int_equal(uvf_get64(m.payload + FHDR + CTL + 8), LOG_LEN);
	vu_msg_free(&m);

	/* Region writes are not DMA: nothing is dirty. */
	assert_int_equal(vu_region_write(c, 0, 0, "dirty?", 6), 0);

	assert_int_equal(log_report(c, FHDR + RPT + bm, LOG_IOVA, LOG_LEN, 4096, &m), 0);
	assert_int_equal(m.len, FHDR + RPT + bm);
	assert_int_equal(uvf_get32(m.payload), FHDR + RPT + bm);
	assert_int_equal(uvf_get32(m.payload + 4), GET | REPORT);
	assert_int_equal(uvf_get64(m.payload + FHDR), LOG_IOVA);
	assert_int_equal(uvf_get64(m.payload + FHDR + 8), LOG_LEN);
	assert_int_equal(uvf_get64(m.payload + FHDR + 16), 4096);
	for (uint32_t i = 0; i < bm; i++)
		assert_int_equal(m.payload[FHDR + RPT + i], 0);
	vu_msg_free(&m);

	assert_int_equal(log_stop(c), 0);
	/* No log any more. */
	assert_int_equal(log_report(c, 4096, LOG_IOVA, LOG_LEN, 4096, NULL), -EINVAL);
}

static void test_logging_report_argsz_both_sides(void **state)
{
	struct vu_conn *c = *state;
	const uint32_t bm = (LOG_LEN / 4096) / 8;
	struct vu_msg m;

	assert_int_equal(log_start1(c), 0);
	assert_int_equal(log_report(c, FHDR + RPT + bm - 1, LOG_IOVA, LOG_LEN, 4096, NULL),
			 -EINVAL);
	assert_int_equal(log_report(c, FHDR + RPT + bm, LOG_IOVA, LOG_LEN, 4096, &m), 0);
	assert_int_equal(m.len, FHDR + RPT + bm);
	vu_msg_free(&m);
	/* GET needs room for the report header itself. */
	assert_int_equal(log_report(c, FHDR + RPT - 1, LOG_IOVA, 4096, 4096, NULL), -EINVAL);
	assert_int_equal(log_stop(c), 0);
}

static void test_logging_report_coarser_page_and_subrange(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(log_start1(c), 0);
	/* 64 KiB pages over the whole range: 16 bits, one word. */
	assert_int_equal(log_report(c, 4096, LOG_IOVA, LOG_LEN, 0x10000, &m), 0);
	assert_int_equal(m.len, FHDR + RPT + 8);
	assert_int_equal(uvf_get64(m.payload + FHDR + RPT), 0);
	vu_msg_free(&m);
	/* A sub-range, and a range partly outside the log: zero too. */
	assert_int_equal(log_report(c, 4096, LOG_IOVA + 0x8000, 0x3000, 4096, &m), 0);
	assert_int_equal(uvf_get64(m.payload + FHDR + RPT), 0);
	vu_msg_free(&m);
	assert_int_equal(log_report(c, 4096, 0, 2 * LOG_IOVA, 0x40000, &m), 0);
	assert_int_equal(uvf_get64(m.payload + FHDR + RPT), 0);
	vu_msg_free(&m);
	assert_int_equal(log_stop(c), 0);
}

static void test_logging_report_bad_page_or_length_einval(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(log_start1(c), 0);
	assert_int_equal(log_report(c, 4096, LOG_IOVA, LOG_LEN, 0, NULL), -EINVAL);
	assert_int_equal(log_report(c, 4096, LOG_IOVA, LOG_LEN, 2048, NULL), -EINVAL);
	assert_int_equal(log_report(c, 4096, LOG_IOVA, LOG_LEN, 4096 + 512, NULL), -EINVAL);
	assert_int_equal(log_report(c, 4096, LOG_IOVA, 0, 4096, NULL), -EINVAL);
	assert_int_equal(log_report(c, 4096, LOG_IOVA + 1, 4096, 4096, NULL), -EINVAL);
	assert_int_equal(log_report(c, 4096, UINT64_MAX - 4095, 8192, 4096, NULL), -EOVERFLOW);
	/* Report payload one short. */
	{
		uint8_t d[RPT] = { 0 };

		assert_int_equal(vu_feature(c, 4096, GET | REPORT, d, RPT - 1, NULL), -EINVAL);
	}
	assert_int_equal(log_stop(c), 0);
}

static void test_logging_report_bitmap_bounded_by_max_xfer(void **state)
{
	struct vu_conn *c = *state;
	/* 512 GiB at 4 KiB pages: a 16 MiB bitmap, over the 8 MiB one reply
	 * may carry (256 GiB of IOVA), for a log of one page. */
	const uint64_t len = 512ull << 30;
	struct vu_msg m;
	int r;

	assert_int_equal(log_start1(c), 0);
	r = log_report(c, UINT32_MAX, 0, len, 4096, &m);
	vu_msg_free(&m);
	/* A huge argsz must not make the daemon allocate a huge bitmap: one
	 * reply is capped (E2BIG). */
	assert_true(r == -E2BIG || r == -EINVAL);
	assert_int_equal(log_stop(c), 0);
}

static void test_feature_set_echo_never_exceeds_argsz(void **state)
{
	struct vu_conn *c = *state;
	uint8_t d[CTL + RNG] = { 0 };
	struct vu_msg m;
	int r;

	/* LOGGING_START whose argsz (the largest reply the client takes)
	 * covers the feature header only: the echo (8 + 32 bytes) does not
	 * fit.  The kernel refuses a SET whose argsz does not cover its data
	 * (EINVAL); vfio-user-protocol.md §5: never reply beyond argsz. */
	uvf_put64(d, 4096);
	uvf_put32(d + 8, 1);
	uvf_put64(d + CTL, LOG_IOVA);
	uvf_put64(d + CTL + 8, LOG_LEN);
	r = vu_feature(c, FHDR, SET | START, d, sizeof(d), &m);
	vu_msg_free(&m);
	assert_int_equal(r, -EINVAL);
	/* argsz one short of the echo */
	r = vu_feature(c, FHDR + sizeof(d) - 1, SET | START, d, sizeof(d), &m);
	vu_msg_free(&m);
	if (r == 0)
		assert_int_equal(log_stop(c), 0);
	assert_int_equal(r, -EINVAL);
}

static void test_logging_start_twice_ebusy(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(log_start1(c), 0);
	assert_int_equal(log_start1(c), -EBUSY);
	assert_int_equal(log_stop(c), 0);
	assert_int_equal(log_start1(c), 0);
	assert_int_equal(log_stop(c), 0);
}

static void test_logging_stop_without_start_succeeds(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(log_stop(c), 0);
	assert_int_equal(log_stop(c), 0);
}

static void test_logging_start_all_maps_with_zero_ranges(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	/* "Log everything" with no DMA map: nothing to log. */
	assert_int_equal(log_start(c, 4096, 0, NULL, NULL), -EINVAL);
	assert_int_equal(vu_dma_map(c, 3, 0, 0x200000, 0x10000, -1), 0);
	assert_int_equal(vu_dma_map(c, 3, 0, 0x400000, 0x3000, -1), 0);
	assert_int_equal(log_start(c, 4096, 0, NULL, NULL), 0);
	assert_int_equal(log_report(c, 4096, 0x200000, 0x10000, 4096, &m), 0);
	assert_int_equal(uvf_get16(m.payload + FHDR + RPT), 0);
	vu_msg_free(&m);
	assert_int_equal(log_stop(c), 0);
	assert_int_equal(vu_dma_unmap(c, UVF_VU_DMA_UNMAP_F_ALL, 0, 0), 0);
}

static void test_logging_start_bad_control_refused(void **state)
{
	struct vu_conn *c = *state;
	const uint64_t rng[4] = { LOG_IOVA, LOG_LEN, LOG_IOVA + 0x1000, 0x1000 };

	assert_int_equal(log_start(c, 1000, 1, rng, NULL), -EINVAL);	/* not a power of 2 */
	assert_int_equal(log_start(c, 2048, 1, rng, NULL), -EINVAL);	/* below 4096 */
	assert_int_equal(log_start(c, 4096, 2, rng, NULL), -EINVAL);	/* overlapping */
	assert_int_equal(log_start(c, 4096, 1, (const uint64_t[]){ LOG_IOVA, 0 }, NULL),
			 -EINVAL);				/* empty range */
	assert_int_equal(log_start(c, 4096, 1, (const uint64_t[]){ LOG_IOVA + 1, 4096 }, NULL),
			 -EINVAL);				/* unaligned */
	/* 256 ranges is the kernel's limit; 257 is E2BIG. */
	{
		uint64_t *many = calloc(2 * 257, sizeof(*many));

		assert_non_null(many);
		for (unsigned i = 0; i < 257; i++) {
			many[2 * i] = LOG_IOVA + i * 0x2000ull;
			many[2 * i + 1] = 0x1000;
		}
		assert_int_equal(log_start(c, 4096, 257, many, NULL), -E2BIG);
		assert_int_equal(log_start(c, 4096, 256, many, NULL), 0);
		assert_int_equal(log_stop(c), 0);
		free(many);
	}
	/* Ranges announced but not sent. */
	{
		uint8_t d[CTL] = { 0 };

		uvf_put64(d, 4096);
		uvf_put32(d + 8, 1);
		assert_int_equal(vu_feature(c, 64, SET | START, d, sizeof(d), NULL), -EINVAL);
		/* control one short */
		assert_int_equal(vu_feature(c, 64, SET | START, d, CTL - 1, NULL), -EINVAL);
	}
	/* None of those started a log. */
	assert_int_equal(log_report(c, 4096, LOG_IOVA, LOG_LEN, 4096, NULL), -EINVAL);
}

static void test_logging_wrong_op_einval_probe_echoes(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	/* START and STOP are SET-only, REPORT is GET-only. */
	assert_int_equal(vu_feature(c, 64, GET | START, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vu_feature(c, 64, GET | STOP, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vu_feature(c, 64, SET | REPORT, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vu_feature(c, 64, START, NULL, 0, NULL), -EINVAL);	/* no op */
	assert_int_equal(vu_feature(c, 64, PROBE | GET | START, NULL, 0, NULL), -EINVAL);
	/* PROBE of a supported op: the header echoed, nothing done. */
	assert_int_equal(vu_feature(c, 64, PROBE | SET | START, NULL, 0, &m), 0);
	assert_int_equal(m.len, FHDR);
	assert_int_equal(uvf_get32(m.payload + 4), PROBE | SET | START);
	vu_msg_free(&m);
	assert_int_equal(vu_feature(c, 64, PROBE | GET | REPORT, NULL, 0, &m), 0);
	assert_int_equal(m.len, FHDR);
	vu_msg_free(&m);
	assert_int_equal(vu_feature(c, 64, PROBE | START, NULL, 0, &m), 0);
	vu_msg_free(&m);
	assert_int_equal(log_report(c, 4096, LOG_IOVA, LOG_LEN, 4096, NULL), -EINVAL);
}

static void test_logging_stopped_on_disconnect(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(log_start1(c), 0);
	vu_close(c);
	assert_int_equal(vu_connect(vu_daemon(), c), 0);
	vu_negotiate(c, "{}");
	assert_int_equal(log_report(c, 4096, LOG_IOVA, LOG_LEN, 4096, NULL), -EINVAL);
	assert_int_equal(log_start1(c), 0);
	assert_int_equal(log_stop(c), 0);
}

/* ---- migration data without migration ---- */

static int mig_data(struct vu_conn *c, uint16_t cmd, uint32_t argsz, uint32_t size,
		    size_t len)
{
	uint8_t *p = calloc(1, len < 8 ? 8 : len);
	int r;

	assert_non_null(p);
	uvf_put32(p, argsz);
	uvf_put32(p + 4, size);
	r = vu_call(c, cmd, p, len, NULL, 0, NULL);
	free(p);
	return r;
}

static void test_mig_data_einval_without_migration(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(mig_data(c, UVF_VU_CMD_MIG_DATA_READ, 8 + 64, 64, 8), -EINVAL);
	assert_int_equal(mig_data(c, UVF_VU_CMD_MIG_DATA_READ, 8, 0, 8), -EINVAL);
	assert_int_equal(mig_data(c, UVF_VU_CMD_MIG_DATA_WRITE, 8, 16, 8 + 16), -EINVAL);
	vu_expect_usable(c);
}

static void test_mig_data_malformed_refused(void **state)
{
	struct vu_conn *c = *state;
	const uint32_t maxx = UVF_VU_DEFAULT_MAX_DATA_XFER;

	/* payload 7 */
	assert_int_equal(mig_data(c, UVF_VU_CMD_MIG_DATA_READ, 72, 64, 7), -EINVAL);
	assert_int_equal(mig_data(c, UVF_VU_CMD_MIG_DATA_WRITE, 8, 0, 7), -EINVAL);
	/* READ argsz too small for the size asked */
	assert_int_equal(mig_data(c, UVF_VU_CMD_MIG_DATA_READ, 8 + 63, 64, 8), -EINVAL);
	/* over max_data_xfer_size */
	assert_int_equal(mig_data(c, UVF_VU_CMD_MIG_DATA_READ, UINT32_MAX, maxx + 1, 8), -E2BIG);
	/* WRITE size disagreeing with the payload */
	assert_int_equal(mig_data(c, UVF_VU_CMD_MIG_DATA_WRITE, 8, 16, 8 + 15), -EINVAL);
	assert_int_equal(mig_data(c, UVF_VU_CMD_MIG_DATA_WRITE, 8, 16, 8 + 17), -EINVAL);
	vu_expect_usable(c);
}

static void test_precopy_info_einval_unless_negotiated_and_migrating(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[8];

	uvf_put32(p, UVF_VU_PRECOPY_INFO_SIZE);
	uvf_put32(p + 4, 0);
	/* Not negotiated. */
	assert_int_equal(vu_call(c, UVF_VU_CMD_MIG_PRECOPY_INFO, p, 8, NULL, 0, NULL), -EINVAL);
	/* Negotiated, but the mem device has no migration. */
	vu_close(c);
	assert_int_equal(vu_connect(vu_daemon(), c), 0);
	vu_negotiate(c, "{\"capabilities\":{\"uvfio\":{\"precopy_info\":true}}}");
	assert_int_equal(vu_call(c, UVF_VU_CMD_MIG_PRECOPY_INFO, p, 8, NULL, 0, NULL), -EINVAL);
	vu_expect_usable(c);
}

static void test_dirty_pages_retired_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[8] = { 8, 0, 0, 0, 1, 0, 0, 0 };	/* argsz 8, START */

	assert_int_equal(vu_call(c, UVF_VU_CMD_DIRTY_PAGES, p, 8, NULL, 0, NULL), -EINVAL);
	vu_expect_usable(c);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, vu_test_setup, vu_test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_feature_migration_features_enotty_without_mig_ops),
		T(test_feature_migration_features_report_running_with_mig_ops),
		T(test_feature_unknown_enotty),
		T(test_feature_bad_header_einval),
		T(test_logging_start_report_stop_reports_zero),
		T(test_logging_report_argsz_both_sides),
		T(test_logging_report_coarser_page_and_subrange),
		T(test_logging_report_bad_page_or_length_einval),
		T(test_logging_report_bitmap_bounded_by_max_xfer),
		T(test_feature_set_echo_never_exceeds_argsz),
		T(test_logging_start_twice_ebusy),
		T(test_logging_stop_without_start_succeeds),
		T(test_logging_start_all_maps_with_zero_ranges),
		T(test_logging_start_bad_control_refused),
		T(test_logging_wrong_op_einval_probe_echoes),
		T(test_logging_stopped_on_disconnect),
		T(test_mig_data_einval_without_migration),
		T(test_mig_data_malformed_refused),
		T(test_precopy_info_einval_unless_negotiated_and_migrating),
		T(test_dirty_pages_retired_einval),
	};
#undef T

	return cmocka_run_group_tests_name("proto-feature", tests, vu_group_setup,
					   vu_group_teardown);
}
