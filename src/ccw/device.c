/* The ccw-dasd device: a simulated FBA disk behind a simulated subchannel,
 * served through the vfio-ccw interface.  Life cycle, doorbells, guest
 * memory windows in channel storage, channel reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <uvfio/vfio-user.h>
#include <uvfio/vfio.h>

#include "ccw/arena.h"
#include "ccw/ccw.h"
#include "ccw/cp.h"
#include "devices/devices.h"

#define CCW_SCHNO	0
#define CCW_CHPID	0x10
#define CCW_ISC		3

void ccw_signal(struct ccw_dev *c, unsigned irq_index)
{
	int r = uvf_irq_trigger(c->dev, irq_index, 0);

	/* A stopped device raises nothing; the notification is owed and
	 * given when it runs again (mig.c), exactly once. */
	if (r == -ESHUTDOWN)
		c->owed |= 1u << irq_index;
	else if (r && r != -ENOENT)
		uvf_log(UVF_LOG_WARN, c->dev, "irq %u: %s", irq_index, strerror(-r));
}

int ccw_enable(struct ccw_dev *c, bool on)
{
	struct uvf_css_schib s;
	uint16_t flags;
	int cc;

	if ((cc = uvf_css_stsch(c->sch, &s)))
		return -ENODEV;
	flags = uvf_css_get_be16(s.pmcw.flags) & ~(UVF_CSS_PMCW_ENA | UVF_CSS_PMCW_ISC);
	if (on)
		flags |= UVF_CSS_PMCW_ENA | (CCW_ISC << UVF_CSS_PMCW_ISC_SHIFT);
	uvf_css_put_be16(s.pmcw.flags, flags);
	uvf_css_put_be32(s.pmcw.intparm, c->devno);
	cc = uvf_css_msch(c->sch, &s);
	/* Status pending (e.g. unsolicited, maybe arriving between our TSCH
	 * and MSCH): drop it and retry, a bounded number of times. */
	for (int tries = 0; cc == 1 && tries < 8; tries++) {
		struct uvf_css_irb irb;

		while (uvf_css_tsch(c->sch, &irb) == 0)
			c->status_dropped++;
		cc = uvf_css_msch(c->sch, &s);
	}
	return cc ? -ENODEV : 0;
}

/* ---- channel reports ---- */

void ccw_crw_push(struct ccw_dev *c, uint32_t crw)
{
	if (c->crw_count == CCW_CRW_FIFO) {
		c->crw_overflow = true;	/* the next one carries R */
		return;
	}
	if (c->crw_overflow) {
		crw |= UVF_CSS_CRW_R;
		c->crw_overflow = false;
	}
	c->crw[(c->crw_head + c->crw_count) % CCW_CRW_FIFO] = crw;
	c->crw_count++;
}

bool ccw_crw_pop(struct ccw_dev *c, uint32_t *crw)
{
	if (!c->crw_count)
		return false;
	*crw = c->crw[c->crw_head];
	c->crw_head = (c->crw_head + 1) % CCW_CRW_FIFO;
	c->crw_count--;
	return true;
}

static void drain_efd(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: rung and drained already */
	}
}

static void on_crw(struct uvf_loop *loop, int fd, unsigned events, void *arg)
{
	struct ccw_dev *c = arg;
	bool queued = false, gone = false;
	uint32_t crw;

	(void)loop;
	(void)events;
	drain_efd(fd);
	while (uvf_css_stcrw(c->css, &crw) == 0) {
		unsigned rsc = uvf_css_crw_rsc(crw);

		if (rsc == UVF_CSS_RSC_SCH && (crw & UVF_CSS_CRW_RSID_MASK) == CCW_SCHNO) {
			struct uvf_css_schib s;

			/* A subchannel report: is our device still there? */
			if (uvf_css_stsch(c->sch, &s) ||
			    !(uvf_css_get_be16(s.pmcw.flags) & UVF_CSS_PMCW_DNV))
				gone = true;
		} else if (rsc == UVF_CSS_RSC_CHP) {
			/* Path events go to the guest through the CRW region. */
			ccw_crw_push(c, crw);
			queued = true;
		}
	}
	if (queued)
		ccw_signal(c, UVF_VFIO_CCW_CRW_IRQ_INDEX);
	if (gone)
		ccw_fsm_event(c, UVF_CCW_EV_NOT_OPER);
}

static void on_doorbell(struct uvf_loop *loop, int fd, unsigned events, void *arg)
{
	struct ccw_dev *c = arg;

	(void)loop;
	(void)events;
	drain_efd(fd);
	ccw_fsm_event(c, UVF_CCW_EV_DOORBELL);
}

/* ---- guest memory windows ---- */

static int window_for(struct ccw_dev *c, uint64_t gaddr, uint64_t len, bool write,
		      uint64_t *css_addr)
{
	struct uvf_dma_map_info m;
	unsigned prot;
	int r;

	if ((r = uvf_dma_map_find(c->dev, gaddr, &m)))
		return r;
	if (len > m.size || gaddr - m.iova > m.size - len)
		return -EFAULT;	/* spans beyond one map */
	if (write && !(m.prot & UVF_VU_DMA_MAP_F_WRITE))
		return -EACCES;
	for (unsigned i = 0; i < c->nwin; i++)
		if (c->win[i].iova == m.iova) {
			*css_addr = c->win[i].css_addr + (gaddr - m.iova);
			return 0;
		}
	{
		struct ccw_window *w = realloc(c->win, sizeof(*w) * (c->nwin + 1));

		if (!w)
			return -ENOMEM;
		c->win = w;
	}
	prot = (m.prot & UVF_VU_DMA_MAP_F_READ ? UVF_CSS_PROT_READ : 0) |
	       (m.prot & UVF_VU_DMA_MAP_F_WRITE ? UVF_CSS_PROT_WRITE : 0);
	r = uvf_css_mem_map(c->css, UVF_CCW_WINDOW_BASE + m.iova, m.host, m.size, prot);
	if (r)
		return r;
	c->win[c->nwin++] = (struct ccw_window){ m.iova, m.size, UVF_CCW_WINDOW_BASE + m.iova };
	*css_addr = UVF_CCW_WINDOW_BASE + gaddr;
	return 0;
}

static int cp_window(void *ctx, uint64_t gaddr, uint64_t len, bool write, uint64_t *css_addr)
{
	return window_for(ctx, gaddr, len, write, css_addr);
}

/* Guest memory as the channel sees it: contiguous across adjacent DMA
 * maps (a CCW or IDAL may straddle two), each part readable. */
static int cp_read(void *ctx, uint64_t gaddr, void *buf, size_t len)
{
	struct ccw_dev *c = ctx;

	while (len) {
		struct uvf_dma_map_info m;
		size_t n;

		if (uvf_dma_map_find(c->dev, gaddr, &m))
			return -EFAULT;
		if (!(m.prot & UVF_VU_DMA_MAP_F_READ))
			return -EACCES;
		n = m.iova + m.size - gaddr < len ? (size_t)(m.iova + m.size - gaddr) : len;
		memcpy(buf, (uint8_t *)m.host + (gaddr - m.iova), n);
		buf = (uint8_t *)buf + n;
		gaddr += n;
		len -= n;
	}
	return 0;
}

int ccw_cp_env_build(struct ccw_dev *c, const uint8_t orb[UVF_CCW_ORB_AREA_SIZE],
		     struct uvf_ccw_cp **cp, struct uvf_css_orb *host_orb)
{
	struct uvf_ccw_cp_env env = {
		.ctx = c,
		.read = cp_read,
		.window = cp_window,
		.arena = c->arena,
		.intparm = c->devno,
		.scratch = &c->scratch,
	};

	return uvf_ccw_cp_build(orb, &env, cp, host_orb);
}

void ccw_windows_drop(struct ccw_dev *c, uint64_t iova, uint64_t size)
{
	unsigned keep = 0;

	for (unsigned i = 0; i < c->nwin; i++) {
		struct ccw_window *w = &c->win[i];

		if (w->iova < iova + size && iova < w->iova + w->size) {
			/* Waits for a transfer in progress; after it the channel
			 * can only get a program check from that memory. */
			uvf_css_mem_unmap(c->css, w->css_addr, w->size);
			continue;
		}
		c->win[keep++] = *w;
	}
	c->nwin = keep;
}

/* ---- device ops ---- */

static void ccw_attach(struct uvf_device *dev)
{
	struct ccw_dev *c = uvf_device_priv(dev);

	/* The last client's reset may still be quiescing (CLOSING ignores
	 * OPEN): open when it is done. */
	if (c->state == UVF_CCW_CLOSING) {
		c->reopen = true;
		return;
	}
	ccw_fsm_event(c, UVF_CCW_EV_OPEN);
}

static int ccw_reset(struct uvf_device *dev)
{
	struct ccw_dev *c = uvf_device_priv(dev);
	int r;

	/* CLOSE, then OPEN again if a client is there (the kernel's reset).
	 * Queued channel reports belong to the session being reset, whether
	 * or not the close has to wait. */
	c->crw_head = c->crw_count = 0;
	c->crw_overflow = false;
	c->owed = 0;
	c->reopen = uvf_device_connected(dev);
	if (c->state == UVF_CCW_CLOSING) {
		/* Already quiescing (a DMA unmap hit the running program, or
		 * the last client left): this reset ends with that close.  One
		 * client reset at a time can wait for it. */
		if (c->reopen && c->reset_parked)
			return -EBUSY;
		c->reset_parked = c->reopen;
		return -EINPROGRESS;
	}
	r = ccw_fsm_event(c, UVF_CCW_EV_CLOSE);
	if (r == -EINPROGRESS) {
		c->reset_parked = c->reopen;	/* a client's DEVICE_RESET waits */
		return r;
	}
	c->irb_pending = false;
	if (c->reopen && c->state == UVF_CCW_STANDBY) {
		c->reopen = false;
		return ccw_fsm_event(c, UVF_CCW_EV_OPEN);
	}
	c->reopen = false;
	return r;
}

static void ccw_dma_unmap(struct uvf_device *dev, uint64_t iova, uint64_t size)
{
	struct ccw_dev *c = uvf_device_priv(dev);

	/* Memory a running program uses goes away: reset, as the kernel does
	 * (the windows go first, so the channel cannot touch it meanwhile). */
	if (c->cp && uvf_ccw_cp_uses(c->cp, iova, size)) {
		uvf_log(UVF_LOG_WARN, dev, "DMA_UNMAP of 0x%llx+0x%llx used by the running "
			"channel program: device reset", (unsigned long long)iova,
			(unsigned long long)size);
		ccw_windows_drop(c, iova, size);
		c->reopen = uvf_device_connected(dev);
		ccw_fsm_event(c, UVF_CCW_EV_CLOSE);
		return;
	}
	ccw_windows_drop(c, iova, size);
}

static void ccw_destroy(struct uvf_device *dev)
{
	struct ccw_dev *c = uvf_device_priv(dev);

	if (c->timer)
		uvf_loop_del_timer(c->loop, c->timer);
	if (c->stop_timer)
		uvf_loop_del_timer(c->loop, c->stop_timer);
	if (c->start_timer)
		uvf_loop_del_timer(c->loop, c->start_timer);
	if (c->sch) {
		uvf_css_sch_set_doorbell(c->sch, -1);
		uvf_css_set_crw_doorbell(c->css, -1);
	}
	if (c->db_efd >= 0) {
		uvf_loop_del_fd(c->loop, c->db_efd);
		close(c->db_efd);
	}
	if (c->crw_efd >= 0) {
		uvf_loop_del_fd(c->loop, c->crw_efd);
		close(c->crw_efd);
	}
	/* Join the worker first (the channel is done with the program), free
	 * the program, then the arena, whose storage map lives in the css:
	 * the css goes last. */
	if (c->sch)
		uvf_css_sch_destroy(c->sch);
	if (c->cp) {
		if (c->chan_ref)
			uvf_ccw_cp_put(c->cp);
		uvf_ccw_cp_put(c->cp);
	}
	uvf_ccw_arena_destroy(c->arena);
	uvf_css_destroy(c->css);
	uvf_ccw_cp_scratch_free(&c->scratch);
	free(c->mig);
	free(c->win);
	free(c);
}

static const struct uvf_device_ops ccw_ops = {
	.reset = ccw_reset,
	.attach = ccw_attach,
	.dma_unmap = ccw_dma_unmap,
	.destroy = ccw_destroy,
};

static int parse_devno(const char *s, uint16_t *out)
{
	unsigned cssid, ssid, devno;
	char end;

	if (sscanf(s, "%x.%x.%x%c", &cssid, &ssid, &devno, &end) != 3 || cssid > 0xff ||
	    ssid > 3 || devno > 0xffff)
		return -EINVAL;
	*out = (uint16_t)devno;
	return 0;
}

int uvf_ccw_device_create(struct uvf_loop *loop, const struct uvf_devargs *a,
			  struct uvf_device **out)
{
	struct uvf_css_fba_config fc = { .blocks = 65536, .blksize = 512 };
	struct uvf_css_sch_config sc = { .pim = 0x80, .chpid = { CCW_CHPID } };
	const char *v;
	struct ccw_dev *c;
	struct uvf_css_fba *fba = NULL;
	char name[64];
	uint64_t n;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->db_efd = c->crw_efd = -1;
	c->loop = loop;
	c->devno = 0x1234;
	c->state = UVF_CCW_STANDBY;
	fc.path = uvf_devargs_get(a, "image");
	r = -EINVAL;
	if (!fc.path)
		goto err;
	if ((v = uvf_devargs_get(a, "blocks")) && (uvf_parse_size(v, &n) || !n || n > UINT32_MAX))
		goto err;
	else if (v)
		fc.blocks = (uint32_t)n;
	if ((v = uvf_devargs_get(a, "blksize")) &&
	    (uvf_parse_size(v, &n) || (n != 512 && n != 1024 && n != 2048 && n != 4096)))
		goto err;
	else if (v)
		fc.blksize = (uint16_t)n;
	if ((v = uvf_devargs_get(a, "devno")) && parse_devno(v, &c->devno))
		goto err;

	c->geometry = ((uint32_t)fc.blksize << 16) ^ fc.blocks;
	snprintf(name, sizeof(name), "ccw-dasd 0.0.%04x", c->devno);
	if ((r = uvf_device_create(loop, name, UVF_VFIO_DEVICE_FLAGS_CCW |
				   UVF_VFIO_DEVICE_FLAGS_RESET, 4, UVF_VFIO_CCW_NUM_IRQS,
				   &ccw_ops, c, &c->dev))) {
		free(c);
		return r;
	}
	/* From here on uvf_device_destroy() cleans up through ccw_destroy. */
	if ((r = uvf_css_create(&c->css, 0)) || (r = uvf_ccw_arena_create(c->css, &c->arena)) ||
	    (r = uvf_css_fba_open(&fc, &fba)))
		goto err_dev;
	sc.schno = CCW_SCHNO;
	sc.devno = c->devno;
	sc.ops = &uvf_css_fba_ops;
	sc.dev = fba;
	if ((r = uvf_css_sch_create(c->css, &sc, &c->sch))) {
		uvf_css_fba_close(fba);
		goto err_dev;
	}
	c->db_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->crw_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->db_efd < 0 || c->crw_efd < 0) {
		r = -errno;
		goto err_dev;
	}
	if ((r = uvf_loop_add_fd(loop, c->db_efd, UVF_EV_READ, on_doorbell, c)) ||
	    (r = uvf_loop_add_fd(loop, c->crw_efd, UVF_EV_READ, on_crw, c)) ||
	    (r = uvf_css_sch_set_doorbell(c->sch, c->db_efd)) ||
	    (r = uvf_css_set_crw_doorbell(c->css, c->crw_efd)) ||
	    (r = ccw_regions_init(c)))
		goto err_dev;
	for (unsigned i = 0; i < UVF_VFIO_CCW_NUM_IRQS; i++)
		if ((r = uvf_device_set_irq(c->dev, i, 1, UVF_VFIO_IRQ_INFO_EVENTFD)))
			goto err_dev;
	if ((r = uvf_device_set_migration(c->dev, &ccw_mig_ops)))
		goto err_dev;
	*out = c->dev;
	return 0;
err_dev:
	uvf_log(UVF_LOG_ERROR, c->dev, "cannot create (image %s): %s", fc.path, strerror(-r));
	uvf_device_destroy(c->dev);
	return r;
err:
	uvf_log(UVF_LOG_ERROR, NULL, "ccw-dasd: need image=FILE; blocks=N, blksize=512|1024|"
		"2048|4096, devno=0.0.XXXX are optional");
	free(c);
	return r;
}

struct ccw_dev *uvf_ccw_device_debug(struct uvf_device *dev)
{
	return uvf_device_priv(dev);
}
