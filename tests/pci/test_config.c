/* pci/config: header registers, BAR sizing, capabilities, notifications. */
#include "pci_test.h"

#include <errno.h>
#include <string.h>

#define CMD_RW	(UVF_PCI_COMMAND_IO | UVF_PCI_COMMAND_MEMORY | \
		 UVF_PCI_COMMAND_MASTER | UVF_PCI_COMMAND_INTX_DISABLE)

/* ---- identity and header -------------------------------------------------- */

static void test_init_rejects_bad_ids(void **state)
{
	struct uvf_pci_config cfg;
	struct uvf_pci_ids ids = test_ids;

	(void)state;
	ids.vendor_id = 0xffff;
	assert_int_equal(uvf_pci_config_init(&cfg, &ids), -EINVAL);
	ids = test_ids;
	ids.class_code = 0x1000000;
	assert_int_equal(uvf_pci_config_init(&cfg, &ids), -EINVAL);
	ids = test_ids;
	ids.interrupt_pin = 5;
	assert_int_equal(uvf_pci_config_init(&cfg, &ids), -EINVAL);
}

static void test_identity_registers_are_read_only(void **state)
{
	struct uvf_pci_config cfg;
	static const unsigned int ro[] = {
		UVF_PCI_VENDOR_ID, UVF_PCI_DEVICE_ID, UVF_PCI_REVISION_ID,
		UVF_PCI_CLASS_PROG + 1, UVF_PCI_HEADER_TYPE,
		UVF_PCI_SUBSYSTEM_VENDOR_ID,
		UVF_PCI_SUBSYSTEM_ID, UVF_PCI_CARDBUS_CIS,
	};
	unsigned int i;

	(void)state;
	init_full(&cfg);
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		wr(&cfg, ro[i], 2, 0xffff);
	wr(&cfg, UVF_PCI_CAPABILITY_LIST, 1, 0x80);
	wr(&cfg, UVF_PCI_INTERRUPT_PIN, 1, 0x03);

	assert_int_equal(rd(&cfg, UVF_PCI_VENDOR_ID, 2), TEST_VENDOR);
	assert_int_equal(rd(&cfg, UVF_PCI_DEVICE_ID, 2), TEST_DEVICE);
	assert_int_equal(rd(&cfg, UVF_PCI_REVISION_ID, 1), TEST_REVISION);
	assert_int_equal(rd(&cfg, UVF_PCI_CLASS_PROG, 1), TEST_CLASS & 0xff);
	assert_int_equal(rd(&cfg, UVF_PCI_CLASS_PROG + 1, 2), TEST_CLASS >> 8);
	assert_int_equal(rd(&cfg, UVF_PCI_HEADER_TYPE, 1), 0x00);
	assert_int_equal(rd(&cfg, UVF_PCI_SUBSYSTEM_VENDOR_ID, 2),
			 TEST_SUBVENDOR);
	assert_int_equal(rd(&cfg, UVF_PCI_SUBSYSTEM_ID, 2), TEST_SUBSYS);
	assert_int_equal(rd(&cfg, UVF_PCI_CARDBUS_CIS, 4), 0);
	assert_int_equal(rd(&cfg, UVF_PCI_CAPABILITY_LIST, 1), PM_OFF);
	assert_int_equal(rd(&cfg, UVF_PCI_INTERRUPT_PIN, 1), 1);
}

static void test_header_small_registers(void **state)
{
	struct uvf_pci_config cfg;

	(void)state;
	init_full(&cfg);
	wr(&cfg, UVF_PCI_CACHE_LINE_SIZE, 4, 0xffffffff);
	assert_int_equal(rd(&cfg, UVF_PCI_CACHE_LINE_SIZE, 1), 0xff);
	assert_int_equal(rd(&cfg, UVF_PCI_LATENCY_TIMER, 1), 0);	/* PCIe: 0 */
	assert_int_equal(rd(&cfg, UVF_PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(rd(&cfg, UVF_PCI_BIST, 1), 0);
	wr(&cfg, UVF_PCI_INTERRUPT_LINE, 4, 0xffffffff);
	assert_int_equal(rd(&cfg, UVF_PCI_INTERRUPT_LINE, 1), 0xff);
	assert_int_equal(rd(&cfg, UVF_PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(rd(&cfg, UVF_PCI_MIN_GNT, 2), 0);
	wr(&cfg, UVF_PCI_INTERRUPT_LINE, 1, 0x0b);
	assert_int_equal(rd(&cfg, UVF_PCI_INTERRUPT_LINE, 1), 0x0b);
}

/* ---- command and status --------------------------------------------------- */

static void test_command_rw_bits(void **state)
{
	struct uvf_pci_config cfg;

	(void)state;
	init_full(&cfg);
	assert_int_equal(rd(&cfg, UVF_PCI_COMMAND, 2), 0);
	wr(&cfg, UVF_PCI_COMMAND, 2, 0xffff);
	assert_int_equal(rd(&cfg, UVF_PCI_COMMAND, 2), CMD_RW);
	assert_true(uvf_pci_config_io_enabled(&cfg));
	assert_true(uvf_pci_config_memory_enabled(&cfg));
	assert_true(uvf_pci_config_bus_master_enabled(&cfg));
	assert_true(uvf_pci_config_intx_disabled(&cfg));

	wr(&cfg, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	assert_int_equal(rd(&cfg, UVF_PCI_COMMAND, 2), UVF_PCI_COMMAND_MEMORY);
	assert_false(uvf_pci_config_io_enabled(&cfg));
	assert_true(uvf_pci_config_memory_enabled(&cfg));
	assert_false(uvf_pci_config_bus_master_enabled(&cfg));
	assert_false(uvf_pci_config_intx_disabled(&cfg));
}

/* A function without I/O (or memory) BARs hardwires that decode bit to 0. */
static void test_command_decode_bits_follow_bars(void **state)
{
	struct uvf_pci_config cfg;

	(void)state;
	init_plain(&cfg);
	wr(&cfg, UVF_PCI_COMMAND, 2, 0xffff);
	assert_int_equal(rd(&cfg, UVF_PCI_COMMAND, 2),
			 UVF_PCI_COMMAND_MASTER | UVF_PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 1, 64, 0), 0);
	wr(&cfg, UVF_PCI_COMMAND, 2, 0xffff);
	assert_int_equal(rd(&cfg, UVF_PCI_COMMAND, 2),
			 CMD_RW & ~UVF_PCI_COMMAND_IO);
}

static void test_status_error_bits_are_w1c(void **state)
{
	struct uvf_pci_config cfg;
	uint16_t base = UVF_PCI_STATUS_CAP_LIST;

	(void)state;
	init_full(&cfg);
	assert_int_equal(rd(&cfg, UVF_PCI_STATUS, 2), base);
	assert_int_equal(uvf_pci_config_raise_status(&cfg,
			 UVF_PCI_STATUS_INTERRUPT), -EINVAL);
	assert_int_equal(uvf_pci_config_raise_status(&cfg, 0x0001), -EINVAL);
	assert_int_equal(uvf_pci_config_raise_status(&cfg,
			 UVF_PCI_STATUS_ERRORS), 0);
	assert_int_equal(rd(&cfg, UVF_PCI_STATUS, 2),
			 base | UVF_PCI_STATUS_ERRORS);

	/* Writing 0 changes nothing; writing 1 clears exactly that bit;
	 * writing 1 to RO bits (cap list) does nothing. */
	wr(&cfg, UVF_PCI_STATUS, 2, 0);
	assert_int_equal(rd(&cfg, UVF_PCI_STATUS, 2),
			 base | UVF_PCI_STATUS_ERRORS);
	wr(&cfg, UVF_PCI_STATUS, 2,
	   UVF_PCI_STATUS_REC_MASTER_ABORT | UVF_PCI_STATUS_CAP_LIST);
	assert_int_equal(rd(&cfg, UVF_PCI_STATUS, 2),
			 base | (UVF_PCI_STATUS_ERRORS &
				 ~UVF_PCI_STATUS_REC_MASTER_ABORT));
	/* A dword write to command+status: command stored, status cleared. */
	wr(&cfg, UVF_PCI_COMMAND, 4, 0xffff0000u | UVF_PCI_COMMAND_MASTER);
	assert_int_equal(rd(&cfg, UVF_PCI_STATUS, 2), base);
	assert_int_equal(rd(&cfg, UVF_PCI_COMMAND, 2), UVF_PCI_COMMAND_MASTER);
}

static void test_status_intx_bit_is_device_driven(void **state)
{
	struct uvf_pci_config cfg;

	(void)state;
	init_plain(&cfg);
	/* No capabilities: the cap-list bit and pointer are 0. */
	assert_int_equal(rd(&cfg, UVF_PCI_STATUS, 2), 0);
	assert_int_equal(rd(&cfg, UVF_PCI_CAPABILITY_LIST, 1), 0);
	uvf_pci_config_set_intx_status(&cfg, true);
	assert_int_equal(rd(&cfg, UVF_PCI_STATUS, 2), UVF_PCI_STATUS_INTERRUPT);
	wr(&cfg, UVF_PCI_STATUS, 2, 0xffff);	/* RO to software */
	assert_int_equal(rd(&cfg, UVF_PCI_STATUS, 2), UVF_PCI_STATUS_INTERRUPT);
	/* INTx Disable does not hide the pending state. */
	wr(&cfg, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(rd(&cfg, UVF_PCI_STATUS, 2), UVF_PCI_STATUS_INTERRUPT);
	uvf_pci_config_set_intx_status(&cfg, false);
	assert_int_equal(rd(&cfg, UVF_PCI_STATUS, 2), 0);
}

/* ---- BARs ------------------------------------------------------------------ */

static void test_bar32_sizing_and_address(void **state)
{
	struct uvf_pci_config cfg;
	unsigned int bar0 = UVF_PCI_BASE_ADDRESS_0;

	(void)state;
	init_full(&cfg);
	assert_int_equal(rd(&cfg, bar0, 4), 0);
	wr(&cfg, bar0, 4, 0xffffffff);
	assert_int_equal(rd(&cfg, bar0, 4), (uint32_t)~(BAR0_SIZE - 1));
	wr(&cfg, bar0, 4, 0xfebf1234);		/* low bits are not address */
	assert_int_equal(rd(&cfg, bar0, 4), 0xfebf1000);
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 0), 0xfebf1000);
}

static void test_bar32_prefetchable_sizing(void **state)
{
	struct uvf_pci_config cfg;
	unsigned int bar1 = UVF_PCI_BASE_ADDRESS_0 + 4;

	(void)state;
	init_plain(&cfg);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 1, 16,
			 UVF_PCI_BAR_PREFETCH), 0);
	assert_int_equal(rd(&cfg, bar1, 4), UVF_PCI_BASE_ADDRESS_MEM_PREFETCH);
	wr(&cfg, bar1, 4, 0xffffffff);
	assert_int_equal(rd(&cfg, bar1, 4),
			 0xfffffff0 | UVF_PCI_BASE_ADDRESS_MEM_PREFETCH);
	wr(&cfg, bar1, 4, 0xc0000000);
	assert_int_equal(rd(&cfg, bar1, 4),
			 0xc0000000 | UVF_PCI_BASE_ADDRESS_MEM_PREFETCH);
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 1), 0xc0000000);

	/* The largest 32-bit BAR: only bit 31 is address. */
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 3, 1ull << 31, 0), 0);
	wr(&cfg, UVF_PCI_BASE_ADDRESS_0 + 12, 4, 0xffffffff);
	assert_int_equal(rd(&cfg, UVF_PCI_BASE_ADDRESS_0 + 12, 4), 0x80000000);
}

static void test_bar64_sizing_high_dword(void **state)
{
	struct uvf_pci_config cfg;
	unsigned int lo = UVF_PCI_BASE_ADDRESS_0 + 8, hi = lo + 4;
	uint32_t type = UVF_PCI_BASE_ADDRESS_MEM_TYPE_64 |
			UVF_PCI_BASE_ADDRESS_MEM_PREFETCH;

	(void)state;
	init_full(&cfg);
	assert_int_equal(rd(&cfg, lo, 4), type);
	assert_int_equal(rd(&cfg, hi, 4), 0);
	wr(&cfg, lo, 4, 0xffffffff);
	wr(&cfg, hi, 4, 0xffffffff);
	assert_int_equal(rd(&cfg, lo, 4), (uint32_t)~(BAR2_SIZE - 1) | type);
	assert_int_equal(rd(&cfg, hi, 4), 0xffffffff);
	/* Restore an address above 4 GiB. */
	wr(&cfg, lo, 4, 0xe0000000);
	wr(&cfg, hi, 4, 0x00000008);
	assert_int_equal(rd(&cfg, lo, 4), 0xe0000000 | type);
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 2), 0x8e0000000ull);
	/* The upper slot is not a BAR of its own. */
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 3), 0);
}

static void test_bar64_larger_than_4g(void **state)
{
	struct uvf_pci_config cfg;
	unsigned int lo = UVF_PCI_BASE_ADDRESS_0, hi = lo + 4;

	(void)state;
	init_plain(&cfg);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 0, 8ull << 30,
			 UVF_PCI_BAR_MEM64), 0);
	wr(&cfg, lo, 4, 0xffffffff);
	wr(&cfg, hi, 4, 0xffffffff);
	assert_int_equal(rd(&cfg, lo, 4), UVF_PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_int_equal(rd(&cfg, hi, 4), 0xfffffffe);
	wr(&cfg, lo, 4, 0);
	wr(&cfg, hi, 4, 0x3);		/* bit 32 is below the size */
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 0), 0x200000000ull);
}

static void test_bar_io_sizing(void **state)
{
	struct uvf_pci_config cfg;
	unsigned int bar4 = UVF_PCI_BASE_ADDRESS_0 + 16;

	(void)state;
	init_full(&cfg);
	assert_int_equal(rd(&cfg, bar4, 4), UVF_PCI_BASE_ADDRESS_SPACE_IO);
	wr(&cfg, bar4, 4, 0xffffffff);
	assert_int_equal(rd(&cfg, bar4, 4),
			 (uint32_t)~(BAR4_SIZE - 1) | UVF_PCI_BASE_ADDRESS_SPACE_IO);
	wr(&cfg, bar4, 4, 0xc020);
	assert_int_equal(rd(&cfg, bar4, 4), 0xc021);
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 4), 0xc020);
}

static void test_absent_bars_and_rom_read_zero(void **state)
{
	struct uvf_pci_config cfg;

	(void)state;
	init_full(&cfg);
	wr(&cfg, UVF_PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);	/* BAR1 */
	wr(&cfg, UVF_PCI_BASE_ADDRESS_0 + 20, 4, 0xffffffff);	/* BAR5 */
	wr(&cfg, UVF_PCI_ROM_ADDRESS, 4, 0xffffffff);
	assert_int_equal(rd(&cfg, UVF_PCI_BASE_ADDRESS_0 + 4, 4), 0);
	assert_int_equal(rd(&cfg, UVF_PCI_BASE_ADDRESS_0 + 20, 4), 0);
	assert_int_equal(rd(&cfg, UVF_PCI_ROM_ADDRESS, 4), 0);
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 1), 0);
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 5), 0);
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 6), 0);
}

static void test_bar_registration_errors(void **state)
{
	struct uvf_pci_config cfg, before;

	(void)state;
	init_plain(&cfg);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 0, 0x1000,
			 UVF_PCI_BAR_MEM64), 0);
	memcpy(&before, &cfg, sizeof(cfg));

	/* sizes */
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 0, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 0x3000, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 8, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 4ull << 30, 0),
			 -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 1ull << 63,
			 UVF_PCI_BAR_MEM64), 0 /* largest 64-bit: fine */);
	memcpy(&cfg, &before, sizeof(cfg));
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 2, UVF_PCI_BAR_IO),
			 -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 512, UVF_PCI_BAR_IO),
			 -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 24, UVF_PCI_BAR_IO),
			 -EINVAL);
	/* flags */
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 16,
			 UVF_PCI_BAR_IO | UVF_PCI_BAR_PREFETCH), -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 16,
			 UVF_PCI_BAR_IO | UVF_PCI_BAR_MEM64), -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 16, 1u << 7), -EINVAL);
	/* slots */
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 6, 16, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 5, 16,
			 UVF_PCI_BAR_MEM64), -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 0, 16, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 1, 16, 0), -EINVAL);
	assert_memory_equal(&cfg, &before, sizeof(cfg));

	/* A 64-bit BAR may not land on the slot above it either. */
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 3, 16, 0), 0);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 2, 16,
			 UVF_PCI_BAR_MEM64), -EINVAL);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 4, 16,
			 UVF_PCI_BAR_MEM64), 0);
}

/* ---- capabilities ---------------------------------------------------------- */

static void test_cap_walk_visits_each_once(void **state)
{
	struct uvf_pci_config cfg;
	unsigned int off, steps = 0, seen_pm = 0, seen_msix = 0, seen_exp = 0;

	(void)state;
	init_full(&cfg);
	assert_true(rd(&cfg, UVF_PCI_STATUS, 2) & UVF_PCI_STATUS_CAP_LIST);
	for (off = rd(&cfg, UVF_PCI_CAPABILITY_LIST, 1); off;
	     off = rd(&cfg, off + UVF_PCI_CAP_LIST_NEXT, 1)) {
		assert_true(off >= 0x40 && off <= 0xfc);
		assert_int_equal(off % 4, 0);
		assert_true(++steps <= 3);
		switch (rd(&cfg, off, 1)) {
		case UVF_PCI_CAP_ID_PM: seen_pm++; break;
		case UVF_PCI_CAP_ID_MSIX: seen_msix++; break;
		case UVF_PCI_CAP_ID_EXP: seen_exp++; break;
		default: fail_msg("unexpected capability 0x%x at 0x%x",
				  rd(&cfg, off, 1), off);
		}
	}
	assert_int_equal(steps, 3);
	assert_int_equal(seen_pm, 1);
	assert_int_equal(seen_msix, 1);
	assert_int_equal(seen_exp, 1);
	assert_int_equal(uvf_pci_config_find_cap(&cfg, UVF_PCI_CAP_ID_MSIX),
			 MSIX_OFF);
	assert_int_equal(uvf_pci_config_find_cap(&cfg, UVF_PCI_CAP_ID_MSI),
			 -ENOENT);

	/* IDs and next pointers are read-only. */
	wr(&cfg, PM_OFF, 2, 0xffff);
	wr(&cfg, MSIX_OFF, 2, 0);
	assert_int_equal(rd(&cfg, PM_OFF, 2), UVF_PCI_CAP_ID_PM | MSIX_OFF << 8);
	assert_int_equal(rd(&cfg, MSIX_OFF, 2),
			 UVF_PCI_CAP_ID_MSIX | EXP_OFF << 8);
	assert_int_equal(rd(&cfg, EXP_OFF, 2), UVF_PCI_CAP_ID_EXP);
}

static void test_cap_registration_errors(void **state)
{
	struct uvf_pci_config cfg, before;
	struct uvf_pci_msix_params m = {
		.nr_vectors = 4, .table_bar = 0, .table_offset = 0,
		.pba_bar = 0, .pba_offset = 0x100,
	};

	(void)state;
	init_plain(&cfg);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 0, 0x1000, 0), 0);
	assert_int_equal(uvf_pci_config_add_bar(&cfg, 1, 16, UVF_PCI_BAR_IO), 0);
	assert_int_equal(uvf_pci_config_add_cap_pm(&cfg, 0x80), 0);
	memcpy(&before, &cfg, sizeof(cfg));

	/* placement */
	assert_int_equal(uvf_pci_config_add_cap_exp(&cfg, 0x3c, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_add_cap_exp(&cfg, 0x42, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_add_cap_exp(&cfg, 0xc8, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_add_cap_exp(&cfg, 0x100, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_add_cap_exp(&cfg, 0x48, 0), -EINVAL);
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x84, &m), -EINVAL);
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x7c, &m), -EINVAL);
	assert_int_equal(uvf_pci_config_add_cap_exp(&cfg, 0x40, 1u << 5),
			 -EINVAL);
	assert_int_equal(uvf_pci_config_add_cap_pm(&cfg, 0x40), -EINVAL);
	/* MSI-X geometry */
	m.nr_vectors = 0;
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x40, &m), -EINVAL);
	m.nr_vectors = 2049;
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x40, &m), -EINVAL);
	m.nr_vectors = 17;			/* table 0..0x110 hits the PBA */
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x40, &m), -EINVAL);
	m.nr_vectors = 4;
	m.table_bar = 2;			/* absent */
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x40, &m), -EINVAL);
	m.table_bar = 1;			/* I/O */
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x40, &m), -EINVAL);
	m.table_bar = 0;
	m.table_offset = 0xfc8;			/* 4 vectors run past 4 KiB */
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x40, &m), -EINVAL);
	m.table_offset = 0x4;			/* BIR bits */
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x40, &m), -EINVAL);
	m.table_offset = 0;
	m.pba_offset = 0x1000;			/* PBA past the end */
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x40, &m), -EINVAL);
	m.pba_bar = 7;
	m.pba_offset = 0x100;
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x40, &m), -EINVAL);
	assert_memory_equal(&cfg, &before, sizeof(cfg));

	/* The same geometry, fixed, fits; a second MSI-X does not. */
	m.pba_bar = 0;
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x40, &m), 0);
	assert_int_equal(uvf_pci_config_add_cap_msix(&cfg, 0x90, &m), -EINVAL);
	/* PCIe exactly fills the top: 0xc4 + 0x3c = 0x100. */
	assert_int_equal(uvf_pci_config_add_cap_exp(&cfg, 0xc4, 0), 0);
	assert_int_equal(uvf_pci_config_add_cap_exp(&cfg, 0x88, 0), -EINVAL);
}

static void test_msix_control_bits(void **state)
{
	struct uvf_pci_config cfg;
	struct notes n = { 0 };
	unsigned int ctl = MSIX_OFF + UVF_PCI_MSIX_FLAGS;

	(void)state;
	init_full(&cfg);
	uvf_pci_config_set_notify(&cfg, record, &n);
	assert_int_equal(rd(&cfg, ctl, 2), MSIX_VECTORS - 1);
	assert_int_equal(rd(&cfg, MSIX_OFF + UVF_PCI_MSIX_TABLE, 4), 0);
	assert_int_equal(rd(&cfg, MSIX_OFF + UVF_PCI_MSIX_PBA, 4), PBA_OFF);
	assert_false(uvf_pci_config_msix_enabled(&cfg));

	/* Table size and the BIR/offset registers are read-only. */
	wr(&cfg, ctl, 2, 0x07ff);
	wr(&cfg, MSIX_OFF + UVF_PCI_MSIX_TABLE, 4, 0xffffffff);
	wr(&cfg, MSIX_OFF + UVF_PCI_MSIX_PBA, 4, 0);
	assert_int_equal(rd(&cfg, ctl, 2), MSIX_VECTORS - 1);
	assert_int_equal(rd(&cfg, MSIX_OFF + UVF_PCI_MSIX_TABLE, 4), 0);
	assert_int_equal(rd(&cfg, MSIX_OFF + UVF_PCI_MSIX_PBA, 4), PBA_OFF);
	assert_int_equal(n.calls, 0);

	wr(&cfg, ctl, 2, UVF_PCI_MSIX_FLAGS_ENABLE | UVF_PCI_MSIX_FLAGS_MASKALL);
	assert_int_equal(n.calls, 1);
	assert_int_equal(n.last, UVF_PCI_CONFIG_CHANGED_MSIX_ENABLE |
				 UVF_PCI_CONFIG_CHANGED_MSIX_MASK);
	assert_true(uvf_pci_config_msix_enabled(&cfg));
	assert_true(uvf_pci_config_msix_function_masked(&cfg));
	assert_int_equal(rd(&cfg, ctl, 2), 0xc000 | (MSIX_VECTORS - 1));

	/* Unmask with a byte write to the upper half only. */
	wr(&cfg, ctl + 1, 1, UVF_PCI_MSIX_FLAGS_ENABLE >> 8);
	assert_int_equal(n.calls, 2);
	assert_int_equal(n.last, UVF_PCI_CONFIG_CHANGED_MSIX_MASK);
	assert_true(uvf_pci_config_msix_enabled(&cfg));
	assert_false(uvf_pci_config_msix_function_masked(&cfg));

	wr(&cfg, ctl, 2, 0);
	assert_int_equal(n.last, UVF_PCI_CONFIG_CHANGED_MSIX_ENABLE);
	assert_false(uvf_pci_config_msix_enabled(&cfg));
}

static void test_pm_state_d0_d3hot_only(void **state)
{
	struct uvf_pci_config cfg;
	struct notes n = { 0 };
	unsigned int csr = PM_OFF + UVF_PCI_PM_CTRL;

	(void)state;
	init_full(&cfg);
	uvf_pci_config_set_notify(&cfg, record, &n);
	assert_int_equal(rd(&cfg, PM_OFF + UVF_PCI_PM_PMC, 2),
			 UVF_PCI_PM_CAP_VER_1_2);
	assert_int_equal(rd(&cfg, csr, 2), UVF_PCI_PM_CTRL_NO_SOFT_RESET);
	assert_int_equal(uvf_pci_config_pm_state(&cfg), UVF_PCI_D0);

	wr(&cfg, PM_OFF + UVF_PCI_PM_PMC, 2, 0xffff);
	assert_int_equal(rd(&cfg, PM_OFF + UVF_PCI_PM_PMC, 2),
			 UVF_PCI_PM_CAP_VER_1_2);
	/* D3hot; the other PMCSR bits (PME, no-soft-reset) are RO. */
	wr(&cfg, csr, 4, 0xfffffff3);
	assert_int_equal(rd(&cfg, csr, 4),
			 UVF_PCI_PM_CTRL_NO_SOFT_RESET | UVF_PCI_D3HOT);
	assert_int_equal(uvf_pci_config_pm_state(&cfg), UVF_PCI_D3HOT);
	assert_int_equal(n.calls, 1);
	assert_int_equal(n.last, UVF_PCI_CONFIG_CHANGED_PM_STATE);

	/* D1 and D2 are not supported: the write is discarded. */
	wr(&cfg, csr, 2, 1);
	assert_int_equal(uvf_pci_config_pm_state(&cfg), UVF_PCI_D3HOT);
	wr(&cfg, csr, 1, 2);
	assert_int_equal(uvf_pci_config_pm_state(&cfg), UVF_PCI_D3HOT);
	assert_int_equal(n.calls, 1);

	wr(&cfg, csr, 1, UVF_PCI_D0);
	assert_int_equal(uvf_pci_config_pm_state(&cfg), UVF_PCI_D0);
	assert_int_equal(n.calls, 2);
}

static void test_exp_cap_registers(void **state)
{
	struct uvf_pci_config cfg;
	const uint16_t devctl_rw = 0x781f;

	(void)state;
	init_full(&cfg);
	assert_int_equal(uvf_pci_config_size(&cfg), 4096);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_FLAGS, 2), 0x0002);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCAP, 4),
			 UVF_PCI_EXP_DEVCAP_RBER | UVF_PCI_EXP_DEVCAP_FLR);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCTL, 2), 0x2810);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_LNKCAP, 4), 0x00400011);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_LNKSTA, 2), 0x0011);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_LNKCAP2, 4), 0x2);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_LNKCTL2, 2), 0x1);

	/* Device control: only the RW bits stick; FLR reads 0. */
	wr(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCTL, 2, 0xffff);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCTL, 2), devctl_rw);
	wr(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCTL, 2, 0);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCTL, 2), 0);
	wr(&cfg, EXP_OFF + UVF_PCI_EXP_LNKCTL, 2, 0xffff);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_LNKCTL, 2), 0x00cb);
	/* Read-only parts of the capability. */
	wr(&cfg, EXP_OFF + UVF_PCI_EXP_FLAGS, 2, 0xffff);
	wr(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCAP, 4, 0);
	wr(&cfg, EXP_OFF + UVF_PCI_EXP_DEVSTA, 2, 0xffff);
	wr(&cfg, EXP_OFF + UVF_PCI_EXP_LNKCAP, 4, 0);
	wr(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCAP2, 4, 0xffffffff);
	wr(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCTL2, 2, 0xffff);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_FLAGS, 2), 0x0002);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCAP, 4),
			 UVF_PCI_EXP_DEVCAP_RBER | UVF_PCI_EXP_DEVCAP_FLR);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_DEVSTA, 2), 0);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_LNKCAP, 4), 0x00400011);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCAP2, 4), 0);
	assert_int_equal(rd(&cfg, EXP_OFF + UVF_PCI_EXP_DEVCTL2, 2), 0);
}

static void flr_then_reset(struct uvf_pci_config *cfg, uint32_t changed,
			   void *opaque)
{
	record(cfg, changed, opaque);
	if (changed & UVF_PCI_CONFIG_CHANGED_FLR)
		uvf_pci_config_reset(cfg);
}

static void test_exp_flr_request(void **state)
{
	struct uvf_pci_config cfg;
	struct notes n = { 0 };
	unsigned int devctl = EXP_OFF + UVF_PCI_EXP_DEVCTL;

	(void)state;
	init_full(&cfg);
	uvf_pci_config_set_notify(&cfg, flr_then_reset, &n);
	wr(&cfg, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY);
	wr(&cfg, UVF_PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	n = (struct notes){ 0 };

	wr(&cfg, devctl, 2, UVF_PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(n.calls, 1);
	assert_true(n.last & UVF_PCI_CONFIG_CHANGED_FLR);
	/* The device reset from its callback: the whole function is back to
	 * its defaults, and Initiate FLR still reads 0. */
	assert_int_equal(rd(&cfg, UVF_PCI_COMMAND, 2), 0);
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 0), 0);
	assert_int_equal(rd(&cfg, devctl, 2), 0x2810);

	/* Without the FLR capability the bit is just ignored. */
	init_plain(&cfg);
	assert_int_equal(uvf_pci_config_add_cap_exp(&cfg, 0x40, 0), 0);
	uvf_pci_config_set_notify(&cfg, record, &n);
	n = (struct notes){ 0 };
	assert_int_equal(rd(&cfg, 0x40 + UVF_PCI_EXP_DEVCAP, 4),
			 UVF_PCI_EXP_DEVCAP_RBER);
	wr(&cfg, 0x40 + UVF_PCI_EXP_DEVCTL + 1, 1, 0x80);
	assert_int_equal(n.calls, 0);
}

static void test_extended_space(void **state)
{
	struct uvf_pci_config cfg;
	uint8_t buf[4096 - 256], zero[4096 - 256] = { 0 };

	(void)state;
	init_full(&cfg);
	wr(&cfg, 0x100, 4, 0xffffffff);
	wr(&cfg, 0xffc, 4, 0xffffffff);
	/* All zero, including the empty extended-capability header at 0x100. */
	assert_int_equal(uvf_pci_config_read(&cfg, 0x100, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, zero, sizeof(buf));

	init_plain(&cfg);
	assert_int_equal(uvf_pci_config_size(&cfg), 256);
	assert_int_equal(uvf_pci_config_read(&cfg, 0x100, buf, 4), -EINVAL);
}

/* ---- notifications --------------------------------------------------------- */

static void test_notify_command_and_bars(void **state)
{
	struct uvf_pci_config cfg;
	struct notes n = { 0 };

	(void)state;
	init_full(&cfg);
	uvf_pci_config_set_notify(&cfg, record, &n);

	wr(&cfg, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY |
	   UVF_PCI_COMMAND_MASTER);
	assert_int_equal(n.calls, 1);
	assert_int_equal(n.last, UVF_PCI_CONFIG_CHANGED_MEMORY |
				 UVF_PCI_CONFIG_CHANGED_BUS_MASTER);
	/* The same value again: nothing changed, no call. */
	wr(&cfg, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY |
	   UVF_PCI_COMMAND_MASTER);
	assert_int_equal(n.calls, 1);
	/* Clearing bus master (the device must stop DMA) is seen in the
	 * callback already. */
	wr(&cfg, UVF_PCI_COMMAND, 2, UVF_PCI_COMMAND_MEMORY |
	   UVF_PCI_COMMAND_INTX_DISABLE | UVF_PCI_COMMAND_IO);
	assert_int_equal(n.calls, 2);
	assert_int_equal(n.last, UVF_PCI_CONFIG_CHANGED_BUS_MASTER |
				 UVF_PCI_CONFIG_CHANGED_INTX_DISABLE |
				 UVF_PCI_CONFIG_CHANGED_IO);
	assert_false(uvf_pci_config_bus_master_enabled(&cfg));

	/* BARs: the upper half of BAR2 reports BAR2; one write spanning BAR3
	 * and BAR4 reports both in one call. */
	wr(&cfg, UVF_PCI_BASE_ADDRESS_0 + 12, 4, 0x1);
	assert_int_equal(n.last, UVF_PCI_CONFIG_CHANGED_BAR(2));
	assert_int_equal(n.calls, 3);
	{
		uint8_t b[8] = { 0, 0, 0, 0x20, 0x20, 0xc0, 0, 0 };

		assert_int_equal(uvf_pci_config_write(&cfg,
				 UVF_PCI_BASE_ADDRESS_0 + 12, b, 8), 0);
	}
	assert_int_equal(n.calls, 4);
	assert_int_equal(n.last, UVF_PCI_CONFIG_CHANGED_BAR(2) |
				 UVF_PCI_CONFIG_CHANGED_BAR(4));
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 2), 0x20000000ull << 32);
	assert_int_equal(uvf_pci_config_bar_address(&cfg, 4), 0xc020);

	/* Writes to RO or absent registers never call. */
	wr(&cfg, UVF_PCI_VENDOR_ID, 4, 0);
	wr(&cfg, UVF_PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);
	wr(&cfg, UVF_PCI_CACHE_LINE_SIZE, 1, 0x10);	/* RW, not reported */
	assert_int_equal(n.calls, 4);

	uvf_pci_config_set_notify(&cfg, NULL, NULL);
	wr(&cfg, UVF_PCI_COMMAND, 2, 0);
	assert_int_equal(n.calls, 4);
}

static void test_reset_restores_defaults(void **state)
{
	struct uvf_pci_config cfg, fresh;
	uint8_t a[256], b[256];

	(void)state;
	init_full(&fresh);
	init_full(&cfg);
	wr(&cfg, UVF_PCI_COMMAND, 4, 0xffffffff);
	wr(&cfg, UVF_PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	wr(&cfg, UVF_PCI_INTERRUPT_LINE, 1, 11);
	wr(&cfg, MSIX_OFF + UVF_PCI_MSIX_FLAGS, 2, 0xc000);
	wr(&cfg, PM_OFF + UVF_PCI_PM_CTRL, 2, 3);
	assert_int_equal(uvf_pci_config_raise_status(&cfg,
			 UVF_PCI_STATUS_SIG_TARGET_ABORT), 0);
	uvf_pci_config_set_intx_status(&cfg, true);

	uvf_pci_config_reset(&cfg);
	assert_int_equal(uvf_pci_config_read(&cfg, 0, a, sizeof(a)), 0);
	assert_int_equal(uvf_pci_config_read(&fresh, 0, b, sizeof(b)), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_false(uvf_pci_config_msix_enabled(&cfg));
	assert_int_equal(uvf_pci_config_pm_state(&cfg), UVF_PCI_D0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_ids),
		cmocka_unit_test(test_identity_registers_are_read_only),
		cmocka_unit_test(test_header_small_registers),
		cmocka_unit_test(test_command_rw_bits),
		cmocka_unit_test(test_command_decode_bits_follow_bars),
		cmocka_unit_test(test_status_error_bits_are_w1c),
		cmocka_unit_test(test_status_intx_bit_is_device_driven),
		cmocka_unit_test(test_bar32_sizing_and_address),
		cmocka_unit_test(test_bar32_prefetchable_sizing),
		cmocka_unit_test(test_bar64_sizing_high_dword),
		cmocka_unit_test(test_bar64_larger_than_4g),
		cmocka_unit_test(test_bar_io_sizing),
		cmocka_unit_test(test_absent_bars_and_rom_read_zero),
		cmocka_unit_test(test_bar_registration_errors),
		cmocka_unit_test(test_cap_walk_visits_each_once),
		cmocka_unit_test(test_cap_registration_errors),
		cmocka_unit_test(test_msix_control_bits),
		cmocka_unit_test(test_pm_state_d0_d3hot_only),
		cmocka_unit_test(test_exp_cap_registers),
		cmocka_unit_test(test_exp_flr_request),
		cmocka_unit_test(test_extended_space),
		cmocka_unit_test(test_notify_command_and_bars),
		cmocka_unit_test(test_reset_restores_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
