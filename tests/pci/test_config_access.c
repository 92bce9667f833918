/* pci/config: byte-exact access at any size and offset, range errors, and
 * the migration blob (round trip and rejection). */
#include "pci_test.h"

#include <errno.h>
#include <string.h>

/* The first 0x40 bytes of the "full" function after init, written out by
 * hand as little-endian bytes: the anchor for every other comparison. */
static const uint8_t full_header[0x40] = {
	0x34, 0x12, 0x78, 0x56,	0x00, 0x00, 0x10, 0x00,	/* ids; cmd, status */
	0x02, 0x00, 0x80, 0x08,	0x00, 0x00, 0x00, 0x00,	/* rev, class; ... */
	0x00, 0x00, 0x00, 0x00,	0x00, 0x00, 0x00, 0x00,	/* BAR0, BAR1 */
	0x0c, 0x00, 0x00, 0x00,	0x00, 0x00, 0x00, 0x00,	/* BAR2 64-bit pf */
	0x01, 0x00, 0x00, 0x00,	0x00, 0x00, 0x00, 0x00,	/* BAR4 I/O, BAR5 */
	0x00, 0x00, 0x00, 0x00,	0xf4, 0x1a, 0x00, 0x11,	/* CIS; subsystem */
	0x00, 0x00, 0x00, 0x00,	0x40, 0x00, 0x00, 0x00,	/* ROM; cap ptr */
	0x00, 0x00, 0x00, 0x00,	0x00, 0x01, 0x00, 0x00,	/* line, pin */
};

/* Deterministic PRNG (xorshift32) so failures reproduce. */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Build the reference image from aligned dword reads, split by shifts. */
static void dword_image(const struct uvf_pci_config *cfg, uint8_t *img)
{
	unsigned int off, i;

	for (off = 0; off < uvf_pci_config_size(cfg); off += 4) {
		uint32_t v = rd(cfg, off, 4);

		for (i = 0; i < 4; i++)
			img[off + i] = v >> (8 * i);
	}
}

/* Put the function in a busy, non-default state. */
static void program(struct uvf_pci_config *cfg)
{
	wr(cfg, UVF_PCI_COMMAND, 2, 0x0407);
	wr(cfg, UVF_PCI_BASE_ADDRESS_0, 4, 0xfebf0000);
	wr(cfg, UVF_PCI_BASE_ADDRESS_0 + 8, 4, 0xe0000000);
	wr(cfg, UVF_PCI_BASE_ADDRESS_0 + 12, 4, 0x1);
	wr(cfg, UVF_PCI_BASE_ADDRESS_0 + 16, 4, 0xc040);
	wr(cfg, UVF_PCI_INTERRUPT_LINE, 1, 10);
	wr(cfg, MSIX_OFF + UVF_PCI_MSIX_FLAGS, 2, 0xc000);
	wr(cfg, PM_OFF + UVF_PCI_PM_CTRL, 2, UVF_PCI_D3HOT);
	wr(cfg, EXP_OFF + UVF_PCI_EXP_DEVCTL, 2, 0x001f);
	assert_int_equal(uvf_pci_config_raise_status(cfg,
			 UVF_PCI_STATUS_REC_MASTER_ABORT), 0);
	uvf_pci_config_set_intx_status(cfg, true);
}

/* ---- access shape --------------------------------------------------------- */

static void test_read_any_size_any_offset(void **state)
{
	static uint8_t ref[4096], buf[4096];
	struct uvf_pci_config cfg;
	unsigned int size, off, len;

	(void)state;
	init_full(&cfg);
	program(&cfg);
	size = uvf_pci_config_size(&cfg);
	dword_image(&cfg, ref);

	/* The dword view agrees with the hand-written header (after the
	 * programming above, patched in here). */
	{
		uint8_t hdr[0x40];

		memcpy(hdr, full_header, sizeof(hdr));
		hdr[0x04] = 0x07; hdr[0x05] = 0x04;		/* command */
		hdr[0x06] = 0x18; hdr[0x07] = 0x20;		/* status */
		hdr[0x12] = 0xbf; hdr[0x13] = 0xfe;		/* BAR0 */
		hdr[0x1b] = 0xe0; hdr[0x1c] = 0x01;		/* BAR2/3 */
		hdr[0x20] = 0x41; hdr[0x21] = 0xc0;		/* BAR4 */
		hdr[0x3c] = 10;					/* line */
		assert_memory_equal(ref, hdr, sizeof(hdr));
	}

	/* Every offset, every length 1..8 (and the whole space at once). */
	for (off = 0; off < size; off++)
		for (len = 1; len <= 8 && off + len <= size; len++) {
			memset(buf, 0xa5, len);
			assert_int_equal(uvf_pci_config_read(&cfg, off, buf,
					 len), 0);
			if (memcmp(buf, ref + off, len))
				fail_msg("read at 0x%x len %u differs", off,
					 len);
		}
	assert_int_equal(uvf_pci_config_read(&cfg, 0, buf, size), 0);
	assert_memory_equal(buf, ref, size);
}

static void test_unaligned_write_spans_registers(void **state)
{
	struct uvf_pci_config cfg;
	const uint8_t b[3] = { 0xff, 0x06, 0x04 };

	(void)state;
	init_full(&cfg);
	/* 0x03 is the high byte of the device id (RO); 0x04/0x05 command. */
	assert_int_equal(uvf_pci_config_write(&cfg, 0x03, b, 3), 0);
	assert_int_equal(rd(&cfg, UVF_PCI_DEVICE_ID, 2), TEST_DEVICE);
	assert_int_equal(rd(&cfg, UVF_PCI_COMMAND, 2), 0x0406);
	/* A 2-byte write at 0x0f: BIST (RO) and BAR0's low byte (below the
	 * size, so RO too). */
	wr(&cfg, 0x0f, 2, 0xffff);
	assert_int_equal(rd(&cfg, UVF_PCI_BIST, 1), 0);
	assert_int_equal(rd(&cfg, UVF_PCI_BASE_ADDRESS_0, 4), 0);
	/* 2 bytes at 0x13 then 2 at 0x11 assemble BAR0 = 0xfebf0000. */
	wr(&cfg, 0x13, 1, 0xfe);
	wr(&cfg, 0x11, 2, 0xbf00);
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 0), 0xfebf0000);
	/* A 3-byte write at 0x3b..0x3d: ROM-area pad (RO), line, pin (RO). */
	wr(&cfg, 0x3b, 3, 0x07090b);
	assert_int_equal(rd(&cfg, UVF_PCI_INTERRUPT_LINE, 2), 0x0109);
}

/*
 * Byte-exact writes: any write equals the same bytes written one at a time.
 * Random offsets, lengths 1..8 and data, applied to two copies.
 */
static void test_wide_write_equals_bytewise(void **state)
{
	static uint8_t a_img[4096], b_img[4096];
	struct uvf_pci_config a, b;
	uint32_t seed = 0x9e3779b9;
	unsigned int n, i;

	(void)state;
	init_full(&a);
	init_full(&b);
	assert_int_equal(uvf_pci_config_raise_status(&a,
			 UVF_PCI_STATUS_ERRORS), 0);
	assert_int_equal(uvf_pci_config_raise_status(&b,
			 UVF_PCI_STATUS_ERRORS), 0);
	for (n = 0; n < 20000; n++) {
		uint8_t data[8];
		unsigned int len = 1 + next_rand(&seed) % 8;
		unsigned int off = next_rand(&seed) % (0x110 - len);

		for (i = 0; i < len; i++)
			data[i] = next_rand(&seed);
		assert_int_equal(uvf_pci_config_write(&a, off, data, len), 0);
		for (i = 0; i < len; i++)
			assert_int_equal(uvf_pci_config_write(&b, off + i,
					 data + i, 1), 0);
		assert_int_equal(uvf_pci_config_read(&a, 0, a_img, 0x110), 0);
		assert_int_equal(uvf_pci_config_read(&b, 0, b_img, 0x110), 0);
		if (memcmp(a_img, b_img, 0x110))
			fail_msg("write #%u at 0x%x len %u diverged", n, off,
				 len);
	}
	dword_image(&a, a_img);
	dword_image(&b, b_img);
	assert_memory_equal(a_img, b_img, sizeof(a_img));
	/* The identity survived 20000 random writes. */
	assert_memory_equal(a_img, full_header, 4);
}

static void test_out_of_range_access(void **state)
{
	struct uvf_pci_config cfg;
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint8_t orig[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	init_plain(&cfg);
	assert_int_equal(uvf_pci_config_read(&cfg, 255, buf, 1), 0);
	assert_int_equal(uvf_pci_config_read(&cfg, 252, buf, 4), 0);
	memcpy(buf, orig, sizeof(buf));
	assert_int_equal(uvf_pci_config_read(&cfg, 256, buf, 1), -EINVAL);
	assert_int_equal(uvf_pci_config_read(&cfg, 255, buf, 2), -EINVAL);
	assert_int_equal(uvf_pci_config_read(&cfg, 253, buf, 4), -EINVAL);
	assert_int_equal(uvf_pci_config_read(&cfg, 0, buf, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_read(&cfg, UINT64_MAX, buf, 4),
			 -EINVAL);
	assert_int_equal(uvf_pci_config_read(&cfg, 4, buf, SIZE_MAX), -EINVAL);
	assert_int_equal(uvf_pci_config_read(&cfg, 1ull << 32, buf, 1),
			 -EINVAL);
	assert_memory_equal(buf, orig, sizeof(buf));

	assert_int_equal(uvf_pci_config_write(&cfg, 256, buf, 1), -EINVAL);
	assert_int_equal(uvf_pci_config_write(&cfg, 254, buf, 4), -EINVAL);
	assert_int_equal(uvf_pci_config_write(&cfg, 4, buf, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_write(&cfg, UINT64_MAX - 1, buf, 4),
			 -EINVAL);
	/* A rejected write touching command changed nothing. */
	assert_int_equal(uvf_pci_config_write(&cfg, 0xfd, buf, 8), -EINVAL);
	assert_int_equal(rd(&cfg, UVF_PCI_COMMAND, 2), 0);

	/* With PCIe the space is 4096 bytes. */
	assert_int_equal(uvf_pci_config_add_cap_exp(&cfg, 0x40, 0), 0);
	assert_int_equal(uvf_pci_config_read(&cfg, 4095, buf, 1), 0);
	assert_int_equal(uvf_pci_config_read(&cfg, 4092, buf, 4), 0);
	assert_int_equal(uvf_pci_config_read(&cfg, 4096, buf, 1), -EINVAL);
	assert_int_equal(uvf_pci_config_read(&cfg, 4094, buf, 4), -EINVAL);
	assert_int_equal(uvf_pci_config_write(&cfg, 4095, buf, 1), 0);
	assert_int_equal(uvf_pci_config_write(&cfg, 4095, buf, 2), -EINVAL);
}

/* ---- migration blob -------------------------------------------------------- */

/* Reference CRC-32 (IEEE, reflected) to re-seal deliberately edited blobs,
 * so the checks behind the CRC are reached. */
static uint32_t crc32_ref(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
	}
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void reseal(uint8_t *blob)
{
	put32(blob + UVF_PCI_CONFIG_STATE_SIZE - 4,
	      crc32_ref(blob, UVF_PCI_CONFIG_STATE_SIZE - 4));
}

static void test_save_restore_round_trip(void **state)
{
	static uint8_t src_img[4096], dst_img[4096];
	uint8_t blob[UVF_PCI_CONFIG_STATE_SIZE + 8];
	struct uvf_pci_config src, dst;
	struct notes n = { 0 };

	(void)state;
	assert_int_equal(crc32_ref((const uint8_t *)"123456789", 9),
			 0xcbf43926);
	init_full(&src);
	program(&src);
	assert_int_equal(uvf_pci_config_save(&src, blob, sizeof(blob)),
			 UVF_PCI_CONFIG_STATE_SIZE);
	assert_memory_equal(blob, "UVPC\1\0\0\0\x10\x02\0\0", 12);

	init_full(&dst);
	uvf_pci_config_set_notify(&dst, record, &n);
	assert_int_equal(uvf_pci_config_restore(&dst, blob,
			 UVF_PCI_CONFIG_STATE_SIZE), 0);
	assert_int_equal(n.calls, 0);
	dword_image(&src, src_img);
	dword_image(&dst, dst_img);
	assert_memory_equal(src_img, dst_img, sizeof(src_img));
	assert_true(uvf_pci_config_bus_master_enabled(&dst));
	assert_true(uvf_pci_config_msix_enabled(&dst));
	assert_int_equal(uvf_pci_config_pm_state(&dst), UVF_PCI_D3HOT);
	assert_int_equal(uvf_pci_config_bar_address(&dst, 0), 0xfebf0000);
	assert_int_equal(uvf_pci_config_bar_address(&dst, 2), 0x1e0000000ull);
	assert_int_equal(uvf_pci_config_bar_address(&dst, 4), 0xc040);
	assert_true(rd(&dst, UVF_PCI_STATUS, 2) & UVF_PCI_STATUS_INTERRUPT);

	/* The restored object keeps working: W1C still clears. */
	wr(&dst, UVF_PCI_STATUS, 2, UVF_PCI_STATUS_REC_MASTER_ABORT);
	assert_false(rd(&dst, UVF_PCI_STATUS, 2) &
		     UVF_PCI_STATUS_REC_MASTER_ABORT);
	/* Saving a fresh object and restoring it onto a busy one resets it. */
	assert_int_equal(uvf_pci_config_save(&src, blob, sizeof(blob)),
			 UVF_PCI_CONFIG_STATE_SIZE);
	init_full(&src);
	assert_int_equal(uvf_pci_config_save(&src, blob, sizeof(blob)),
			 UVF_PCI_CONFIG_STATE_SIZE);
	assert_int_equal(uvf_pci_config_restore(&dst, blob,
			 UVF_PCI_CONFIG_STATE_SIZE), 0);
	assert_int_equal(rd(&dst, UVF_PCI_COMMAND, 4), UVF_PCI_STATUS_CAP_LIST
			 << 16);
}

static void test_save_needs_room(void **state)
{
	uint8_t blob[UVF_PCI_CONFIG_STATE_SIZE];
	struct uvf_pci_config cfg;

	(void)state;
	init_full(&cfg);
	assert_int_equal(uvf_pci_config_save(&cfg, blob, sizeof(blob) - 1),
			 -ENOSPC);
	assert_int_equal(uvf_pci_config_save(&cfg, blob, sizeof(blob)),
			 sizeof(blob));
}

/* Expect -EINVAL and an untouched object. */
static void expect_rejected(struct uvf_pci_config *cfg, const uint8_t *blob,
			    size_t len)
{
	struct uvf_pci_config before;

	memcpy(&before, cfg, sizeof(before));
	assert_int_equal(uvf_pci_config_restore(cfg, blob, len), -EINVAL);
	assert_memory_equal(cfg, &before, sizeof(before));
}

static void test_restore_rejects_bad_blobs(void **state)
{
	uint8_t good[UVF_PCI_CONFIG_STATE_SIZE + 4], bad[sizeof(good)];
	const size_t len = UVF_PCI_CONFIG_STATE_SIZE;
	struct uvf_pci_config src, dst;
	size_t i;

	(void)state;
	init_full(&src);
	program(&src);
	assert_int_equal(uvf_pci_config_save(&src, good, sizeof(good)), len);
	good[len] = 0;
	init_full(&dst);
	wr(&dst, UVF_PCI_INTERRUPT_LINE, 1, 5);	/* dst has its own state */

	/* Short and long. */
	expect_rejected(&dst, good, 0);
	expect_rejected(&dst, good, 12);
	expect_rejected(&dst, good, len - 1);
	expect_rejected(&dst, good, len + 1);
	/* Any single flipped bit, anywhere: the CRC catches it. */
	for (i = 0; i < len * 8; i += 7) {
		memcpy(bad, good, len);
		bad[i / 8] ^= 1u << (i % 8);
		expect_rejected(&dst, bad, len);
	}
	/* Wrong magic, version or length field, even with a valid CRC. */
	memcpy(bad, good, len);
	bad[0] = 'X';
	reseal(bad);
	expect_rejected(&dst, bad, len);
	memcpy(bad, good, len);
	put32(bad + 4, 2);
	reseal(bad);
	expect_rejected(&dst, bad, len);
	memcpy(bad, good, len);
	put32(bad + 8, len - 4);
	reseal(bad);
	expect_rejected(&dst, bad, len);
	/* A read-only bit that differs (device id) or a PM state no write
	 * could produce (D2). */
	memcpy(bad, good, len);
	bad[12 + UVF_PCI_DEVICE_ID] ^= 1;
	reseal(bad);
	expect_rejected(&dst, bad, len);
	memcpy(bad, good, len);
	bad[12 + PM_OFF + UVF_PCI_PM_CTRL] = 0x0a;
	reseal(bad);
	expect_rejected(&dst, bad, len);

	/* The untouched blob still restores: the checks above were real. */
	assert_int_equal(uvf_pci_config_restore(&dst, good, len), 0);
	assert_int_equal(rd(&dst, UVF_PCI_INTERRUPT_LINE, 1), 10);
}

/* A blob from a function built differently is foreign. */
static void test_restore_rejects_foreign_layouts(void **state)
{
	uint8_t blob[UVF_PCI_CONFIG_STATE_SIZE];
	struct uvf_pci_config src, dst;
	struct uvf_pci_ids ids = test_ids;

	(void)state;
	init_full(&src);
	assert_int_equal(uvf_pci_config_save(&src, blob, sizeof(blob)),
			 sizeof(blob));

	ids.device_id++;				/* other identity */
	assert_int_equal(uvf_pci_config_init(&dst, &ids), 0);
	expect_rejected(&dst, blob, sizeof(blob));

	init_plain(&dst);				/* no BARs, no caps */
	expect_rejected(&dst, blob, sizeof(blob));

	init_plain(&dst);				/* BAR0 of another size */
	assert_int_equal(uvf_pci_config_add_bar(&dst, 0, 2 * BAR0_SIZE, 0), 0);
	assert_int_equal(uvf_pci_config_add_bar(&dst, 2, BAR2_SIZE,
			 UVF_PCI_BAR_MEM64 | UVF_PCI_BAR_PREFETCH), 0);
	assert_int_equal(uvf_pci_config_add_bar(&dst, 4, BAR4_SIZE,
			 UVF_PCI_BAR_IO), 0);
	assert_int_equal(uvf_pci_config_add_cap_pm(&dst, PM_OFF), 0);
	expect_rejected(&dst, blob, sizeof(blob));

	init_full(&dst);				/* the same: accepted */
	assert_int_equal(uvf_pci_config_restore(&dst, blob, sizeof(blob)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_any_size_any_offset),
		cmocka_unit_test(test_unaligned_write_spans_registers),
		cmocka_unit_test(test_wide_write_equals_bytewise),
		cmocka_unit_test(test_out_of_range_access),
		cmocka_unit_test(test_save_restore_round_trip),
		cmocka_unit_test(test_save_needs_room),
		cmocka_unit_test(test_restore_rejects_bad_blobs),
		cmocka_unit_test(test_restore_rejects_foreign_layouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
