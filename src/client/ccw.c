/* Client-side helper for vfio-ccw devices: guest memory, eventfds, the I/O
 * and async regions, and Linux-style FBA channel programs. */
#include <uvfio/client.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <uvfio/css.h>
#include <uvfio/vfio-user.h>

#include "client/client_impl.h"

/* Format-1 CCW at guest offset off. */
static void ccw1(uint8_t *g, size_t off, uint8_t cmd, uint8_t flags, uint16_t count, uint32_t cda)
{
	uvf_css_ccw1_put(g + off, cmd, flags, count, cda);
}

int uvf_client_ccw_open(struct uvf_client *c, size_t guest_mem, struct uvf_client_ccw *cc)
{
	int r;

	memset(cc, 0, sizeof(*cc));
	cc->c = c;
	cc->io_efd = cc->crw_efd = cc->req_efd = -1;
	cc->mem.fd = -1;
	if ((r = uvf_client_mem_alloc(guest_mem, &cc->mem)))
		return r;
	if ((r = uvf_client_dma_map(c, UVF_CLIENT_CCW_IOVA, guest_mem,
				    UVF_VU_DMA_MAP_F_READ | UVF_VU_DMA_MAP_F_WRITE, cc->mem.fd, 0,
				    cc->mem.ptr)) ||
	    (r = uvf_client_irq_eventfd(c, UVF_VFIO_CCW_IO_IRQ_INDEX, 0, &cc->io_efd)) ||
	    (r = uvf_client_irq_eventfd(c, UVF_VFIO_CCW_CRW_IRQ_INDEX, 0, &cc->crw_efd)) ||
	    (r = uvf_client_irq_eventfd(c, UVF_VFIO_CCW_REQ_IRQ_INDEX, 0, &cc->req_efd)))
		goto err;
	cc->async_index = uvf_client_find_region(c, UVF_VFIO_REGION_TYPE_CCW,
						 UVF_VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD);
	cc->schib_index = uvf_client_find_region(c, UVF_VFIO_REGION_TYPE_CCW,
						 UVF_VFIO_REGION_SUBTYPE_CCW_SCHIB);
	cc->crw_index = uvf_client_find_region(c, UVF_VFIO_REGION_TYPE_CCW,
					       UVF_VFIO_REGION_SUBTYPE_CCW_CRW);
	if (cc->async_index < 0) {
		r = -ENODEV;
		goto err;
	}
	return 0;
err:
	uvf_client_ccw_close(cc);
	return r;
}

void uvf_client_ccw_close(struct uvf_client_ccw *cc)
{
	if (cc->io_efd >= 0)
		close(cc->io_efd);
	if (cc->crw_efd >= 0)
		close(cc->crw_efd);
	if (cc->req_efd >= 0)
		close(cc->req_efd);
	cc->io_efd = cc->crw_efd = cc->req_efd = -1;
	uvf_client_mem_free(&cc->mem);
}

int uvf_client_ccw_start(struct uvf_client_ccw *cc, const uint8_t orb[12])
{
	uint8_t io[UVF_CCW_IO_REGION_SIZE] = { 0 };

	memcpy(io + UVF_CCW_IO_ORB_OFF, orb, UVF_CCW_ORB_AREA_SIZE);
	uvf_css_put_be16(io + UVF_CCW_IO_SCSW_OFF + 2, 0x4000);	/* FC start */
	return uvf_client_region_write(cc->c, UVF_VFIO_CCW_CONFIG_REGION_INDEX, 0, io, sizeof(io));
}

static int async_cmd(struct uvf_client_ccw *cc, uint32_t cmd)
{
	uint8_t r[UVF_CCW_CMD_REGION_SIZE] = { 0 };

	memcpy(r, &cmd, 4);
	return uvf_client_region_write(cc->c, (unsigned)cc->async_index, 0, r, sizeof(r));
}

int uvf_client_ccw_halt(struct uvf_client_ccw *cc)
{
	return async_cmd(cc, UVF_VFIO_CCW_ASYNC_CMD_HSCH);
}

int uvf_client_ccw_clear(struct uvf_client_ccw *cc)
{
	return async_cmd(cc, UVF_VFIO_CCW_ASYNC_CMD_CSCH);
}

int uvf_client_ccw_read_irb(struct uvf_client_ccw *cc, uint8_t irb[96])
{
	return uvf_client_region_read(cc->c, UVF_VFIO_CCW_CONFIG_REGION_INDEX, UVF_CCW_IO_IRB_OFF,
				      irb, UVF_CCW_IRB_AREA_SIZE);
}

int uvf_client_ccw_wait_irb(struct uvf_client_ccw *cc, uint8_t irb[96], int timeout_ms)
{
	struct pollfd p = { .fd = cc->io_efd, .events = POLLIN };
	uint64_t v;
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0)
		return -errno;
	if (read(cc->io_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return uvf_client_ccw_read_irb(cc, irb);
}

/* Guest memory layout of uvf_client_ccw_fba_rw: CCWs at 0, DE data at
 * 0x800, Locate data at 0x810, data buffer from 0x1000. */
int uvf_client_ccw_fba_rw(struct uvf_client_ccw *cc, bool write, uint32_t block,
			  uint32_t count, void *buf, uint8_t *irb_out)
{
	uint8_t *g = cc->mem.ptr, orb[12] = { 0 }, irb[96];
	const uint32_t base = (uint32_t)UVF_CLIENT_CCW_IOVA, bs = cc->blksize ? cc->blksize : 512;
	size_t len = (size_t)count * bs;
	uint32_t n;
	int r;

	if (!count || count > 96 || 0x1000 + len > cc->mem.size)
		return -EINVAL;
	/* Define Extent: mask, block size, locator = first block, 0..count-1. */
	memset(g + 0x800, 0, 16);
	g[0x800] = write ? 0x00 : 0x40;
	uvf_css_put_be16(g + 0x802, (uint16_t)bs);
	uvf_css_put_be32(g + 0x804, block);
	uvf_css_put_be32(g + 0x80c, count - 1);
	/* Locate: op write-verify / read, count, logical block 0. */
	memset(g + 0x810, 0, 8);
	g[0x810] = write ? 0x05 : 0x06;
	uvf_css_put_be16(g + 0x812, (uint16_t)count);
	ccw1(g, 0, 0x63, 0x40, 16, base + 0x800);
	ccw1(g, 8, 0x43, 0x40, 8, base + 0x810);
	/* One data CCW per block, data-chained (fba-disk.md §4.1). */
	for (n = 0; n < count; n++)
		ccw1(g, 16 + 8 * n, write ? 0x41 : 0x42, n + 1 < count ? 0x80 : 0, (uint16_t)bs,
		     base + 0x1000 + n * bs);
	if (write)
		memcpy(g + 0x1000, buf, len);
	uvf_css_put_be32(orb, 0x12345678);
	uvf_css_put_be16(orb + 4, 0x0080 | 0x0040 | 0x0002);	/* format 1, prefetch, 64-bit IDAWs */
	orb[6] = 0xff;
	uvf_css_put_be32(orb + 8, base);
	if ((r = uvf_client_ccw_start(cc, orb)))
		return r;
	/* Wait for the final status (intermediate ones are read past). */
	for (;;) {
		if ((r = uvf_client_ccw_wait_irb(cc, irb, 10000)))
			return r;
		/* ctrl: not intermediate-only (status pending with primary). */
		if ((irb[3] & 0x04) || (irb[3] & 0x10) || !(irb[2] & 0x70))
			break;
	}
	if (irb_out)
		memcpy(irb_out, irb, 96);
	/* Success is exactly CE|DE and no channel status. */
	if (irb[8] != 0x0c || irb[9] != 0)
		return -EIO;
	if (!write)
		memcpy(buf, g + 0x1000, len);
	return 0;
}
