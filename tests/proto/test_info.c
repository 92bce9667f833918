/* SPDX-License-Identifier: MIT */
/*
 * test_info.c - DEVICE_GET_INFO (4), DEVICE_GET_REGION_INFO (5),
 * DEVICE_GET_REGION_IO_FDS (6) and DEVICE_GET_IRQ_INFO (7) against a
 * running uvfiod serving the mem device: the replies, the sparse-mmap cap
 * with the region fd (mmap-able, coherent with REGION_READ/WRITE), the
 * short-argsz retry without caps and without fd, and the argsz/index/
 * length limits on both sides (vfio-user-protocol.md §4.4-4.7, §5).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vu.h"

#define RI_SIZE		UVF_VFIO_REGION_INFO_SIZE
/* The mem region's chain: one SPARSE_MMAP cap with one area. */
#define RI_FULL		(RI_SIZE + UVF_VFIO_SPARSE_MMAP_HDR_SIZE + UVF_VFIO_SPARSE_MMAP_AREA_SIZE)

static int region_info(struct vu_conn *c, uint32_t argsz, uint32_t index, size_t len,
		       struct vu_msg *m)
{
	uint8_t p[RI_SIZE] = { 0 };

	uvf_put32(p, argsz);
	uvf_put32(p + 8, index);
	return vu_call(c, UVF_VU_CMD_DEVICE_GET_REGION_INFO, p, len, NULL, 0, m);
}

static int irq_info(struct vu_conn *c, uint32_t argsz, uint32_t index, size_t len,
		    struct vu_msg *m)
{
	uint8_t p[UVF_VFIO_IRQ_INFO_SIZE] = { 0 };

	uvf_put32(p, argsz);
	uvf_put32(p + 8, index);
	return vu_call(c, UVF_VU_CMD_DEVICE_GET_IRQ_INFO, p, len, NULL, 0, m);
}

/* ---- DEVICE_GET_INFO ---- */

static void test_get_info_describes_mem_device(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(vu_get_info(c, UVF_VU_DEVICE_INFO_SIZE, &m), 0);
	assert_int_equal(m.len, UVF_VU_DEVICE_INFO_SIZE);
	assert_int_equal(uvf_get32(m.payload), UVF_VU_DEVICE_INFO_SIZE);
	assert_int_equal(uvf_get32(m.payload + 4), UVF_VFIO_DEVICE_FLAGS_RESET);
	assert_int_equal(uvf_get32(m.payload + 8), 1);	/* num_regions */
	assert_int_equal(uvf_get32(m.payload + 12), 1);	/* num_irqs */
	assert_int_equal(m.nfds, 0);
	vu_msg_free(&m);
}

static void test_get_info_larger_argsz_same_16_byte_reply(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(vu_get_info(c, 4096, &m), 0);
	assert_int_equal(m.len, UVF_VU_DEVICE_INFO_SIZE);
	assert_int_equal(uvf_get32(m.payload), UVF_VU_DEVICE_INFO_SIZE);
	vu_msg_free(&m);
}

static void test_get_info_argsz_15_einval(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(vu_get_info(c, UVF_VU_DEVICE_INFO_SIZE - 1, &m), -EINVAL);
	vu_msg_free(&m);
	vu_expect_usable(c);
}

static void test_get_info_payload_15_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[UVF_VU_DEVICE_INFO_SIZE] = { 0 };

	uvf_put32(p, UVF_VU_DEVICE_INFO_SIZE);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_GET_INFO, p, sizeof(p) - 1, NULL, 0, NULL),
			 -EINVAL);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_GET_INFO, NULL, 0, NULL, 0, NULL), -EINVAL);
	vu_expect_usable(c);
}

static void test_get_info_with_fd_einval_fd_closed(void **state)
{
	struct vu_conn *c = *state;
	uint8_t q[UVF_VU_DEVICE_INFO_SIZE] = { 0 };
	int p[2];

	vu_pipe(p);
	uvf_put32(q, UVF_VU_DEVICE_INFO_SIZE);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_GET_INFO, q, sizeof(q), &p[1], 1, NULL),
			 -EINVAL);
	close(p[1]);
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
	vu_expect_usable(c);
}

/* ---- DEVICE_GET_REGION_INFO ---- */

static void check_region_fixed(const struct vu_msg *m, uint32_t cap_offset)
{
	const uint32_t flags = UVF_VFIO_REGION_INFO_FLAG_READ | UVF_VFIO_REGION_INFO_FLAG_WRITE |
			       UVF_VFIO_REGION_INFO_FLAG_MMAP | UVF_VFIO_REGION_INFO_FLAG_CAPS;

	assert_int_equal(uvf_get32(m->payload), RI_FULL);		/* what a full reply needs */
	assert_int_equal(uvf_get32(m->payload + 4), flags);
	assert_int_equal(uvf_get32(m->payload + 8), 0);			/* index */
	assert_int_equal(uvf_get32(m->payload + 12), cap_offset);
	assert_int_equal(uvf_get64(m->payload + 16), VU_MEM_SIZE);
	assert_int_equal(uvf_get64(m->payload + 24), 0);		/* mmap offset */
}

static void test_region_info_full_has_sparse_cap_and_fd(void **state)
{
	struct vu_conn *c = *state;
	const uint8_t *cap;
	struct vu_msg m;
	struct stat st;

	assert_int_equal(region_info(c, 4096, 0, RI_SIZE, &m), 0);
	/* Never longer than needed, never longer than argsz. */
	assert_int_equal(m.len, RI_FULL);
	check_region_fixed(&m, RI_SIZE);
	cap = m.payload + RI_SIZE;
	assert_int_equal(uvf_get16(cap), UVF_VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	assert_int_equal(uvf_get16(cap + 2), 1);			/* version */
	assert_int_equal(uvf_get32(cap + 4), 0);			/* last cap */
	assert_int_equal(uvf_get32(cap + 8), 1);			/* nr_areas */
	assert_int_equal(uvf_get64(cap + 16), 0);			/* area offset */
	assert_int_equal(uvf_get64(cap + 24), VU_MEM_SIZE);		/* area size */
	assert_int_equal(m.nfds, 1);
	assert_int_equal(fstat(m.fds[0], &st), 0);
	assert_true((uint64_t)st.st_size >= VU_MEM_SIZE);
	vu_msg_free(&m);
}

static void test_region_info_fd_mmap_coherent_with_region_rw(void **state)
{
	struct vu_conn *c = *state;
	uint8_t buf[8];
	struct vu_msg m;
	uint8_t *map;

	assert_int_equal(region_info(c, RI_FULL, 0, RI_SIZE, &m), 0);
	assert_int_equal(m.nfds, 1);
	map = mmap(NULL, VU_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m.fds[0],
		   (off_t)uvf_get64(m.payload + 24));
	assert_true(map != MAP_FAILED);
	vu_msg_free(&m);

	/* Message write, mmap read ... */
	assert_int_equal(vu_region_write(c, 0, VU_MEM_SIZE - 8, "abcdefgh", 8), 0);
	assert_memory_equal(map + VU_MEM_SIZE - 8, "abcdefgh", 8);
	/* ... mmap write, message read. */
	memcpy(map + 0x1234, "12345678", 8);
	assert_int_equal(vu_region_read(c, 0, 0x1234, buf, 8), 0);
	assert_memory_equal(buf, "12345678", 8);
	assert_int_equal(munmap(map, VU_MEM_SIZE), 0);
}

static void test_region_info_short_argsz_no_caps_no_fd_then_retry(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;
	uint32_t need;

	/* As QEMU does: ask with the bare struct first ... */
	assert_int_equal(region_info(c, RI_SIZE, 0, RI_SIZE, &m), 0);
	assert_int_equal(m.len, RI_SIZE);
	check_region_fixed(&m, 0);
	assert_int_equal(m.nfds, 0);
	need = uvf_get32(m.payload);
	vu_msg_free(&m);
	/* ... then with what argsz said. */
	assert_int_equal(region_info(c, need, 0, RI_SIZE, &m), 0);
	assert_int_equal(m.len, need);
	check_region_fixed(&m, RI_SIZE);
	assert_int_equal(m.nfds, 1);
	vu_msg_free(&m);
}

static void test_region_info_argsz_one_short_of_caps_omits_them(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(region_info(c, RI_FULL - 1, 0, RI_SIZE, &m), 0);
	assert_int_equal(m.len, RI_SIZE);
	check_region_fixed(&m, 0);
	assert_int_equal(m.nfds, 0);
	vu_msg_free(&m);
}

static void test_region_info_bad_index_einval(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(region_info(c, 4096, 1, RI_SIZE, &m), -EINVAL);
	assert_int_equal(region_info(c, 4096, UINT32_MAX, RI_SIZE, &m), -EINVAL);
	assert_int_equal(region_info(c, 4096, UVF_VFIO_PCI_CONFIG_REGION_INDEX, RI_SIZE, &m),
			 -EINVAL);
	vu_expect_usable(c);
}

static void test_region_info_argsz_31_einval(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(region_info(c, RI_SIZE - 1, 0, RI_SIZE, NULL), -EINVAL);
	vu_expect_usable(c);
}

static void test_region_info_payload_31_einval(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(region_info(c, 4096, 0, RI_SIZE - 1, NULL), -EINVAL);
	/* index only, as an old client might send */
	assert_int_equal(region_info(c, 4096, 0, 12, NULL), -EINVAL);
	vu_expect_usable(c);
}

/* ---- DEVICE_GET_REGION_IO_FDS ---- */

static void test_region_io_fds_empty_list(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[16] = { 0 };
	struct vu_msg m;

	uvf_put32(p, 4096);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_GET_REGION_IO_FDS, p, 16, NULL, 0, &m), 0);
	assert_int_equal(m.len, 16);
	assert_int_equal(uvf_get32(m.payload + 8), 0);		/* index */
	assert_int_equal(uvf_get32(m.payload + 12), 0);		/* count */
	assert_int_equal(m.nfds, 0);
	vu_msg_free(&m);
	uvf_put32(p + 8, 1);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_GET_REGION_IO_FDS, p, 16, NULL, 0, NULL),
			 -EINVAL);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_GET_REGION_IO_FDS, p, 15, NULL, 0, NULL),
			 -EINVAL);
}

/* ---- DEVICE_GET_IRQ_INFO ---- */

static void test_irq_info_describes_the_intx_like_irq(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(irq_info(c, 16, 0, 16, &m), 0);
	assert_int_equal(m.len, UVF_VFIO_IRQ_INFO_SIZE);
	assert_int_equal(uvf_get32(m.payload), UVF_VFIO_IRQ_INFO_SIZE);
	assert_int_equal(uvf_get32(m.payload + 4), UVF_VFIO_IRQ_INFO_EVENTFD |
				   UVF_VFIO_IRQ_INFO_MASKABLE | UVF_VFIO_IRQ_INFO_AUTOMASKED);
	assert_int_equal(uvf_get32(m.payload + 8), 0);
	assert_int_equal(uvf_get32(m.payload + 12), 1);
	vu_msg_free(&m);
}

static void test_irq_info_bad_index_einval(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(irq_info(c, 16, 1, 16, NULL), -EINVAL);
	assert_int_equal(irq_info(c, 16, UINT32_MAX, 16, NULL), -EINVAL);
	vu_expect_usable(c);
}

static void test_irq_info_argsz_and_payload_15_einval(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(irq_info(c, 15, 0, 16, NULL), -EINVAL);
	assert_int_equal(irq_info(c, 16, 0, 15, NULL), -EINVAL);
	assert_int_equal(irq_info(c, 16, 0, 16, NULL), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, vu_test_setup, vu_test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_get_info_describes_mem_device),
		T(test_get_info_larger_argsz_same_16_byte_reply),
		T(test_get_info_argsz_15_einval),
		T(test_get_info_payload_15_einval),
		T(test_get_info_with_fd_einval_fd_closed),
		T(test_region_info_full_has_sparse_cap_and_fd),
		T(test_region_info_fd_mmap_coherent_with_region_rw),
		T(test_region_info_short_argsz_no_caps_no_fd_then_retry),
		T(test_region_info_argsz_one_short_of_caps_omits_them),
		T(test_region_info_bad_index_einval),
		T(test_region_info_argsz_31_einval),
		T(test_region_info_payload_31_einval),
		T(test_region_io_fds_empty_list),
		T(test_irq_info_describes_the_intx_like_irq),
		T(test_irq_info_bad_index_einval),
		T(test_irq_info_argsz_and_payload_15_einval),
	};
#undef T

	return cmocka_run_group_tests_name("proto-info", tests, vu_group_setup,
					   vu_group_teardown);
}
