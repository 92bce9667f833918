/* SPDX-License-Identifier: MIT */
/*
 * The pci-dma device: a PCI function with a DMA copy engine, device memory
 * in BAR2, MSI-X and INTx, migratable with pre-copy (contract and register
 * layout: <uvfio/pci-dma.h>).  This file builds the function and serves
 * its regions and life cycle; dma_irq.c delivers interrupts, dma_engine.c
 * copies, dma_mig.c migrates, remap.c runs the region-remap handshake.
 *
 * Keys: mem=BYTES (BAR2 memory, a power of two 4K..1G, default 1M),
 * remap_timeout_ms=MS (how long entering PRE_COPY waits for the VMM's
 * remap acknowledgement, default 2000), resume_cap=BYTES.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/devices.h"
#include "core/le.h"
#include "migration/fsm.h"
#include "migration/memstream.h"
#include "pci/pci_dma.h"

#define MEM_REGION	UVF_VFIO_PCI_BAR2_REGION_INDEX
#define NR_IRQS		(UVF_PDMA_REMAP_IRQ + 1)

static void set_lo(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffull) | v;
}

static void set_hi(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffull) | (uint64_t)v << 32;
}

bool uvf_pdma_bars_decode(struct uvf_pdma *p)
{
	return uvf_pci_config_memory_enabled(&p->cfg) &&
	       uvf_pci_config_pm_state(&p->cfg) == UVF_PCI_D0 &&
	       !uvf_mig_state_is_stopped(uvf_device_mig_state(p->dev));
}

/* ---- BAR0: registers ----------------------------------------------------------- */

/* The register at `off`: its value, or false when no register lives there. */
static bool reg_read(struct uvf_pdma *p, uint32_t off, uint32_t *v)
{
	const struct uvf_pdma_regs *r = &p->r;

	switch (off) {
	case UVF_PDMA_REG_ID: *v = UVF_PDMA_ID_VALUE; break;
	case UVF_PDMA_REG_VERSION: *v = UVF_PDMA_VERSION_VALUE; break;
	case UVF_PDMA_REG_CAPS:
		*v = UVF_PDMA_CAPS_SINGLE | UVF_PDMA_CAPS_RING | UVF_PDMA_RING_MAX_LOG2 << 16;
		break;
	case UVF_PDMA_REG_MEM_SIZE_LO: *v = (uint32_t)p->mem_size; break;
	case UVF_PDMA_REG_MEM_SIZE_HI: *v = (uint32_t)(p->mem_size >> 32); break;
	case UVF_PDMA_REG_SCRATCH: *v = r->scratch; break;
	case UVF_PDMA_REG_CTRL: *v = r->ctrl; break;
	case UVF_PDMA_REG_STATUS: *v = r->status; break;
	case UVF_PDMA_REG_ERR_CODE: *v = r->err_code; break;
	case UVF_PDMA_REG_ERR_ADDR_LO: *v = (uint32_t)r->err_addr; break;
	case UVF_PDMA_REG_ERR_ADDR_HI: *v = (uint32_t)(r->err_addr >> 32); break;
	case UVF_PDMA_REG_BYTES_LO: *v = (uint32_t)r->bytes; break;
	case UVF_PDMA_REG_BYTES_HI: *v = (uint32_t)(r->bytes >> 32); break;
	case UVF_PDMA_REG_INT_STATUS: *v = r->int_status; break;
	case UVF_PDMA_REG_INT_MASK: *v = r->int_mask; break;
	case UVF_PDMA_REG_INT_SET: *v = 0; break;
	case UVF_PDMA_REG_SD_SRC_LO: *v = (uint32_t)r->sd_src; break;
	case UVF_PDMA_REG_SD_SRC_HI: *v = (uint32_t)(r->sd_src >> 32); break;
	case UVF_PDMA_REG_SD_DST_LO: *v = (uint32_t)r->sd_dst; break;
	case UVF_PDMA_REG_SD_DST_HI: *v = (uint32_t)(r->sd_dst >> 32); break;
	case UVF_PDMA_REG_SD_LEN: *v = r->sd_len; break;
	case UVF_PDMA_REG_SD_FLAGS: *v = r->sd_flags; break;
	case UVF_PDMA_REG_SD_DOORBELL: *v = 0; break;
	case UVF_PDMA_REG_SD_STATUS: *v = r->sd_status; break;
	case UVF_PDMA_REG_RING_BASE_LO: *v = (uint32_t)r->ring_base; break;
	case UVF_PDMA_REG_RING_BASE_HI: *v = (uint32_t)(r->ring_base >> 32); break;
	case UVF_PDMA_REG_RING_SIZE: *v = r->ring_size; break;
	case UVF_PDMA_REG_RING_HEAD: *v = r->ring_head; break;
	case UVF_PDMA_REG_RING_TAIL: *v = r->ring_tail; break;
	case UVF_PDMA_REG_RING_DONE: *v = r->ring_done; break;
	default: return false;
	}
	return true;
}

static void reg_write(struct uvf_pdma *p, uint32_t off, uint32_t v)
{
	struct uvf_pdma_regs *r = &p->r;
	uint32_t newly;

	switch (off) {
	case UVF_PDMA_REG_SCRATCH: r->scratch = v; break;
	case UVF_PDMA_REG_CTRL: uvf_pdma_engine_ctrl(p, v); break;
	case UVF_PDMA_REG_INT_STATUS:
		r->int_status &= ~v;
		uvf_pdma_irq_update(p, false);
		break;
	case UVF_PDMA_REG_INT_MASK:
		/* A cause already set when it is unmasked interrupts now. */
		newly = r->int_mask & ~v & r->int_status;
		r->int_mask = v & UVF_PDMA_INT_ALL;
		if (newly)
			uvf_pdma_irq_raise(p, newly);
		else
			uvf_pdma_irq_update(p, false);
		break;
	case UVF_PDMA_REG_INT_SET: uvf_pdma_irq_raise(p, v); break;
	case UVF_PDMA_REG_SD_SRC_LO: set_lo(&r->sd_src, v); break;
	case UVF_PDMA_REG_SD_SRC_HI: set_hi(&r->sd_src, v); break;
	case UVF_PDMA_REG_SD_DST_LO: set_lo(&r->sd_dst, v); break;
	case UVF_PDMA_REG_SD_DST_HI: set_hi(&r->sd_dst, v); break;
	case UVF_PDMA_REG_SD_LEN: r->sd_len = v; break;
	case UVF_PDMA_REG_SD_FLAGS: r->sd_flags = v; break;
	case UVF_PDMA_REG_SD_DOORBELL: uvf_pdma_engine_sd_doorbell(p); break;
	case UVF_PDMA_REG_RING_BASE_LO: set_lo(&r->ring_base, v); break;
	case UVF_PDMA_REG_RING_BASE_HI: set_hi(&r->ring_base, v); break;
	case UVF_PDMA_REG_RING_SIZE: r->ring_size = v; break;
	case UVF_PDMA_REG_RING_TAIL: uvf_pdma_engine_ring_tail(p, v); break;
	default: break;	/* read-only or nothing there: ignored */
	}
}

/* One dword of the MSI-X table or PBA; false when `off` is neither. */
static bool msix_access(struct uvf_pdma *p, uint32_t off, uint32_t *v, bool write)
{
	const uint32_t table_end = UVF_PDMA_MSIX_TABLE + sizeof(p->msix_table);

	if (off >= UVF_PDMA_MSIX_TABLE && off < table_end) {
		uint8_t *e = p->msix_table + (off - UVF_PDMA_MSIX_TABLE);

		/* The VMM emulates the table; a copy forwarded to us is kept
		 * as plain storage and has no effect on delivery. */
		if (write)
			uvf_le_put32(e, *v);
		else
			*v = uvf_le_get32(e);
		return true;
	}
	if (off == UVF_PDMA_MSIX_PBA || off == UVF_PDMA_MSIX_PBA + 4) {
		if (!write)
			*v = off == UVF_PDMA_MSIX_PBA ? p->r.pba : 0;
		return true;	/* the PBA is read-only */
	}
	return false;
}

static int bar0_access(struct uvf_pdma *p, uint64_t off, uint8_t *buf, uint32_t count, bool write)
{
	bool decode = uvf_pdma_bars_decode(p);
	/* MSI-X structures are the VMM's: they keep working while stopped. */
	bool msix_decode = uvf_pci_config_memory_enabled(&p->cfg) &&
			   uvf_pci_config_pm_state(&p->cfg) == UVF_PCI_D0;

	if (off % 4 || count % 4) {
		/* Not a run of dwords: an unsupported request. */
		if (!write)
			memset(buf, 0xff, count);
		return 0;
	}
	for (uint32_t i = 0; i < count; i += 4) {
		uint32_t o = (uint32_t)off + i, v = write ? uvf_le_get32(buf + i) : 0;
		bool ok;

		if (o >= UVF_PDMA_MSIX_TABLE) {
			ok = msix_decode && msix_access(p, o, &v, write);
		} else if (!decode) {
			ok = false;
		} else if (write) {
			reg_write(p, o, v);
			ok = true;
		} else {
			ok = reg_read(p, o, &v);
		}
		if (!write)
			uvf_le_put32(buf + i, ok ? v : 0xffffffffu);
	}
	return 0;
}

static int bar0_read(struct uvf_device *dev, unsigned index, uint64_t off, void *buf,
		     uint32_t count)
{
	(void)index;
	return bar0_access(uvf_pdma_of(dev), off, buf, count, false);
}

static int bar0_write(struct uvf_device *dev, unsigned index, uint64_t off, const void *buf,
		      uint32_t count)
{
	(void)index;
	return bar0_access(uvf_pdma_of(dev), off, (uint8_t *)buf, count, true);
}

static const struct uvf_region_ops bar0_ops = { .read = bar0_read, .write = bar0_write };

/* ---- BAR2: device memory ---------------------------------------------------------- */

static int mem_read(struct uvf_device *dev, unsigned index, uint64_t off, void *buf,
		    uint32_t count)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	(void)index;
	if (uvf_pdma_bars_decode(p))
		memcpy(buf, p->mem + off, count);
	else
		memset(buf, 0xff, count);
	return 0;
}

static int mem_write(struct uvf_device *dev, unsigned index, uint64_t off, const void *buf,
		     uint32_t count)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	(void)index;
	if (uvf_pdma_bars_decode(p))
		memcpy(p->mem + off, buf, count);
	return 0;
}

static const struct uvf_region_ops mem_ops = { .read = mem_read, .write = mem_write };

int uvf_pdma_set_mem_layout(struct uvf_pdma *p, bool mmap_on)
{
	struct uvf_region r = {
		.size = p->mem_size,
		.flags = UVF_VFIO_REGION_INFO_FLAG_READ | UVF_VFIO_REGION_INFO_FLAG_WRITE,
		.ops = &mem_ops,
		.fd = p->mem_fd,
	};
	int ret;

	if (mmap_on) {
		r.flags |= UVF_VFIO_REGION_INFO_FLAG_MMAP;
		r.nr_sparse = 1;
		r.sparse[0] = (struct uvf_sparse_area){ 0, p->mem_size };
	}
	ret = uvf_device_set_region(p->dev, MEM_REGION, &r);
	if (!ret)
		p->mmap_off = !mmap_on;
	return ret;
}

/* ---- config space ----------------------------------------------------------------- */

static int cfg_read(struct uvf_device *dev, unsigned index, uint64_t off, void *buf,
		    uint32_t count)
{
	(void)index;
	return count ? uvf_pci_config_read(&uvf_pdma_of(dev)->cfg, off, buf, count) : 0;
}

static int cfg_write(struct uvf_device *dev, unsigned index, uint64_t off, const void *buf,
		     uint32_t count)
{
	(void)index;
	return count ? uvf_pci_config_write(&uvf_pdma_of(dev)->cfg, off, buf, count) : 0;
}

static const struct uvf_region_ops cfg_ops = { .read = cfg_read, .write = cfg_write };

void uvf_pdma_regs_reset(struct uvf_pdma *p)
{
	uvf_pdma_engine_reset(p);	/* drops a transfer under way */
	memset(&p->r, 0, sizeof(p->r));
	memset(p->msix_table, 0, sizeof(p->msix_table));
	/* Every vector starts masked (MSI-X: Vector Control bit 0). */
	for (unsigned v = 0; v < UVF_PDMA_NR_VECTORS; v++)
		p->msix_table[v * 16 + 12] = 1;
	p->intx_asserted = false;
}

/* A conventional/function level reset: registers, config space. */
static void function_reset(struct uvf_pdma *p)
{
	uvf_pdma_regs_reset(p);
	uvf_pci_config_reset(&p->cfg);
}

static void cfg_changed(struct uvf_pci_config *cfg, uint32_t changed, void *opaque)
{
	struct uvf_pdma *p = opaque;
	enum uvf_mig_state st = uvf_device_mig_state(p->dev);

	(void)cfg;
	if (changed & UVF_PCI_CONFIG_CHANGED_FLR) {
		/* Internal state may not change while the device is stopped or
		 * quiesced for migration: an FLR there is refused. */
		if (uvf_mig_state_is_running(st)) {
			function_reset(p);
			return;
		}
		uvf_log(UVF_LOG_WARN, p->dev, "FLR ignored in migration state %s",
			uvf_mig_state_name(st));
	}
	if (changed & (UVF_PCI_CONFIG_CHANGED_MSIX_ENABLE | UVF_PCI_CONFIG_CHANGED_MSIX_MASK |
		       UVF_PCI_CONFIG_CHANGED_INTX_DISABLE))
		uvf_pdma_irq_update(p, false);
	if (changed & UVF_PCI_CONFIG_CHANGED_BUS_MASTER)
		uvf_pdma_engine_kick(p);
}

static int build_config(struct uvf_pdma *p)
{
	const struct uvf_pci_ids ids = {
		.vendor_id = UVF_PDMA_VENDOR_ID,
		.device_id = UVF_PDMA_DEVICE_ID,
		.subsystem_vendor_id = UVF_PDMA_SUBSYS_VENDOR_ID,
		.subsystem_id = UVF_PDMA_SUBSYS_ID,
		.revision = UVF_PDMA_REVISION,
		.class_code = UVF_PDMA_CLASS,
		.interrupt_pin = 1,
	};
	const struct uvf_pci_msix_params msix = {
		.nr_vectors = UVF_PDMA_NR_VECTORS,
		.table_bar = 0, .table_offset = UVF_PDMA_MSIX_TABLE,
		.pba_bar = 0, .pba_offset = UVF_PDMA_MSIX_PBA,
	};
	int r;

	if ((r = uvf_pci_config_init(&p->cfg, &ids)) ||
	    (r = uvf_pci_config_add_bar(&p->cfg, 0, UVF_PDMA_BAR0_SIZE, 0)) ||
	    (r = uvf_pci_config_add_bar(&p->cfg, 2, p->mem_size,
					UVF_PCI_BAR_MEM64 | UVF_PCI_BAR_PREFETCH)) ||
	    (r = uvf_pci_config_add_cap_pm(&p->cfg, UVF_PDMA_CAP_PM)) ||
	    (r = uvf_pci_config_add_cap_msix(&p->cfg, UVF_PDMA_CAP_MSIX, &msix)) ||
	    (r = uvf_pci_config_add_cap_exp(&p->cfg, UVF_PDMA_CAP_EXP, UVF_PCI_EXP_FLR)))
		return r;
	uvf_pci_config_set_notify(&p->cfg, cfg_changed, p);
	return 0;
}

/* ---- life cycle --------------------------------------------------------------------- */

/* Bring BAR2's mmap back if pre-copy took it away, and tell the VMM. */
static void restore_layout(struct uvf_pdma *p)
{
	uvf_remap_cancel(&p->remap);
	if (!p->mmap_off)
		return;
	if (uvf_pdma_set_mem_layout(p, true)) {
		uvf_log(UVF_LOG_ERROR, p->dev, "cannot restore BAR2's mmap layout");
		return;
	}
	uvf_remap_change(&p->remap, 1u << MEM_REGION, NULL);
}

static int pdma_reset(struct uvf_device *dev)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	/* The core already ended any migration session; the state is
	 * RUNNING again, so the engine may run. */
	restore_layout(p);
	p->run.quiesced = false;
	p->run.drained = NULL;
	uvf_pdma_mig_reset(p);
	if (p->detaching) {
		/* The client went away: keep the device's state for the next
		 * one (vfio-user §9); only its interrupt wiring is gone. */
		p->detaching = false;
		p->intx_asserted = false;
		return 0;
	}
	function_reset(p);
	return 0;
}

static void pdma_attach(struct uvf_device *dev)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	if (uvf_remap_attach(&p->remap))
		uvf_log(UVF_LOG_ERROR, dev, "cannot declare the remap IRQ");
	/* Pre-copy needs the VMM to give up its BAR2 mapping on request; a
	 * client that cannot be asked gets stop-copy migration only. */
	if (!uvf_remap_negotiated(&p->remap))
		uvf_device_set_mig_flags(dev, UVF_VFIO_MIGRATION_STOP_COPY |
					      UVF_VFIO_MIGRATION_P2P);
}

static void pdma_detach(struct uvf_device *dev)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	/* Its DMA maps are about to go: a transfer under way cannot finish.
	 * The cancelled message steps must not drive a migration walk (the
	 * core ends it with the reset that follows). */
	uvf_pdma_engine_abort(p);
	p->run.drained = NULL;
	p->detaching = true;
}

static int pdma_feature(struct uvf_device *dev, uint32_t feature, uint32_t op, const void *in,
			size_t in_len, void *out, size_t out_cap, size_t *out_len)
{
	return uvf_remap_feature(&uvf_pdma_of(dev)->remap, feature, op, in, in_len, out, out_cap,
				 out_len);
}

static void pdma_destroy(struct uvf_device *dev)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	uvf_remap_cancel(&p->remap);
	uvf_pdma_mig_reset(p);
	uvf_pdma_engine_destroy(p);
	munmap(p->mem, p->mem_size);
	close(p->mem_fd);
	free(p);
}

static const struct uvf_device_ops pdma_ops = {
	.reset = pdma_reset,
	.attach = pdma_attach,
	.detach = pdma_detach,
	.irq_unmasked = uvf_pdma_irq_unmasked,
	.feature = pdma_feature,
	.destroy = pdma_destroy,
};

/* ---- creation ------------------------------------------------------------------------ */

struct pdma_args {
	uint64_t mem, timeout_ms, resume_cap;
};

static int parse_args(const struct uvf_devargs *a, struct pdma_args *out)
{
	static const char *const known[] = { "socket", "mem", "remap_timeout_ms", "resume_cap" };
	const char *v;

	*out = (struct pdma_args){ .mem = UVF_PDMA_MEM_DEFAULT,
				   .timeout_ms = UVF_REMAP_DEFAULT_TIMEOUT_MS };
	for (unsigned i = 0; i < a->n; i++) {
		bool ok = false;

		for (unsigned k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			ok |= !strcmp(a->keys[i], known[k]);
		if (!ok)
			return -EINVAL;
	}
	if ((v = uvf_devargs_get(a, "mem")) && uvf_parse_size(v, &out->mem))
		return -EINVAL;
	if (out->mem < UVF_PDMA_MEM_MIN || out->mem > UVF_PDMA_MEM_MAX ||
	    (out->mem & (out->mem - 1)))
		return -EINVAL;
	if ((v = uvf_devargs_get(a, "remap_timeout_ms")) &&
	    (uvf_parse_size(v, &out->timeout_ms) || !out->timeout_ms ||
	     out->timeout_ms > 600000))
		return -EINVAL;
	if ((v = uvf_devargs_get(a, "resume_cap")) &&
	    (uvf_parse_size(v, &out->resume_cap) || !out->resume_cap))
		return -EINVAL;
	return 0;
}

static int setup(struct uvf_pdma *p, const struct pdma_args *a)
{
	const struct uvf_region bar0 = {
		.size = UVF_PDMA_BAR0_SIZE,
		.flags = UVF_VFIO_REGION_INFO_FLAG_READ | UVF_VFIO_REGION_INFO_FLAG_WRITE,
		.ops = &bar0_ops, .fd = -1,
	};
	const struct uvf_region cfg = {
		.size = uvf_pci_config_size(&p->cfg),
		.flags = UVF_VFIO_REGION_INFO_FLAG_READ | UVF_VFIO_REGION_INFO_FLAG_WRITE,
		.ops = &cfg_ops, .fd = -1,
	};
	uint64_t full = uvf_memstream_full_size(p->mem_size, UVF_PDMA_BLOB_SIZE);
	int r;

	if ((r = uvf_device_set_region(p->dev, UVF_VFIO_PCI_BAR0_REGION_INDEX, &bar0)) ||
	    (r = uvf_pdma_set_mem_layout(p, true)) ||
	    (r = uvf_device_set_region(p->dev, UVF_VFIO_PCI_CONFIG_REGION_INDEX, &cfg)) ||
	    (r = uvf_pdma_engine_init(p)) ||
	    (r = uvf_device_set_migration(p->dev, &uvf_pdma_mig_ops)))
		return r;
	uvf_pdma_irq_declare(p);
	uvf_remap_init(&p->remap, p->dev, UVF_PDMA_REMAP_IRQ, a->timeout_ms);
	if ((r = uvf_remap_attach(&p->remap)))
		return r;
	/* Pre-copy may send pages more than once: allow a few full images. */
	uvf_device_set_resume_cap(p->dev, a->resume_cap ? a->resume_cap
				  : (4 * full > (1ull << 30) ? 4 * full : 1ull << 30));
	uvf_pdma_regs_reset(p);
	return 0;
}

int uvf_pci_dma_device_create(struct uvf_loop *loop, const struct uvf_devargs *a,
			      struct uvf_device **out)
{
	struct pdma_args args;
	struct uvf_pdma *p;
	int r;

	if ((r = parse_args(a, &args)))
		return r;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->mem_size = args.mem;
	p->mem_fd = memfd_create("uvfio-pci-dma", MFD_CLOEXEC);
	if (p->mem_fd < 0 || ftruncate(p->mem_fd, (off_t)p->mem_size) < 0) {
		r = -errno;
		goto err_fd;
	}
	p->mem = mmap(NULL, p->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->mem_fd, 0);
	if (p->mem == MAP_FAILED) {
		r = -errno;
		goto err_fd;
	}
	if ((r = build_config(p)))
		goto err_map;
	r = uvf_device_create(loop, "pci-dma", UVF_VFIO_DEVICE_FLAGS_PCI |
			      UVF_VFIO_DEVICE_FLAGS_RESET, UVF_VFIO_PCI_NUM_REGIONS, NR_IRQS,
			      &pdma_ops, p, &p->dev);
	if (r)
		goto err_map;
	p->ms = (struct uvf_memsession){ .dev = p->dev, .mem = p->mem, .size = p->mem_size,
					 .stream_id = UVF_PDMA_STREAM_ID,
					 .blob_len = UVF_PDMA_BLOB_SIZE };
	if ((r = setup(p, &args))) {
		uvf_device_destroy(p->dev);	/* frees p through pdma_destroy */
		return r;
	}
	*out = p->dev;
	return 0;
err_map:
	munmap(p->mem, p->mem_size);
err_fd:
	if (p->mem_fd >= 0)
		close(p->mem_fd);
	free(p);
	return r;
}
