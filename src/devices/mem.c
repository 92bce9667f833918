/* The mem test device: one plain memory region (memfd-backed so a client
 * can mmap it) and one INTx-style IRQ.  It is the target of protocol tests
 * and benchmarks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/devices.h"

struct mem_dev {
	uint8_t *mem;
	size_t size;
	int fd;
};

static int mem_reset(struct uvf_device *dev)
{
	(void)dev;	/* memory keeps its contents, like device RAM */
	return 0;
}

static void mem_destroy(struct uvf_device *dev)
{
	struct mem_dev *m = uvf_device_priv(dev);

	munmap(m->mem, m->size);
	close(m->fd);
	free(m);
}

static const struct uvf_device_ops mem_ops = {
	.reset = mem_reset,
	.destroy = mem_destroy,
};

int uvf_mem_device_create(struct uvf_loop *loop, const struct uvf_devargs *a,
			  struct uvf_device **out)
{
	struct uvf_region r = { .fd = -1 };
	struct uvf_device *dev;
	struct mem_dev *m;
	uint64_t size = 1 << 20;
	int ret;

	if (uvf_devargs_get(a, "size") && uvf_parse_size(uvf_devargs_get(a, "size"), &size))
		return -EINVAL;
	if (size == 0 || size > (64ull << 30) || (size & 4095))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->size = size;
	m->fd = memfd_create("uvfio-mem", MFD_CLOEXEC);
	if (m->fd < 0 || ftruncate(m->fd, (off_t)size) < 0) {
		ret = -errno;
		goto err_fd;
	}
	m->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->mem == MAP_FAILED) {
		ret = -errno;
		goto err_fd;
	}
	if ((ret = uvf_device_create(loop, "mem", UVF_VFIO_DEVICE_FLAGS_RESET, 1, 1, &mem_ops, m,
				     &dev)))
		goto err_map;
	r.size = size;
	r.flags = UVF_VFIO_REGION_INFO_FLAG_READ | UVF_VFIO_REGION_INFO_FLAG_WRITE |
		  UVF_VFIO_REGION_INFO_FLAG_MMAP;
	r.mem = m->mem;
	r.fd = m->fd;
	r.nr_sparse = 1;
	r.sparse[0] = (struct uvf_sparse_area){ 0, size };
	if ((ret = uvf_device_set_region(dev, 0, &r)) ||
	    (ret = uvf_device_set_irq(dev, 0, 1, UVF_VFIO_IRQ_INFO_EVENTFD |
					      UVF_VFIO_IRQ_INFO_MASKABLE |
					      UVF_VFIO_IRQ_INFO_AUTOMASKED))) {
		uvf_device_destroy(dev);	/* frees m through mem_destroy */
		return ret;
	}
	*out = dev;
	return 0;
err_map:
	munmap(m->mem, size);
err_fd:
	if (m->fd >= 0)
		close(m->fd);
	free(m);
	return ret;
}
