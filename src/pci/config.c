/* SPDX-License-Identifier: MIT */
/* Emulated PCI configuration space (see src/pci/config.h for the model). */
#include "core/le.h"
#include "pci/config.h"

#include <errno.h>
#include <string.h>

#define NR_DWORDS	(UVF_PCI_CFG_SPACE_SIZE / 4)
#define STATUS_DWORD	(UVF_PCI_COMMAND / 4)	/* command low, status high */

#define STATE_MAGIC	0x43505655u	/* "UVPC" as little-endian bytes */
#define STATE_VERSION	1u
#define STATE_IMAGE	12
#define STATE_WMASK	(STATE_IMAGE + UVF_PCI_CFG_SPACE_SIZE)
#define STATE_CRC	(STATE_WMASK + UVF_PCI_CFG_SPACE_SIZE)

_Static_assert(STATE_CRC + 4 == UVF_PCI_CONFIG_STATE_SIZE,
	       "blob layout and UVF_PCI_CONFIG_STATE_SIZE disagree");
_Static_assert(sizeof(((struct uvf_pci_config *)0)->regs) ==
	       UVF_PCI_CFG_SPACE_SIZE, "regs must cover the first 256 bytes");

static uint32_t field_mask(unsigned int size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* The `size`-byte register at `off` (naturally aligned) out of a dword
 * array: regs[] or a snapshot of it. */
static uint32_t get(const uint32_t *dw, unsigned int off, unsigned int size)
{
	return (dw[off / 4] >> (off % 4 * 8)) & field_mask(size);
}

static uint32_t reg(const struct uvf_pci_config *cfg, unsigned int off,
		    unsigned int size)
{
	return get(cfg->regs, off, size);
}

/*
 * Define the `size`-byte register at `off`: its value (now and after
 * reset), which bits a write stores and which bits a written 1 clears.
 * Only the builders call this; it is the one place masks are set.
 */
static void define(struct uvf_pci_config *cfg, unsigned int off,
		   unsigned int size, uint32_t val, uint32_t wmask, uint32_t w1c)
{
	unsigned int d = off / 4, shift = off % 4 * 8;
	uint32_t m = field_mask(size) << shift;

	cfg->regs[d] = (cfg->regs[d] & ~m) | ((val << shift) & m);
	cfg->reset[d] = (cfg->reset[d] & ~m) | ((val << shift) & m);
	cfg->wmask[d] = (cfg->wmask[d] & ~m) | ((wmask << shift) & m);
	cfg->w1cmask[d] = (cfg->w1cmask[d] & ~m) | ((w1c << shift) & m);
}

/* Add read-only `bits` (relative to the register at `off`) to a register
 * defined earlier, keeping its other bits and masks. */
static void set_ro_bits(struct uvf_pci_config *cfg, unsigned int off,
			uint32_t bits)
{
	uint32_t m = bits << (off % 4 * 8);

	cfg->regs[off / 4] |= m;
	cfg->reset[off / 4] |= m;
}

static void set_rw_bits(struct uvf_pci_config *cfg, unsigned int off,
			uint32_t bits)
{
	cfg->wmask[off / 4] |= bits << (off % 4 * 8);
}

/* ---- Building ------------------------------------------------------------ */

int uvf_pci_config_init(struct uvf_pci_config *cfg,
			const struct uvf_pci_ids *ids)
{
	if (ids->vendor_id == 0xffff || ids->class_code > 0xffffff ||
	    ids->interrupt_pin > 4)
		return -EINVAL;

	memset(cfg, 0, sizeof(*cfg));
	define(cfg, UVF_PCI_VENDOR_ID, 2, ids->vendor_id, 0, 0);
	define(cfg, UVF_PCI_DEVICE_ID, 2, ids->device_id, 0, 0);
	/* Command bits become writable as BARs appear (add_bar). */
	define(cfg, UVF_PCI_COMMAND, 2, 0,
	       UVF_PCI_COMMAND_MASTER | UVF_PCI_COMMAND_INTX_DISABLE, 0);
	define(cfg, UVF_PCI_STATUS, 2, 0, 0, UVF_PCI_STATUS_ERRORS);
	/* Class code is the upper three bytes of the dword at 0x08. */
	define(cfg, UVF_PCI_REVISION_ID, 4,
	       ids->class_code << 8 | ids->revision, 0, 0);
	define(cfg, UVF_PCI_CACHE_LINE_SIZE, 1, 0, 0xff, 0);
	define(cfg, UVF_PCI_HEADER_TYPE, 1, UVF_PCI_HEADER_TYPE_NORMAL, 0, 0);
	define(cfg, UVF_PCI_SUBSYSTEM_VENDOR_ID, 2, ids->subsystem_vendor_id,
	       0, 0);
	define(cfg, UVF_PCI_SUBSYSTEM_ID, 2, ids->subsystem_id, 0, 0);
	define(cfg, UVF_PCI_INTERRUPT_LINE, 1, 0, 0xff, 0);
	define(cfg, UVF_PCI_INTERRUPT_PIN, 1, ids->interrupt_pin, 0, 0);
	return 0;
}

int uvf_pci_config_add_bar(struct uvf_pci_config *cfg, unsigned int index,
			   uint64_t size, uint32_t flags)
{
	const uint32_t known = UVF_PCI_BAR_IO | UVF_PCI_BAR_MEM64 |
			       UVF_PCI_BAR_PREFETCH;
	unsigned int off = UVF_PCI_BASE_ADDRESS_0 + 4 * index;
	bool io = flags & UVF_PCI_BAR_IO, mem64 = flags & UVF_PCI_BAR_MEM64;
	uint32_t type, lowbits;
	uint8_t slots;

	if ((flags & ~known) || index >= UVF_PCI_CONFIG_NR_BARS)
		return -EINVAL;
	if (size == 0 || (size & (size - 1)))
		return -EINVAL;
	if (io) {
		if ((flags & (UVF_PCI_BAR_MEM64 | UVF_PCI_BAR_PREFETCH)) ||
		    size < 4 || size > 256)
			return -EINVAL;
	} else {
		/* A 32-bit BAR needs bit 31 writable at least; 4 GiB would
		 * leave no address bits and read as an absent BAR. */
		if (size < 16 || size > (mem64 ? 1ull << 63 : 1ull << 31))
			return -EINVAL;
	}
	if (mem64 && index == UVF_PCI_CONFIG_NR_BARS - 1)
		return -EINVAL;
	slots = (mem64 ? 3u : 1u) << index;
	if (cfg->bar_used & slots)
		return -EINVAL;

	if (io) {
		type = UVF_PCI_BASE_ADDRESS_SPACE_IO;
		lowbits = UVF_PCI_BASE_ADDRESS_IO_FLAGS;
	} else {
		type = (mem64 ? UVF_PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
		       (flags & UVF_PCI_BAR_PREFETCH ?
			UVF_PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
		lowbits = UVF_PCI_BASE_ADDRESS_MEM_FLAGS;
	}
	/* Address bits below the size are hardwired to 0: that is what makes
	 * an all-ones write read back as ~(size - 1). */
	define(cfg, off, 4, type, (uint32_t)~(size - 1) & ~lowbits, 0);
	if (mem64)
		define(cfg, off + 4, 4, 0, (uint32_t)(~(size - 1) >> 32), 0);
	set_rw_bits(cfg, UVF_PCI_COMMAND,
		    io ? UVF_PCI_COMMAND_IO : UVF_PCI_COMMAND_MEMORY);

	cfg->bar_size[index] = size;
	cfg->bar_flags[index] = flags;
	cfg->bar_used |= slots;
	return 0;
}

/* The dwords [off, off + len) as bits of cap_dwords (len <= 0x3c, so the
 * mask fits; the range is checked to end by 0x100 before use). */
static uint64_t cap_dwords(unsigned int off, unsigned int len)
{
	return ((1ull << (len / 4)) - 1) << (off / 4);
}

/* Can a capability of `len` bytes go at `off`? */
static bool cap_slot_ok(const struct uvf_pci_config *cfg, unsigned int off,
			unsigned int len)
{
	if (off % 4 || off < UVF_PCI_STD_HEADER_SIZEOF ||
	    off >= UVF_PCI_CFG_SPACE_SIZE || len > UVF_PCI_CFG_SPACE_SIZE - off)
		return false;
	return !(cfg->cap_dwords & cap_dwords(off, len));
}

/* Claim the space and append the capability to the chain. */
static void link_cap(struct uvf_pci_config *cfg, unsigned int off,
		     unsigned int len, uint8_t id)
{
	cfg->cap_dwords |= cap_dwords(off, len);
	define(cfg, off + UVF_PCI_CAP_LIST_ID, 1, id, 0, 0);
	define(cfg, off + UVF_PCI_CAP_LIST_NEXT, 1, 0, 0, 0);
	if (cfg->last_cap) {
		define(cfg, cfg->last_cap + UVF_PCI_CAP_LIST_NEXT, 1, off, 0, 0);
	} else {
		define(cfg, UVF_PCI_CAPABILITY_LIST, 1, off, 0, 0);
		set_ro_bits(cfg, UVF_PCI_STATUS, UVF_PCI_STATUS_CAP_LIST);
	}
	cfg->last_cap = off;
}

int uvf_pci_config_add_cap_pm(struct uvf_pci_config *cfg, unsigned int offset)
{
	unsigned int o = offset;

	if (cfg->pm_off || !cap_slot_ok(cfg, o, UVF_PCI_PM_SIZEOF))
		return -EINVAL;
	link_cap(cfg, o, UVF_PCI_PM_SIZEOF, UVF_PCI_CAP_ID_PM);
	/* Version 1.2, no PME from any state, no D1/D2, no aux current. */
	define(cfg, o + UVF_PCI_PM_PMC, 2, UVF_PCI_PM_CAP_VER_1_2, 0, 0);
	/* PME_Status/PME_En stay 0: without PME support both are RO 0. */
	define(cfg, o + UVF_PCI_PM_CTRL, 2, UVF_PCI_PM_CTRL_NO_SOFT_RESET,
	       UVF_PCI_PM_CTRL_STATE_MASK, 0);
	cfg->pm_off = o;
	return 0;
}

/* Is [off, off + len) of BAR `bar` a valid home for an MSI-X structure? */
static bool msix_area_ok(const struct uvf_pci_config *cfg, unsigned int bar,
			 uint32_t off, uint64_t len)
{
	/* The upper half of a 64-bit BAR has no size, so it fails here too. */
	if (bar >= UVF_PCI_CONFIG_NR_BARS || !cfg->bar_size[bar] ||
	    (cfg->bar_flags[bar] & UVF_PCI_BAR_IO))
		return false;
	/* The low 3 bits of the register hold the BIR (QWORD alignment). */
	return !(off & UVF_PCI_MSIX_BIR_MASK) && len <= cfg->bar_size[bar] &&
	       off <= cfg->bar_size[bar] - len;
}

int uvf_pci_config_add_cap_msix(struct uvf_pci_config *cfg, unsigned int offset,
				const struct uvf_pci_msix_params *p)
{
	unsigned int o = offset;
	uint64_t table_len, pba_len;

	if (cfg->msix_off || !cap_slot_ok(cfg, o, UVF_PCI_MSIX_SIZEOF))
		return -EINVAL;
	if (p->nr_vectors < 1 || p->nr_vectors > UVF_PCI_MSIX_MAX_VECTORS)
		return -EINVAL;
	table_len = (uint64_t)p->nr_vectors * UVF_PCI_MSIX_ENTRY_SIZE;
	pba_len = (p->nr_vectors + 63) / 64 * 8;
	if (!msix_area_ok(cfg, p->table_bar, p->table_offset, table_len) ||
	    !msix_area_ok(cfg, p->pba_bar, p->pba_offset, pba_len))
		return -EINVAL;
	if (p->table_bar == p->pba_bar &&
	    p->table_offset < p->pba_offset + pba_len &&
	    p->pba_offset < p->table_offset + table_len)
		return -EINVAL;

	link_cap(cfg, o, UVF_PCI_MSIX_SIZEOF, UVF_PCI_CAP_ID_MSIX);
	define(cfg, o + UVF_PCI_MSIX_FLAGS, 2, p->nr_vectors - 1,
	       UVF_PCI_MSIX_FLAGS_ENABLE | UVF_PCI_MSIX_FLAGS_MASKALL, 0);
	define(cfg, o + UVF_PCI_MSIX_TABLE, 4, p->table_offset | p->table_bar,
	       0, 0);
	define(cfg, o + UVF_PCI_MSIX_PBA, 4, p->pba_offset | p->pba_bar, 0, 0);
	cfg->msix_off = o;
	return 0;
}

int uvf_pci_config_add_cap_exp(struct uvf_pci_config *cfg, unsigned int offset,
			       uint32_t flags)
{
	unsigned int o = offset;
	bool flr = flags & UVF_PCI_EXP_FLR;

	if ((flags & ~UVF_PCI_EXP_FLR) || cfg->exp_off ||
	    !cap_slot_ok(cfg, o, UVF_PCI_EXP_SIZEOF_V2))
		return -EINVAL;
	link_cap(cfg, o, UVF_PCI_EXP_SIZEOF_V2, UVF_PCI_CAP_ID_EXP);
	/* Everything not defined below (slot and root registers, DevCap2 and
	 * so DevCtl2) stays 0: an endpoint with no optional features. */
	define(cfg, o + UVF_PCI_EXP_FLAGS, 2,
	       2 | UVF_PCI_EXP_TYPE_ENDPOINT << 4, 0, 0);
	define(cfg, o + UVF_PCI_EXP_DEVCAP, 4,
	       UVF_PCI_EXP_DEVCAP_RBER | (flr ? UVF_PCI_EXP_DEVCAP_FLR : 0),
	       0, 0);
	/* Max payload is RO 0 (128 B is all we support); ext tag, phantom
	 * functions and aux power are unsupported, hence RO 0; Initiate FLR
	 * is not stored (it reads 0), write() reports it.  Defaults per spec:
	 * relaxed ordering and no snoop enabled, 512 B read requests. */
	define(cfg, o + UVF_PCI_EXP_DEVCTL, 2,
	       UVF_PCI_EXP_DEVCTL_RELAX_EN | UVF_PCI_EXP_DEVCTL_NOSNOOP_EN |
	       UVF_PCI_EXP_DEVCTL_READRQ_512B,
	       UVF_PCI_EXP_DEVCTL_CERE | UVF_PCI_EXP_DEVCTL_NFERE |
	       UVF_PCI_EXP_DEVCTL_FERE | UVF_PCI_EXP_DEVCTL_URRE |
	       UVF_PCI_EXP_DEVCTL_RELAX_EN | UVF_PCI_EXP_DEVCTL_NOSNOOP_EN |
	       UVF_PCI_EXP_DEVCTL_READRQ, 0);
	define(cfg, o + UVF_PCI_EXP_DEVSTA, 2, 0, 0,
	       UVF_PCI_EXP_DEVSTA_CED | UVF_PCI_EXP_DEVSTA_NFED |
	       UVF_PCI_EXP_DEVSTA_FED | UVF_PCI_EXP_DEVSTA_URD);
	/* A Gen1 x1 link without ASPM: the least a VMM can find odd. */
	define(cfg, o + UVF_PCI_EXP_LNKCAP, 4,
	       UVF_PCI_EXP_LNKCAP_SLS_2_5GB | UVF_PCI_EXP_LNKCAP_MLW_X1 |
	       UVF_PCI_EXP_LNKCAP_ASPM_COMP, 0, 0);
	define(cfg, o + UVF_PCI_EXP_LNKCTL, 2, 0,
	       UVF_PCI_EXP_LNKCTL_ASPMC | UVF_PCI_EXP_LNKCTL_RCB |
	       UVF_PCI_EXP_LNKCTL_CCC | UVF_PCI_EXP_LNKCTL_ES, 0);
	define(cfg, o + UVF_PCI_EXP_LNKSTA, 2,
	       UVF_PCI_EXP_LNKSTA_CLS_2_5GB | UVF_PCI_EXP_LNKSTA_NLW_X1, 0, 0);
	define(cfg, o + UVF_PCI_EXP_LNKCAP2, 4, UVF_PCI_EXP_LNKCAP2_SLS_2_5GB,
	       0, 0);
	define(cfg, o + UVF_PCI_EXP_LNKCTL2, 2, UVF_PCI_EXP_LNKCTL2_TLS_2_5GT,
	       UVF_PCI_EXP_LNKCTL2_TLS, 0);
	cfg->exp_off = o;
	cfg->exp_flags = flags;
	return 0;
}

void uvf_pci_config_set_notify(struct uvf_pci_config *cfg,
			       uvf_pci_config_notify_fn fn, void *opaque)
{
	cfg->notify = fn;
	cfg->notify_opaque = fn ? opaque : NULL;
}

/* ---- Serving the region -------------------------------------------------- */

uint32_t uvf_pci_config_size(const struct uvf_pci_config *cfg)
{
	return cfg->exp_off ? UVF_PCI_CFG_SPACE_EXP_SIZE : UVF_PCI_CFG_SPACE_SIZE;
}

static bool in_range(const struct uvf_pci_config *cfg, uint64_t off,
		     size_t len)
{
	uint32_t size = uvf_pci_config_size(cfg);

	return len >= 1 && off < size && len <= size - off;
}

int uvf_pci_config_read(const struct uvf_pci_config *cfg, uint64_t off,
			void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	if (!in_range(cfg, off, len))
		return -EINVAL;
	/* Byte by byte: byte-exact for any alignment by construction, and
	 * config reads are rare enough that speed does not matter. */
	for (i = 0; i < len; i++) {
		unsigned int o = (unsigned int)(off + i);	/* < 4096 */

		p[i] = o < UVF_PCI_CFG_SPACE_SIZE ? reg(cfg, o, 1) : 0;
	}
	return 0;
}

static void write_byte(struct uvf_pci_config *cfg, unsigned int off,
		       uint8_t data)
{
	unsigned int d = off / 4, shift = off % 4 * 8;
	uint32_t v = (uint32_t)data << shift;
	uint32_t wm = cfg->wmask[d] & 0xffu << shift;
	uint32_t cm = cfg->w1cmask[d] & 0xffu << shift;

	cfg->regs[d] = ((cfg->regs[d] & ~wm) | (v & wm)) & ~(v & cm);
}

/* A write asking for D1/D2 is discarded (PCI PM 1.2): put the old state
 * back.  Both states share the field, so this runs after the bytes. */
static void keep_supported_pm_state(struct uvf_pci_config *cfg,
				    const uint32_t *old)
{
	unsigned int o = cfg->pm_off + UVF_PCI_PM_CTRL;
	uint32_t m = (uint32_t)UVF_PCI_PM_CTRL_STATE_MASK << (o % 4 * 8);
	uint32_t st;

	if (!cfg->pm_off)
		return;
	st = reg(cfg, o, 2) & UVF_PCI_PM_CTRL_STATE_MASK;
	if (st != UVF_PCI_D0 && st != UVF_PCI_D3HOT)
		cfg->regs[o / 4] = (cfg->regs[o / 4] & ~m) | (old[o / 4] & m);
}

/* Did the write set Initiate FLR on a function that advertises FLR? */
static bool flr_requested(const struct uvf_pci_config *cfg, uint64_t off,
			  const uint8_t *p, size_t len)
{
	/* Bit 15 of DevCtl is bit 7 of its upper byte. */
	unsigned int b = cfg->exp_off + UVF_PCI_EXP_DEVCTL + 1;

	if (!cfg->exp_off || !(cfg->exp_flags & UVF_PCI_EXP_FLR))
		return false;
	return b >= off && b - off < len &&
	       (p[b - off] & UVF_PCI_EXP_DEVCTL_BCR_FLR >> 8);
}

/* The notify bits for everything that differs between `old` and now. */
static uint32_t changes(const struct uvf_pci_config *cfg, const uint32_t *old)
{
	static const struct {
		uint16_t bit;
		uint32_t changed;
	} cmd[] = {
		{ UVF_PCI_COMMAND_IO, UVF_PCI_CONFIG_CHANGED_IO },
		{ UVF_PCI_COMMAND_MEMORY, UVF_PCI_CONFIG_CHANGED_MEMORY },
		{ UVF_PCI_COMMAND_MASTER, UVF_PCI_CONFIG_CHANGED_BUS_MASTER },
		{ UVF_PCI_COMMAND_INTX_DISABLE,
		  UVF_PCI_CONFIG_CHANGED_INTX_DISABLE },
	};
	uint32_t c = 0, diff;
	unsigned int i;

	diff = get(old, UVF_PCI_COMMAND, 2) ^ reg(cfg, UVF_PCI_COMMAND, 2);
	for (i = 0; i < sizeof(cmd) / sizeof(cmd[0]); i++)
		if (diff & cmd[i].bit)
			c |= cmd[i].changed;

	for (i = 0; i < UVF_PCI_CONFIG_NR_BARS; i++) {
		unsigned int d = UVF_PCI_BASE_ADDRESS_0 / 4 + i;

		if (old[d] == cfg->regs[d])
			continue;
		/* Only implemented slots are writable; a sizeless one is the
		 * upper half of the 64-bit BAR below it. */
		c |= UVF_PCI_CONFIG_CHANGED_BAR(cfg->bar_size[i] ? i : i - 1);
	}

	if (cfg->msix_off) {
		unsigned int o = cfg->msix_off + UVF_PCI_MSIX_FLAGS;

		diff = get(old, o, 2) ^ reg(cfg, o, 2);
		if (diff & UVF_PCI_MSIX_FLAGS_ENABLE)
			c |= UVF_PCI_CONFIG_CHANGED_MSIX_ENABLE;
		if (diff & UVF_PCI_MSIX_FLAGS_MASKALL)
			c |= UVF_PCI_CONFIG_CHANGED_MSIX_MASK;
	}
	if (cfg->pm_off) {
		unsigned int o = cfg->pm_off + UVF_PCI_PM_CTRL;

		diff = get(old, o, 2) ^ reg(cfg, o, 2);
		if (diff & UVF_PCI_PM_CTRL_STATE_MASK)
			c |= UVF_PCI_CONFIG_CHANGED_PM_STATE;
	}
	return c;
}

int uvf_pci_config_write(struct uvf_pci_config *cfg, uint64_t off,
			 const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t old[NR_DWORDS];
	uint32_t changed;
	size_t i;

	if (!in_range(cfg, off, len))
		return -EINVAL;
	memcpy(old, cfg->regs, sizeof(old));
	/* Every mask is per bit, so applying the bytes one at a time gives
	 * exactly what one wide write would.  Extended space ignores writes. */
	for (i = 0; i < len && off + i < UVF_PCI_CFG_SPACE_SIZE; i++)
		write_byte(cfg, (unsigned int)(off + i), p[i]);
	keep_supported_pm_state(cfg, old);

	changed = changes(cfg, old);
	if (flr_requested(cfg, off, p, len))
		changed |= UVF_PCI_CONFIG_CHANGED_FLR;
	/* Last: the callback may reset or otherwise change *cfg. */
	if (changed && cfg->notify)
		cfg->notify(cfg, changed, cfg->notify_opaque);
	return 0;
}

int uvf_pci_config_find_cap(const struct uvf_pci_config *cfg, uint8_t id)
{
	unsigned int off = reg(cfg, UVF_PCI_CAPABILITY_LIST, 1);
	unsigned int n;

	/* The chain is ours and read-only, but bound the walk anyway: at most
	 * 48 capabilities fit in 0x40..0xff. */
	for (n = 0; off && n < 48; n++) {
		if (reg(cfg, off + UVF_PCI_CAP_LIST_ID, 1) == id)
			return (int)off;
		off = reg(cfg, off + UVF_PCI_CAP_LIST_NEXT, 1);
	}
	return -ENOENT;
}

/* ---- Device side ---------------------------------------------------------- */

static bool command_bit(const struct uvf_pci_config *cfg, uint32_t bit)
{
	return reg(cfg, UVF_PCI_COMMAND, 2) & bit;
}

bool uvf_pci_config_io_enabled(const struct uvf_pci_config *cfg)
{
	return command_bit(cfg, UVF_PCI_COMMAND_IO);
}

bool uvf_pci_config_memory_enabled(const struct uvf_pci_config *cfg)
{
	return command_bit(cfg, UVF_PCI_COMMAND_MEMORY);
}

bool uvf_pci_config_bus_master_enabled(const struct uvf_pci_config *cfg)
{
	return command_bit(cfg, UVF_PCI_COMMAND_MASTER);
}

bool uvf_pci_config_intx_disabled(const struct uvf_pci_config *cfg)
{
	return command_bit(cfg, UVF_PCI_COMMAND_INTX_DISABLE);
}

static bool msix_bit(const struct uvf_pci_config *cfg, uint32_t bit)
{
	return cfg->msix_off &&
	       (reg(cfg, cfg->msix_off + UVF_PCI_MSIX_FLAGS, 2) & bit);
}

bool uvf_pci_config_msix_enabled(const struct uvf_pci_config *cfg)
{
	return msix_bit(cfg, UVF_PCI_MSIX_FLAGS_ENABLE);
}

bool uvf_pci_config_msix_function_masked(const struct uvf_pci_config *cfg)
{
	return msix_bit(cfg, UVF_PCI_MSIX_FLAGS_MASKALL);
}

unsigned int uvf_pci_config_pm_state(const struct uvf_pci_config *cfg)
{
	if (!cfg->pm_off)
		return UVF_PCI_D0;
	return reg(cfg, cfg->pm_off + UVF_PCI_PM_CTRL, 2) &
	       UVF_PCI_PM_CTRL_STATE_MASK;
}

uint64_t uvf_pci_config_bar_address(const struct uvf_pci_config *cfg,
				    unsigned int index)
{
	unsigned int off = UVF_PCI_BASE_ADDRESS_0 + 4 * index;
	uint64_t addr;

	if (index >= UVF_PCI_CONFIG_NR_BARS || !cfg->bar_size[index])
		return 0;
	if (cfg->bar_flags[index] & UVF_PCI_BAR_IO)
		return reg(cfg, off, 4) & ~UVF_PCI_BASE_ADDRESS_IO_FLAGS;
	addr = reg(cfg, off, 4) & ~UVF_PCI_BASE_ADDRESS_MEM_FLAGS;
	if (cfg->bar_flags[index] & UVF_PCI_BAR_MEM64)
		addr |= (uint64_t)reg(cfg, off + 4, 4) << 32;
	return addr;
}

void uvf_pci_config_set_intx_status(struct uvf_pci_config *cfg, bool pending)
{
	uint32_t bit = (uint32_t)UVF_PCI_STATUS_INTERRUPT << 16;

	if (pending)
		cfg->regs[STATUS_DWORD] |= bit;
	else
		cfg->regs[STATUS_DWORD] &= ~bit;
}

int uvf_pci_config_raise_status(struct uvf_pci_config *cfg, uint16_t bits)
{
	if (bits & ~UVF_PCI_STATUS_ERRORS)
		return -EINVAL;
	cfg->regs[STATUS_DWORD] |= (uint32_t)bits << 16;
	return 0;
}

void uvf_pci_config_reset(struct uvf_pci_config *cfg)
{
	memcpy(cfg->regs, cfg->reset, sizeof(cfg->regs));
}

/* ---- Migration ------------------------------------------------------------ */

static uint32_t crc32_ieee(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	unsigned int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

ssize_t uvf_pci_config_save(const struct uvf_pci_config *cfg, void *buf,
			    size_t len)
{
	uint8_t *p = buf;
	unsigned int i;

	if (len < UVF_PCI_CONFIG_STATE_SIZE)
		return -ENOSPC;
	uvf_le_put32(p, STATE_MAGIC);
	uvf_le_put32(p + 4, STATE_VERSION);
	uvf_le_put32(p + 8, UVF_PCI_CONFIG_STATE_SIZE);
	for (i = 0; i < NR_DWORDS; i++) {
		uvf_le_put32(p + STATE_IMAGE + 4 * i, cfg->regs[i]);
		uvf_le_put32(p + STATE_WMASK + 4 * i, cfg->wmask[i]);
	}
	uvf_le_put32(p + STATE_CRC, crc32_ieee(p, STATE_CRC));
	return UVF_PCI_CONFIG_STATE_SIZE;
}

int uvf_pci_config_restore(struct uvf_pci_config *cfg, const void *buf,
			   size_t len)
{
	const uint8_t *p = buf;
	uint32_t img[NR_DWORDS];
	unsigned int i;

	if (len != UVF_PCI_CONFIG_STATE_SIZE ||
	    uvf_le_get32(p) != STATE_MAGIC || uvf_le_get32(p + 4) != STATE_VERSION ||
	    uvf_le_get32(p + 8) != UVF_PCI_CONFIG_STATE_SIZE ||
	    uvf_le_get32(p + STATE_CRC) != crc32_ieee(p, STATE_CRC))
		return -EINVAL;

	/* Same write masks and same read-only bits means the blob came from a
	 * function built like this one; only the interrupt status bit may
	 * differ outside the masks, the device drives it. */
	for (i = 0; i < NR_DWORDS; i++) {
		uint32_t ro = ~(cfg->wmask[i] | cfg->w1cmask[i]);

		if (i == STATUS_DWORD)
			ro &= ~((uint32_t)UVF_PCI_STATUS_INTERRUPT << 16);
		img[i] = uvf_le_get32(p + STATE_IMAGE + 4 * i);
		if (uvf_le_get32(p + STATE_WMASK + 4 * i) != cfg->wmask[i] ||
		    ((img[i] ^ cfg->regs[i]) & ro))
			return -EINVAL;
	}
	/* The one stored value a write could never produce. */
	if (cfg->pm_off) {
		uint32_t st = get(img, cfg->pm_off + UVF_PCI_PM_CTRL, 2) &
			      UVF_PCI_PM_CTRL_STATE_MASK;

		if (st != UVF_PCI_D0 && st != UVF_PCI_D3HOT)
			return -EINVAL;
	}
	memcpy(cfg->regs, img, sizeof(img));
	return 0;
}
