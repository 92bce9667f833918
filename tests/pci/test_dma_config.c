/* SPDX-License-Identifier: MIT */
/*
 * test_dma_config.c - the pci-dma function as a VMM first meets it: device,
 * region and IRQ info, config space (identity, read-only bits, BAR sizing,
 * the capability walk), BAR0's access rules (wrong sizes, holes, decoding),
 * resets, and state kept across a disconnect.  The device runs in-process;
 * every test checks that no fd leaked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "dma_test.h"
#include "devices/devices.h"
#include "pci/regs.h"
#include "testutil.h"

#define MEM	(256u << 10)

struct fx {
	struct pfx f;
	int fds;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	x->fds = uvf_test_count_fds();
	pfx_start(&x->f, "cfg.sock", "mem=256K");
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	pfx_stop(&x->f);
	assert_int_equal(uvf_test_count_fds(), x->fds);
	free(x);
	return 0;
}

/* ---- info ---------------------------------------------------------------------- */

static void test_device_info_unaware_and_aware(void **state)
{
	struct fx *x = *state;
	struct uvf_client_device_info di;
	struct uvf_client *c = tc_connect(x->f.sock, false);

	assert_int_equal(uvf_client_device_info(c, &di), 0);
	assert_int_equal(di.flags, UVF_VFIO_DEVICE_FLAGS_PCI | UVF_VFIO_DEVICE_FLAGS_RESET);
	assert_int_equal(di.num_regions, UVF_VFIO_PCI_NUM_REGIONS);
	/* The remap IRQ stays invisible to a client that did not ask. */
	assert_int_equal(di.num_irqs, UVF_VFIO_PCI_NUM_IRQS);
	uvf_client_close(c);

	c = tc_connect(x->f.sock, true);
	assert_int_equal(uvf_client_device_info(c, &di), 0);
	assert_int_equal(di.num_irqs, UVF_PDMA_REMAP_IRQ + 1);
	uvf_client_close(c);
}

static void test_region_info(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);
	const uint32_t rw = UVF_VFIO_REGION_INFO_FLAG_READ | UVF_VFIO_REGION_INFO_FLAG_WRITE;
	struct uvf_client_region r;

	for (unsigned i = 0; i < UVF_VFIO_PCI_NUM_REGIONS; i++) {
		assert_int_equal(uvf_client_region_info(c, i, &r), 0);
		switch (i) {
		case UVF_VFIO_PCI_BAR0_REGION_INDEX:
			assert_int_equal(r.size, UVF_PDMA_BAR0_SIZE);
			assert_int_equal(r.flags, rw);	/* never mmap-able */
			assert_int_equal(r.fd, -1);
			break;
		case UVF_VFIO_PCI_BAR2_REGION_INDEX:
			assert_int_equal(r.size, MEM);
			assert_int_equal(r.flags & ~UVF_VFIO_REGION_INFO_FLAG_CAPS,
					 rw | UVF_VFIO_REGION_INFO_FLAG_MMAP);
			assert_int_equal(r.nr_sparse, 1);
			assert_int_equal(r.sparse[0].offset, 0);
			assert_int_equal(r.sparse[0].size, MEM);
			assert_true(r.fd >= 0);
			break;
		case UVF_VFIO_PCI_CONFIG_REGION_INDEX:
			assert_int_equal(r.size, 4096);
			assert_int_equal(r.flags, rw);
			break;
		default:
			assert_int_equal(r.size, 0);
			break;
		}
		uvf_client_region_release(&r);
	}
	uvf_client_close(c);
}

static void test_irq_info(void **state)
{
	static const struct { uint32_t count, flags; } want[] = {
		[UVF_VFIO_PCI_INTX_IRQ_INDEX] = { 1, 0x7 },	/* EVENTFD|MASKABLE|AUTOMASKED */
		[UVF_VFIO_PCI_MSI_IRQ_INDEX] = { 0, 0x9 },	/* EVENTFD|NORESIZE */
		[UVF_VFIO_PCI_MSIX_IRQ_INDEX] = { UVF_PDMA_NR_VECTORS, 0x9 },
		[UVF_VFIO_PCI_ERR_IRQ_INDEX] = { 1, 0x9 },
		[UVF_VFIO_PCI_REQ_IRQ_INDEX] = { 1, 0x9 },
		[UVF_PDMA_REMAP_IRQ] = { 1, 0x1 },		/* EVENTFD */
	};
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, true);
	uint32_t flags, count;

	for (unsigned i = 0; i <= UVF_PDMA_REMAP_IRQ; i++) {
		assert_int_equal(uvf_client_irq_info(c, i, &flags, &count), 0);
		assert_int_equal(count, want[i].count);
		assert_int_equal(flags, want[i].flags);
	}
	assert_int_equal(uvf_client_irq_info(c, UVF_PDMA_REMAP_IRQ + 1, &flags, &count), -EINVAL);
	uvf_client_close(c);
}

/* ---- config space -------------------------------------------------------------- */

static void test_config_identity_and_ro_bits(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);

	assert_int_equal(tc_cfg_rd(c, UVF_PCI_VENDOR_ID, 2), UVF_PDMA_VENDOR_ID);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_DEVICE_ID, 2), UVF_PDMA_DEVICE_ID);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_REVISION_ID, 4),
			 UVF_PDMA_CLASS << 8 | UVF_PDMA_REVISION);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_SUBSYSTEM_VENDOR_ID, 2), UVF_PDMA_SUBSYS_VENDOR_ID);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_SUBSYSTEM_ID, 2), UVF_PDMA_SUBSYS_ID);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_INTERRUPT_PIN, 1), 1);

	/* Identity, class, header type and pin are read-only. */
	tc_cfg_wr(c, UVF_PCI_VENDOR_ID, 4, 0xdeadbeef);
	tc_cfg_wr(c, UVF_PCI_REVISION_ID, 4, 0xffffffff);
	tc_cfg_wr(c, UVF_PCI_HEADER_TYPE, 1, 0x80);
	tc_cfg_wr(c, UVF_PCI_INTERRUPT_PIN, 1, 3);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_VENDOR_ID, 4),
			 (uint32_t)UVF_PDMA_DEVICE_ID << 16 | UVF_PDMA_VENDOR_ID);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_REVISION_ID, 4),
			 UVF_PDMA_CLASS << 8 | UVF_PDMA_REVISION);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_INTERRUPT_PIN, 1), 1);
	/* The command register takes only what the function implements. */
	tc_cfg_wr(c, UVF_PCI_COMMAND, 2, 0xffff);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_COMMAND, 2),
			 UVF_PCI_COMMAND_MEMORY | UVF_PCI_COMMAND_MASTER |
			 UVF_PCI_COMMAND_INTX_DISABLE);
	uvf_client_close(c);
}

static void test_config_bar_sizing_matches_regions(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);

	for (unsigned i = 0; i < 6; i++)
		tc_cfg_wr(c, UVF_PCI_BASE_ADDRESS_0 + 4 * i, 4, 0xffffffff);
	tc_cfg_wr(c, UVF_PCI_ROM_ADDRESS, 4, 0xffffffff);
	/* BAR0: 32-bit memory, 16 KiB. */
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_BASE_ADDRESS_0, 4),
			 (uint32_t)~(UVF_PDMA_BAR0_SIZE - 1) & ~0xfu);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_BASE_ADDRESS_0 + 4, 4), 0);
	/* BAR2/3: 64-bit prefetchable, mem bytes. */
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_BASE_ADDRESS_0 + 8, 4),
			 ((uint32_t)~(MEM - 1) & ~0xfu) | UVF_PCI_BASE_ADDRESS_MEM_TYPE_64 |
			 UVF_PCI_BASE_ADDRESS_MEM_PREFETCH);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_BASE_ADDRESS_0 + 12, 4), 0xffffffff);
	for (unsigned i = 4; i < 6; i++)
		assert_int_equal(tc_cfg_rd(c, UVF_PCI_BASE_ADDRESS_0 + 4 * i, 4), 0);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_ROM_ADDRESS, 4), 0);
	/* An address sticks (above the size bits). */
	tc_cfg_wr(c, UVF_PCI_BASE_ADDRESS_0 + 8, 4, 0xe0000000);
	tc_cfg_wr(c, UVF_PCI_BASE_ADDRESS_0 + 12, 4, 0x1);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_BASE_ADDRESS_0 + 8, 4), 0xe000000c);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_BASE_ADDRESS_0 + 12, 4), 1);
	uvf_client_close(c);
}

static void test_config_capability_walk(void **state)
{
	static const uint8_t chain[] = { UVF_PCI_CAP_ID_PM, UVF_PCI_CAP_ID_MSIX,
					 UVF_PCI_CAP_ID_EXP };
	static const uint8_t where[] = { UVF_PDMA_CAP_PM, UVF_PDMA_CAP_MSIX, UVF_PDMA_CAP_EXP };
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);
	uint32_t off;
	unsigned n = 0;

	assert_true(tc_cfg_rd(c, UVF_PCI_STATUS, 2) & UVF_PCI_STATUS_CAP_LIST);
	for (off = tc_cfg_rd(c, UVF_PCI_CAPABILITY_LIST, 1); off; n++) {
		assert_true(n < sizeof(chain));
		assert_int_equal(off, where[n]);
		assert_int_equal(tc_cfg_rd(c, off, 1), chain[n]);
		off = tc_cfg_rd(c, off + 1, 1);
	}
	assert_int_equal(n, sizeof(chain));
	/* MSI-X: 3 vectors, table and PBA in BAR0 where the header says. */
	assert_int_equal(tc_cfg_rd(c, UVF_PDMA_CAP_MSIX + UVF_PCI_MSIX_FLAGS, 2) &
			 UVF_PCI_MSIX_FLAGS_QSIZE, UVF_PDMA_NR_VECTORS - 1);
	assert_int_equal(tc_cfg_rd(c, UVF_PDMA_CAP_MSIX + UVF_PCI_MSIX_TABLE, 4),
			 UVF_PDMA_MSIX_TABLE | 0);
	assert_int_equal(tc_cfg_rd(c, UVF_PDMA_CAP_MSIX + UVF_PCI_MSIX_PBA, 4),
			 UVF_PDMA_MSIX_PBA | 0);
	/* PCIe endpoint with FLR; extended space ends the list at once. */
	assert_true(tc_cfg_rd(c, UVF_PDMA_CAP_EXP + UVF_PCI_EXP_DEVCAP, 4) &
		    UVF_PCI_EXP_DEVCAP_FLR);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_EXT_CAP_START, 4), 0);
	/* The capability IDs and pointers are read-only. */
	tc_cfg_wr(c, UVF_PDMA_CAP_PM, 2, 0xffff);
	assert_int_equal(tc_cfg_rd(c, UVF_PDMA_CAP_PM, 2),
			 UVF_PDMA_CAP_MSIX << 8 | UVF_PCI_CAP_ID_PM);
	uvf_client_close(c);
}

/* ---- BAR0 access rules ------------------------------------------------------------ */

static void test_bar0_decodes_only_with_memory_space(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);

	assert_int_equal(tc_rd(c, UVF_PDMA_REG_ID), 0xffffffff);
	tc_wr(c, UVF_PDMA_REG_SCRATCH, 0x1234);		/* dropped */
	tc_cfg_wr(c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_ID), UVF_PDMA_ID_VALUE);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_VERSION), UVF_PDMA_VERSION_VALUE);
	assert_int_equal(UVF_PDMA_CAPS_RING_LOG2(tc_rd(c, UVF_PDMA_REG_CAPS)),
			 UVF_PDMA_RING_MAX_LOG2);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_MEM_SIZE_LO), MEM);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_MEM_SIZE_HI), 0);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_SCRATCH), 0);

	/* D3hot: the function answers config cycles only. */
	tc_cfg_wr(c, UVF_PDMA_CAP_PM + UVF_PCI_PM_CTRL, 2, UVF_PCI_D3HOT);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_ID), 0xffffffff);
	tc_cfg_wr(c, UVF_PDMA_CAP_PM + UVF_PCI_PM_CTRL, 2, UVF_PCI_D0);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_ID), UVF_PDMA_ID_VALUE);
	uvf_client_close(c);
}

static void test_bar0_wrong_size_and_offset(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);
	uint8_t b[16], ones[16];

	memset(ones, 0xff, sizeof(ones));
	tc_cfg_wr(c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	tc_wr(c, UVF_PDMA_REG_SCRATCH, 0x11223344);

	/* Byte, word and unaligned dword reads: all-ones. */
	for (unsigned len = 1; len <= 3; len++) {
		assert_int_equal(uvf_client_region_read(c, 0, UVF_PDMA_REG_SCRATCH, b, len), 0);
		assert_memory_equal(b, ones, len);
	}
	assert_int_equal(uvf_client_region_read(c, 0, UVF_PDMA_REG_SCRATCH + 1, b, 4), 0);
	assert_memory_equal(b, ones, 4);
	assert_int_equal(uvf_client_region_read(c, 0, UVF_PDMA_REG_SCRATCH + 2, b, 8), 0);
	assert_memory_equal(b, ones, 8);
	/* ... and such writes are ignored. */
	memset(b, 0, sizeof(b));
	assert_int_equal(uvf_client_region_write(c, 0, UVF_PDMA_REG_SCRATCH, b, 2), 0);
	assert_int_equal(uvf_client_region_write(c, 0, UVF_PDMA_REG_SCRATCH + 1, b, 4), 0);
	assert_int_equal(uvf_client_region_write(c, 0, UVF_PDMA_REG_SCRATCH, b, 6), 0);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_SCRATCH), 0x11223344);

	/* Offsets where no register lives: all-ones, writes dropped. */
	assert_int_equal(tc_rd(c, 0x00c), 0xffffffff);
	assert_int_equal(tc_rd(c, UVF_PDMA_REGS_END), 0xffffffff);
	assert_int_equal(tc_rd(c, 0x1ffc), 0xffffffff);
	assert_int_equal(tc_rd(c, UVF_PDMA_MSIX_PBA + 8), 0xffffffff);
	tc_wr(c, 0x00c, 0);
	assert_int_equal(tc_rd(c, 0x00c), 0xffffffff);
	/* Read-only registers ignore writes. */
	tc_wr(c, UVF_PDMA_REG_ID, 0);
	tc_wr(c, UVF_PDMA_REG_RING_HEAD, 7);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_ID), UVF_PDMA_ID_VALUE);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_RING_HEAD), 0);

	/* A 64-bit register as one 8-byte access, low half first. */
	memcpy(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(uvf_client_region_write(c, 0, UVF_PDMA_REG_SD_SRC_LO, b, 8), 0);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_SD_SRC_LO), 0x04030201);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_SD_SRC_HI), 0x08070605);
	/* A run of dwords mixing registers and a hole. */
	assert_int_equal(uvf_client_region_read(c, 0, UVF_PDMA_REG_MEM_SIZE_LO - 4, b, 16), 0);
	assert_memory_equal(b, ones, 4);			/* 0x00c: hole */
	assert_int_equal(b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24, MEM);
	/* The last dword of the BAR, and the end of the region itself. */
	assert_int_equal(tc_rd(c, UVF_PDMA_BAR0_SIZE - 4), 0xffffffff);
	assert_int_equal(uvf_client_region_read(c, 0, UVF_PDMA_BAR0_SIZE - 2, b, 4), -EINVAL);
	uvf_client_close(c);
}

static void test_bar2_region_io_and_mmap_agree(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);
	uint8_t b[64], ones[64];
	void *map;
	size_t len;

	memset(ones, 0xff, sizeof(ones));
	tc_mem_rd(c, 0, b, sizeof(b));
	assert_memory_equal(b, ones, sizeof(b));	/* memory space off */
	tc_cfg_wr(c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	assert_int_equal(uvf_client_region_mmap(c, UVF_VFIO_PCI_BAR2_REGION_INDEX, &map, &len), 0);
	assert_int_equal(len, MEM);
	memcpy((uint8_t *)map + MEM - 8, "mmapped!", 8);
	tc_mem_rd(c, MEM - 8, b, 8);
	assert_memory_equal(b, "mmapped!", 8);
	tc_mem_wr(c, 100, "region", 6);
	assert_memory_equal((uint8_t *)map + 100, "region", 6);
	/* Odd sizes and offsets are fine: it is memory. */
	tc_mem_wr(c, 3, "abc", 3);
	tc_mem_rd(c, 2, b, 5);
	assert_memory_equal(b + 1, "abc", 3);
	munmap(map, len);
	uvf_client_close(c);
}

/* ---- resets and disconnects ------------------------------------------------------- */

static void test_device_reset_and_flr_reset_registers_keep_memory(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);
	uint8_t b[8];

	tc_enable(c);
	tc_wr(c, UVF_PDMA_REG_SCRATCH, 0xabcd);
	tc_wr(c, UVF_PDMA_REG_INT_MASK, UVF_PDMA_INT_SOFT);
	tc_mem_wr(c, 0, "keepme!!", 8);
	assert_int_equal(uvf_client_reset(c), 0);
	/* Config space was reset too: decoding is off again. */
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_COMMAND, 2), 0);
	tc_cfg_wr(c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_SCRATCH), 0);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_INT_MASK), 0);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_CTRL), 0);
	tc_mem_rd(c, 0, b, 8);
	assert_memory_equal(b, "keepme!!", 8);

	/* Function level reset through PCIe Device Control. */
	tc_wr(c, UVF_PDMA_REG_SCRATCH, 0x5555);
	tc_cfg_wr(c, UVF_PDMA_CAP_EXP + UVF_PCI_EXP_DEVCTL, 2, UVF_PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_COMMAND, 2), 0);
	tc_cfg_wr(c, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_SCRATCH), 0);
	uvf_client_close(c);
}

static void test_disconnect_keeps_device_state(void **state)
{
	struct fx *x = *state;
	struct uvf_client *c = tc_connect(x->f.sock, false);
	uint8_t b[8];

	tc_enable(c);
	tc_wr(c, UVF_PDMA_REG_SCRATCH, 0x600d);
	tc_mem_wr(c, 64, "persists", 8);
	uvf_client_close(c);

	c = tc_connect(x->f.sock, false);
	assert_int_equal(tc_cfg_rd(c, UVF_PCI_COMMAND, 2),
			 UVF_PCI_COMMAND_MEMORY | UVF_PCI_COMMAND_MASTER);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_SCRATCH), 0x600d);
	assert_int_equal(tc_rd(c, UVF_PDMA_REG_CTRL), UVF_PDMA_CTRL_ENABLE);
	tc_mem_rd(c, 64, b, 8);
	assert_memory_equal(b, "persists", 8);
	uvf_client_close(c);
}

/* ---- creation arguments ----------------------------------------------------------- */

static void test_bad_arguments_refused(void **state)
{
	static const char *const bad[] = {
		"pci-dma,mem=3000", "pci-dma,mem=2K", "pci-dma,mem=2G", "pci-dma,mem=12K",
		"pci-dma,mem=x", "pci-dma,colour=blue", "pci-dma,remap_timeout_ms=0",
		"pci-dma,remap_timeout_ms=999999999", "pci-dma,resume_cap=0",
	};
	struct uvf_loop *loop;
	struct uvf_device *dev;
	struct uvf_devargs a;
	int fds = uvf_test_count_fds();

	(void)state;
	assert_int_equal(uvf_loop_create(&loop), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(uvf_devargs_parse(bad[i], &a), 0);
		assert_int_equal(uvf_pci_dma_device_create(loop, &a, &dev), -EINVAL);
		uvf_devargs_free(&a);
	}
	assert_int_equal(uvf_devargs_parse("pci-dma,mem=4K", &a), 0);
	assert_int_equal(uvf_pci_dma_device_create(loop, &a, &dev), 0);
	uvf_devargs_free(&a);
	uvf_device_destroy(dev);
	uvf_loop_destroy(loop);
	assert_int_equal(uvf_test_count_fds(), fds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_device_info_unaware_and_aware, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_region_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_identity_and_ro_bits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_bar_sizing_matches_regions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_capability_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar0_decodes_only_with_memory_space, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bar0_wrong_size_and_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar2_region_io_and_mmap_agree, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_device_reset_and_flr_reset_registers_keep_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_keeps_device_state, setup,
						teardown),
		cmocka_unit_test(test_bad_arguments_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
