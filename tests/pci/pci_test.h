/* Shared fixtures for the pci config-space tests (header-only, static). */
#ifndef UVF_TESTS_PCI_TEST_H
#define UVF_TESTS_PCI_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pci/config.h"

#define TEST_VENDOR	0x1234
#define TEST_DEVICE	0x5678
#define TEST_SUBVENDOR	0x1af4
#define TEST_SUBSYS	0x1100
#define TEST_REVISION	0x02
#define TEST_CLASS	0x088000	/* system peripheral, other */

/* Layout of the "full" function most tests use. */
#define BAR0_SIZE	0x1000		/* 32-bit memory: MSI-X table + PBA */
#define BAR2_SIZE	0x100000	/* 64-bit prefetchable memory, slots 2+3 */
#define BAR4_SIZE	32		/* I/O */
#define PM_OFF		0x40
#define MSIX_OFF	0x48
#define EXP_OFF		0x60
#define MSIX_VECTORS	8
#define PBA_OFF		0x800

static const struct uvf_pci_ids test_ids = {
	.vendor_id = TEST_VENDOR,
	.device_id = TEST_DEVICE,
	.subsystem_vendor_id = TEST_SUBVENDOR,
	.subsystem_id = TEST_SUBSYS,
	.revision = TEST_REVISION,
	.class_code = TEST_CLASS,
	.interrupt_pin = 1,
};

static inline void init_plain(struct uvf_pci_config *cfg)
{
	assert_int_equal(uvf_pci_config_init(cfg, &test_ids), 0);
}

static inline void init_full(struct uvf_pci_config *cfg)
{
	const struct uvf_pci_msix_params msix = {
		.nr_vectors = MSIX_VECTORS,
		.table_bar = 0, .table_offset = 0,
		.pba_bar = 0, .pba_offset = PBA_OFF,
	};

	init_plain(cfg);
	assert_int_equal(uvf_pci_config_add_bar(cfg, 0, BAR0_SIZE, 0), 0);
	assert_int_equal(uvf_pci_config_add_bar(cfg, 2, BAR2_SIZE,
			 UVF_PCI_BAR_MEM64 | UVF_PCI_BAR_PREFETCH), 0);
	assert_int_equal(uvf_pci_config_add_bar(cfg, 4, BAR4_SIZE,
			 UVF_PCI_BAR_IO), 0);
	assert_int_equal(uvf_pci_config_add_cap_pm(cfg, PM_OFF), 0);
	assert_int_equal(uvf_pci_config_add_cap_msix(cfg, MSIX_OFF, &msix), 0);
	assert_int_equal(uvf_pci_config_add_cap_exp(cfg, EXP_OFF,
			 UVF_PCI_EXP_FLR), 0);
}

/* Reads and writes that must succeed; values assembled little-endian by
 * shifts so the tests never depend on the host's byte order. */
static inline uint32_t rd(const struct uvf_pci_config *cfg, unsigned int off,
			  unsigned int size)
{
	uint8_t b[4] = { 0 };
	uint32_t v = 0;
	unsigned int i;

	assert_int_equal(uvf_pci_config_read(cfg, off, b, size), 0);
	for (i = 0; i < size; i++)
		v |= (uint32_t)b[i] << (8 * i);
	return v;
}

static inline void wr(struct uvf_pci_config *cfg, unsigned int off,
		      unsigned int size, uint32_t v)
{
	uint8_t b[4];
	unsigned int i;

	for (i = 0; i < size; i++)
		b[i] = v >> (8 * i);
	assert_int_equal(uvf_pci_config_write(cfg, off, b, size), 0);
}

/* Records change-callback invocations. */
struct notes {
	int calls;
	uint32_t last;
	uint32_t all;
};

static inline void record(struct uvf_pci_config *cfg, uint32_t changed,
			  void *opaque)
{
	struct notes *n = opaque;

	(void)cfg;
	n->calls++;
	n->last = changed;
	n->all |= changed;
}

#endif
