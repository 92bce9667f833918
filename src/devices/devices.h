/* Device types the daemon can create from a --device argument. */
#ifndef UVF_DEVICES_DEVICES_H
#define UVF_DEVICES_DEVICES_H

#include <uvfio/device.h>

/* A parsed "TYPE,key=value,..." argument. */
struct uvf_devargs {
	char *type;
	unsigned n;
	char *keys[16], *vals[16];
};

int uvf_devargs_parse(const char *arg, struct uvf_devargs *out);
void uvf_devargs_free(struct uvf_devargs *a);
const char *uvf_devargs_get(const struct uvf_devargs *a, const char *key);
/* Size with an optional K/M/G suffix. */
int uvf_parse_size(const char *s, uint64_t *out);

/* mem: one plain read/write region of size= bytes (memfd-backed,
 * mmap-able, sparse-mmap cap), one INTx-style IRQ; migratable. */
int uvf_mem_device_create(struct uvf_loop *loop, const struct uvf_devargs *a,
			  struct uvf_device **out);

/* ccw-dasd: an FBA disk (image=FILE, blocks=N, blksize=B) behind a
 * simulated subchannel (devno=0.0.XXXX), served as a vfio-ccw device. */
int uvf_ccw_device_create(struct uvf_loop *loop, const struct uvf_devargs *a,
			  struct uvf_device **out);

/* pci-dma: a PCI function with a DMA copy engine and mem=BYTES of device
 * memory in BAR2, MSI-X/INTx, migratable with pre-copy and the region-remap
 * IRQ (<uvfio/pci-dma.h>); keys mem=, remap_timeout_ms=, resume_cap=. */
int uvf_pci_dma_device_create(struct uvf_loop *loop, const struct uvf_devargs *a,
			      struct uvf_device **out);

#endif
