/* The mem test device: one plain memory region (memfd-backed so a client
 * can mmap it) and one INTx-style IRQ.  It is the target of protocol tests
 * and benchmarks, and migratable (STOP_COPY, P2P, PRE_COPY) through the
 * device-memory stream of migration/memstream.h.
 *
 * Keys: size=BYTES (default 1M, a multiple of 4K, at most 64G),
 * resume_cap=BYTES (largest resume image accepted, default the core's). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/le.h"
#include "devices/devices.h"
#include "migration/fsm.h"
#include "migration/memsession.h"

/* Stream device id "mem0" and the device blob: u32 magic "MEMB",
 * u32 version, u64 memory size (little-endian).  The device has no
 * registers; the blob carries its geometry so a loader can refuse an
 * image of a differently shaped mem device twice over. */
#define MEM_STREAM_ID	0x306d656du
#define MEM_BLOB_MAGIC	0x424d454du
#define MEM_BLOB_VER	1u
#define MEM_BLOB_SIZE	16u

struct mem_dev {
	uint8_t *mem;
	size_t size;
	int fd;
	struct uvf_memsession ms;		/* the migration data session */
};

static void build_blob(const struct mem_dev *m, uint8_t blob[MEM_BLOB_SIZE])
{
	uvf_le_put(blob, MEM_BLOB_MAGIC, 4);
	uvf_le_put(blob + 4, MEM_BLOB_VER, 4);
	uvf_le_put(blob + 8, m->size, 8);
}

static int check_blob(void *arg, const void *blob, size_t len)
{
	const struct mem_dev *m = arg;
	const uint8_t *b = blob;

	if (len != MEM_BLOB_SIZE || uvf_le_get(b, 4) != MEM_BLOB_MAGIC ||
	    uvf_le_get(b + 4, 4) != MEM_BLOB_VER || uvf_le_get(b + 8, 8) != m->size)
		return -EINVAL;
	return 0;
}

/* ---- migration ----------------------------------------------------------- */

/* The device has no DMA engine and raises no interrupt on its own, so
 * there is nothing to drain on stop or p2p and nothing to restart on start.
 * Stopping out of pre-copy is where the final image is decided. */
static int mem_stop(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to)
{
	struct mem_dev *m = uvf_device_priv(dev);
	uint8_t blob[MEM_BLOB_SIZE];

	(void)to;
	if (!uvf_mig_state_is_precopy(from))
		return 0;
	build_blob(m, blob);
	return uvf_memsession_final(&m->ms, blob);
}

static int mem_nop(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to)
{
	(void)dev;
	(void)from;
	(void)to;
	return 0;
}

static struct uvf_memsession *ms_of(struct uvf_device *dev)
{
	return &((struct mem_dev *)uvf_device_priv(dev))->ms;
}

static int mem_save_begin(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to)
{
	struct mem_dev *m = uvf_device_priv(dev);
	uint8_t blob[MEM_BLOB_SIZE];

	(void)from;
	/* STOP->STOP_COPY: the memory is frozen, the image is final. */
	build_blob(m, blob);
	return uvf_memsession_save(&m->ms, uvf_mig_state_is_precopy(to), blob);
}

static int mem_resume_begin(struct uvf_device *dev, enum uvf_mig_state from,
			    enum uvf_mig_state to)
{
	(void)from;
	(void)to;
	return uvf_memsession_resume(ms_of(dev));
}

/* RESUMING->STOP: validate the whole image, then apply it.  IRQ wiring
 * and masks are external state (SET_IRQS) and stay as they are. */
static int mem_resume_end(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to)
{
	struct mem_dev *m = uvf_device_priv(dev);

	(void)from;
	(void)to;
	return uvf_memsession_apply(&m->ms, check_blob, m, NULL);
}

static long mem_save_data(struct uvf_device *dev, void *buf, size_t len, const void **ref,
			  size_t *ref_len)
{
	return uvf_memsession_read(ms_of(dev), buf, len, ref, ref_len);
}

static int mem_resume_data(struct uvf_device *dev, const void *buf, size_t len)
{
	return uvf_memsession_write(ms_of(dev), buf, len);
}

static int mem_data_size(struct uvf_device *dev, uint64_t *bytes)
{
	*bytes = uvf_memsession_size(ms_of(dev));
	return 0;
}

static int mem_precopy_info(struct uvf_device *dev, uint64_t *initial, uint64_t *dirty)
{
	return uvf_memsession_precopy_info(ms_of(dev), initial, dirty);
}

static void mem_session_end(struct uvf_device *dev)
{
	uvf_memsession_end(ms_of(dev));
}

static const struct uvf_mig_ops mem_mig_ops = {
	.flags = UVF_VFIO_MIGRATION_STOP_COPY | UVF_VFIO_MIGRATION_P2P |
		 UVF_VFIO_MIGRATION_PRE_COPY,
	.stop = mem_stop,
	.start = mem_nop,
	.p2p = mem_nop,
	.save_begin = mem_save_begin,
	.save_end = mem_nop,		/* the stream goes in session_end */
	.resume_begin = mem_resume_begin,
	.resume_end = mem_resume_end,
	.save_data_ref = mem_save_data,
	.resume_data = mem_resume_data,
	.data_size = mem_data_size,
	.precopy_info = mem_precopy_info,
	.session_end = mem_session_end,
};

/* ---- device ---------------------------------------------------------------- */

static int mem_reset(struct uvf_device *dev)
{
	(void)dev;	/* memory keeps its contents, like device RAM */
	return 0;
}

static void mem_destroy(struct uvf_device *dev)
{
	struct mem_dev *m = uvf_device_priv(dev);

	uvf_memsession_end(&m->ms);
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
	uint64_t size = 1 << 20, cap = 0;
	int ret;

	if (uvf_devargs_get(a, "size") && uvf_parse_size(uvf_devargs_get(a, "size"), &size))
		return -EINVAL;
	if (size == 0 || size > (64ull << 30) || (size & 4095))
		return -EINVAL;
	if (uvf_devargs_get(a, "resume_cap") &&
	    (uvf_parse_size(uvf_devargs_get(a, "resume_cap"), &cap) || cap == 0))
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
	m->ms = (struct uvf_memsession){ .dev = dev, .mem = m->mem, .size = size,
					 .stream_id = MEM_STREAM_ID, .blob_len = MEM_BLOB_SIZE };
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
					      UVF_VFIO_IRQ_INFO_AUTOMASKED)) ||
	    (ret = uvf_device_set_migration(dev, &mem_mig_ops))) {
		uvf_device_destroy(dev);	/* frees m through mem_destroy */
		return ret;
	}
	if (cap)
		uvf_device_set_resume_cap(dev, cap);
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
