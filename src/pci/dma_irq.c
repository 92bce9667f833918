/* SPDX-License-Identifier: MIT */
/*
 * pci-dma interrupt delivery: INT_STATUS/INT_MASK to MSI-X vectors or the
 * INTx level, as config space selects (<uvfio/pci-dma.h>).
 *
 * MSI-X is edge-like: every raise of an unmasked cause sends vector n.
 * While the Function Mask is set, or while the device is stopped for
 * migration, the message is held in the PBA and sent when both clear.
 * INTx is a level: asserted while an unmasked cause is set, MSI-X is off
 * and INTx Disable is clear.  VFIO's INTx is AUTOMASKED: the core masks the
 * vector when it fires and the VMM unmasks after the guest's EOI, so the
 * device signals on the rising edge of the level and again on an unmask
 * that finds the level still up.
 */
#include "pci/pci_dma.h"
#include "migration/fsm.h"

void uvf_pdma_irq_declare(struct uvf_pdma *p)
{
	const uint32_t ev = UVF_VFIO_IRQ_INFO_EVENTFD;

	/* The counts and flags Linux vfio-pci reports for such a function. */
	uvf_device_set_irq(p->dev, UVF_VFIO_PCI_INTX_IRQ_INDEX, 1,
			   ev | UVF_VFIO_IRQ_INFO_MASKABLE | UVF_VFIO_IRQ_INFO_AUTOMASKED);
	uvf_device_set_irq(p->dev, UVF_VFIO_PCI_MSI_IRQ_INDEX, 0, ev | UVF_VFIO_IRQ_INFO_NORESIZE);
	uvf_device_set_irq(p->dev, UVF_VFIO_PCI_MSIX_IRQ_INDEX, UVF_PDMA_NR_VECTORS,
			   ev | UVF_VFIO_IRQ_INFO_NORESIZE);
	uvf_device_set_irq(p->dev, UVF_VFIO_PCI_ERR_IRQ_INDEX, 1, ev | UVF_VFIO_IRQ_INFO_NORESIZE);
	uvf_device_set_irq(p->dev, UVF_VFIO_PCI_REQ_IRQ_INDEX, 1, ev | UVF_VFIO_IRQ_INFO_NORESIZE);
}

/* A stopped device raises nothing; what it owes is kept for the start. */
static bool can_signal(struct uvf_pdma *p)
{
	return !uvf_mig_state_is_stopped(uvf_device_mig_state(p->dev));
}

static void msix_send(struct uvf_pdma *p, uint32_t causes)
{
	for (unsigned v = 0; v < UVF_PDMA_NR_VECTORS; v++) {
		if (!(causes & 1u << v))
			continue;
		if (!can_signal(p) || uvf_pci_config_msix_function_masked(&p->cfg))
			p->r.pba |= 1u << v;
		else
			uvf_irq_trigger(p->dev, UVF_VFIO_PCI_MSIX_IRQ_INDEX, v);
	}
}

static void intx_update(struct uvf_pdma *p)
{
	bool msix = uvf_pci_config_msix_enabled(&p->cfg);
	bool level = (p->r.int_status & ~p->r.int_mask) != 0 && !msix;
	bool assert = level && !uvf_pci_config_intx_disabled(&p->cfg);

	/* The status bit shows the level whatever INTx Disable says. */
	uvf_pci_config_set_intx_status(&p->cfg, level);
	if (!can_signal(p))
		return;		/* the edge, if any, is seen at the start */
	if (assert && !p->intx_asserted)
		uvf_irq_trigger(p->dev, UVF_VFIO_PCI_INTX_IRQ_INDEX, 0);
	p->intx_asserted = assert;
}

void uvf_pdma_irq_raise(struct uvf_pdma *p, uint32_t causes)
{
	causes &= UVF_PDMA_INT_ALL;
	p->r.int_status |= causes;
	if (uvf_pci_config_msix_enabled(&p->cfg))
		msix_send(p, causes & ~p->r.int_mask);
	intx_update(p);
}

void uvf_pdma_irq_update(struct uvf_pdma *p, bool resend)
{
	if (resend)
		p->intx_asserted = false;
	if (p->r.pba && can_signal(p) && uvf_pci_config_msix_enabled(&p->cfg) &&
	    !uvf_pci_config_msix_function_masked(&p->cfg)) {
		uint32_t pend = p->r.pba;

		p->r.pba = 0;
		msix_send(p, pend);
	}
	intx_update(p);
}

void uvf_pdma_irq_unmasked(struct uvf_device *dev, unsigned index, unsigned vector)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	(void)vector;
	/* Still asserted after the EOI: interrupt again, unless the core just
	 * replayed a pending one (which masked the vector again). */
	if (index == UVF_VFIO_PCI_INTX_IRQ_INDEX && p->intx_asserted &&
	    !uvf_irq_masked(dev, UVF_VFIO_PCI_INTX_IRQ_INDEX, 0))
		uvf_irq_trigger(dev, UVF_VFIO_PCI_INTX_IRQ_INDEX, 0);
}
