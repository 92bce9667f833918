/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_cp_harness.c - the differential harness (see the header).
 */
#include "test_cp_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CE_DE	(UVF_CSS_DS_CE | UVF_CSS_DS_DE)

/* ---- test device --------------------------------------------------------- */

void cph_td_default(struct cph_td_cfg *cfg)
{
	unsigned c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->max_cmds = 4096;
	for (c = 0; c < 256; c++) {
		uint8_t cmd = (uint8_t)c;

		cfg->len[c] = 64;
		if (uvf_css_cmd_is_write(cmd))
			cfg->act[c] = CPH_FROM;
		else if (uvf_css_cmd_is_read(cmd) ||
			 uvf_css_cmd_is_read_backward(cmd))
			cfg->act[c] = CPH_TO;
		else if (uvf_css_cmd_is_sense(cmd))
			cfg->act[c] = CPH_SENSE;
		else if (uvf_css_cmd_is_control(cmd))
			cfg->act[c] = CPH_FROM;
		else
			cfg->act[c] = CPH_REJECT;
	}
	cfg->act[0x03] = CPH_NONE;
	cfg->act[0x07] = CPH_NONE;
	cfg->extra[0x07] = UVF_CSS_DS_SM;
	cfg->act[0x0B] = CPH_NONE;
	cfg->extra[0x0B] = UVF_CSS_DS_UE;
	cfg->act[0x13] = CPH_REJECT;
	cfg->act[0xF3] = CPH_REJECT;
}

void cph_td_hashed(struct cph_td_cfg *cfg, uint32_t seed)
{
	unsigned c;

	cph_td_default(cfg);
	cfg->max_cmds = 300;
	for (c = 0; c < 256; c++) {
		uint32_t h = (c + 1) * 2654435761u ^ seed * 40503u;

		h ^= h >> 13;
		cfg->len[c] = (uint16_t)((h >> 3) % 9000);
		if ((h & 0x70) == 0x10 && cfg->act[c] != CPH_SENSE)
			cfg->act[c] = CPH_NONE;
		if ((h & 0x300) == 0x100)
			cfg->extra[c] = UVF_CSS_DS_SM;
		else if ((h & 0x3C00) == 0x400)
			cfg->extra[c] = UVF_CSS_DS_UE;
		else if ((h & 0x3C00) == 0x800)
			cfg->act[c] = CPH_REJECT;
	}
}

static void td_chain_start(void *dev)
{
	((struct cph_td *)dev)->cmds = 0;
}

static uint32_t sum_bytes(const uint8_t *p, long n)
{
	uint32_t h = 2166136261u;
	long i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static uint8_t td_exec(void *dev, uint8_t cmd, struct uvf_css_xfer *x)
{
	static __thread uint8_t buf[65536];
	struct cph_td *td = dev;
	struct cph_td_rec rec = { .cmd = cmd };
	unsigned len = td->cfg.len[cmd], i;
	uint8_t ds = CE_DE | td->cfg.extra[cmd];

	if (++td->cmds > td->cfg.max_cmds) {
		ds = CE_DE | UVF_CSS_DS_UE;
		goto out;
	}
	switch (td->cfg.act[cmd]) {
	case CPH_REJECT:
		memset(td->sense, 0, sizeof(td->sense));
		td->sense[0] = UVF_CSS_SNS0_CMD_REJECT;
		ds = CE_DE | UVF_CSS_DS_UC;
		break;
	case CPH_NONE:
		break;
	case CPH_FROM:
		rec.moved = uvf_css_xfer_from_storage(x, buf, len);
		rec.sum = sum_bytes(buf, rec.moved);
		break;
	case CPH_TO:
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)(cmd * 31 + td->cmds * 7 + i * 13);
		rec.moved = uvf_css_xfer_to_storage(x, buf, len);
		break;
	case CPH_SENSE:
		rec.moved = uvf_css_xfer_to_storage(x, td->sense,
						    sizeof(td->sense));
		memset(td->sense, 0, sizeof(td->sense));
		break;
	}
out:
	if (td->nlog < CPH_TD_LOG)
		td->log[td->nlog] = rec;
	td->nlog++;
	return ds;
}

static size_t td_take_sense(void *dev, uint8_t *buf, size_t len)
{
	struct cph_td *td = dev;
	size_t n = len < sizeof(td->sense) ? len : sizeof(td->sense);

	memcpy(buf, td->sense, n);
	memset(td->sense, 0, sizeof(td->sense));
	return n;
}

static void td_reset(void *dev)
{
	((struct cph_td *)dev)->cmds = 0;
}

static const struct uvf_css_devops td_ops = {
	.version = UVF_CSS_DEVOPS_VERSION,
	.chain_start = td_chain_start,
	.exec = td_exec,
	.take_sense = td_take_sense,
	.halt = td_reset,
	.clear = td_reset,
};

/* The FBA disk behind a per-chain command limit, so no program runs
 * forever (a data-moving TIC loop ends with unit exception). */
struct fba_wrap {
	struct cph_td *td;
	struct uvf_css_fba *fba;
};

static void fw_chain_start(void *dev)
{
	struct cph_side *s = dev;

	s->td.cmds = 0;
	uvf_css_fba_ops.chain_start(s->fba);
}

static uint8_t fw_exec(void *dev, uint8_t cmd, struct uvf_css_xfer *x)
{
	struct cph_side *s = dev;

	if (++s->td.cmds > s->td.cfg.max_cmds)
		return CE_DE | UVF_CSS_DS_UE;
	return uvf_css_fba_ops.exec(s->fba, cmd, x);
}

static size_t fw_take_sense(void *dev, uint8_t *buf, size_t len)
{
	return uvf_css_fba_ops.take_sense(((struct cph_side *)dev)->fba, buf,
					  len);
}

static void fw_halt(void *dev)
{
	uvf_css_fba_ops.halt(((struct cph_side *)dev)->fba);
}

static void fw_clear(void *dev)
{
	uvf_css_fba_ops.clear(((struct cph_side *)dev)->fba);
}

static const struct uvf_css_devops fba_wrap_ops = {
	.version = UVF_CSS_DEVOPS_VERSION,
	.chain_start = fw_chain_start,
	.exec = fw_exec,
	.take_sense = fw_take_sense,
	.halt = fw_halt,
	.clear = fw_clear,
};

/* ---- sides --------------------------------------------------------------- */

static int make_image(struct cph *h, struct cph_side *s, const char *tag)
{
	static unsigned serial;
	const char *dir = getenv("TMPDIR");
	size_t len = (size_t)h->o.fba_blocks * h->o.fba_blksize, i;
	uint8_t *buf;
	int fd;
	ssize_t w;

	/* The disk syncs every write: keep images on tmpfs when there is
	 * one, the data is thrown away anyway. */
	if ((!dir || !*dir) && access("/dev/shm", W_OK) == 0)
		dir = "/dev/shm";

	snprintf(s->image, sizeof(s->image), "%s/uvfio-cp-%d-%u-%s.img",
		 dir && *dir ? dir : "/tmp", (int)getpid(),
		 __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED), tag);
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i / h->o.fba_blksize * 3 + i * 5);
	fd = open(s->image, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	w = write(fd, buf, len);
	close(fd);
	free(buf);
	return w == (ssize_t)len ? 0 : -EIO;
}

static int side_init(struct cph *h, struct cph_side *s, const char *tag)
{
	struct uvf_css_sch_config cfg = {
		.devno = 0x1234, .pim = 0xC0, .chpid = { 0x40, 0x41 },
	};
	struct uvf_css_schib schib;
	int ret;

	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0)
		return -errno;
	ret = uvf_css_create(&s->css, 0);
	if (ret)
		return ret;
	if (h->o.fba) {
		struct uvf_css_fba_config fc = {
			.path = s->image, .blocks = h->o.fba_blocks,
			.blksize = h->o.fba_blksize,
			.no_data_chaining = h->o.fba_no_dc,
		};

		ret = make_image(h, s, tag);
		if (ret)
			return ret;
		s->img_fd = open(s->image, O_RDWR | O_CLOEXEC);
		if (s->img_fd < 0)
			return -errno;
		ret = uvf_css_fba_open(&fc, &s->fba);
		/* Both hold it open: no file is left behind, even by a
		 * crash. */
		unlink(s->image);
		if (ret)
			return ret;
		if (h->o.td)
			s->td.cfg = *h->o.td;
		else
			cph_td_default(&s->td.cfg);
		cfg.ops = &fba_wrap_ops;
		cfg.dev = s;
	} else {
		if (h->o.td)
			s->td.cfg = *h->o.td;
		else
			cph_td_default(&s->td.cfg);
		cfg.ops = &td_ops;
		cfg.dev = &s->td;
	}
	ret = uvf_css_sch_create(s->css, &cfg, &s->sch);
	if (ret) {
		if (s->fba)
			uvf_css_fba_close(s->fba);
		s->fba = NULL;
		return ret;
	}
	ret = uvf_css_sch_set_doorbell(s->sch, s->efd);
	if (ret)
		return ret;
	if (uvf_css_stsch(s->sch, &schib) != 0)
		return -EIO;
	uvf_css_put_be16(schib.pmcw.flags,
			 uvf_css_get_be16(schib.pmcw.flags) |
			 UVF_CSS_PMCW_ENA | (3 << UVF_CSS_PMCW_ISC_SHIFT));
	uvf_css_put_be32(schib.pmcw.chars,
			 h->o.csense ? UVF_CSS_CHARS_CSENSE : 0);
	return uvf_css_msch(s->sch, &schib) == 0 ? 0 : -EIO;
}

static void side_fini(struct cph_side *s)
{
	if (s->sch)
		uvf_css_sch_destroy(s->sch);
	s->sch = NULL;
	if (s->fba)
		uvf_css_fba_close(s->fba);
	s->fba = NULL;
	if (s->css)
		uvf_css_destroy(s->css);
	if (s->efd >= 0)
		close(s->efd);
	if (s->img_fd >= 0)
		close(s->img_fd);
}

struct cph *cph_new(const struct cph_opts *o)
{
	struct cph *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return NULL;
	h->o = *o;
	if (!h->o.wait_ms)
		h->o.wait_ms = 10000;
	if (h->o.fba && !h->o.fba_blocks)
		h->o.fba_blocks = 1024;
	if (h->o.fba && !h->o.fba_blksize)
		h->o.fba_blksize = 512;
	h->intparm = 0xC0FFEE;
	h->ref.efd = h->tr.efd = -1;
	h->ref.img_fd = h->tr.img_fd = -1;
	ret = side_init(h, &h->ref, "ref");
	if (!ret)
		ret = side_init(h, &h->tr, "tr");
	if (!ret)
		ret = uvf_ccw_arena_create_at(h->tr.css, UVF_CCW_ARENA_ADDR,
					      o->arena_size ? o->arena_size :
					      UVF_CCW_ARENA_SIZE, &h->arena);
	if (ret) {
		fprintf(stderr, "cph_new: %s\n", strerror(-ret));
		cph_free(h);
		return NULL;
	}
	return h;
}

static void map_release(struct cph_map *m)
{
	if (m->alloc_len) {
		munmap(m->ref_alloc, m->alloc_len);
		munmap(m->tr_alloc, m->alloc_len);
	} else {
		free(m->ref_alloc);
		free(m->tr_alloc);
	}
}

int cph_free(struct cph *h)
{
	struct uvf_ccw_arena_stats st = { 0 };
	unsigned i;
	int ret = 0;

	if (!h)
		return 0;
	/* Subchannels first: their workers stop touching storage. */
	side_fini(&h->ref);
	if (h->arena) {
		uvf_ccw_arena_stats(h->arena, &st);
		if (st.blocks || uvf_ccw_cp_live(h->arena)) {
			fprintf(stderr, "arena: %u blocks, %ld programs live\n",
				st.blocks, uvf_ccw_cp_live(h->arena));
			ret = -1;
		} else {
			uvf_ccw_arena_destroy(h->arena);
		}
	}
	side_fini(&h->tr);
	for (i = 0; i < h->nmaps; i++)
		map_release(&h->maps[i]);
	free(h->reads);
	uvf_ccw_cp_scratch_free(&h->scratch);
	free(h);
	return ret;
}

/* ---- guest memory -------------------------------------------------------- */

static void *guarded(size_t len, size_t *alloc_len, void **base)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (len + pg - 1) / pg * pg;
	uint8_t *p;

	*alloc_len = body + 2 * pg;
	p = mmap(NULL, *alloc_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	mprotect(p, pg, PROT_NONE);
	mprotect(p + pg + body, pg, PROT_NONE);
	*base = p;
	/* Flush with the upper guard page: an overrun faults at once. */
	return p + pg + (body - len);
}

int cph_map(struct cph *h, uint64_t iova, size_t len, unsigned prot)
{
	struct cph_map *m;
	int ret;

	if (h->nmaps == CPH_MAX_MAPS || !len)
		return -E2BIG;
	m = &h->maps[h->nmaps];
	memset(m, 0, sizeof(*m));
	m->iova = iova;
	m->len = len;
	m->prot = prot;
	if (h->o.guard) {
		size_t al;

		m->ref = guarded(len, &m->alloc_len, &m->ref_alloc);
		m->tr = guarded(len, &al, &m->tr_alloc);
	} else {
		m->ref = m->ref_alloc = calloc(1, len);
		m->tr = m->tr_alloc = calloc(1, len);
	}
	if (!m->ref || !m->tr) {
		map_release(m);
		return -ENOMEM;
	}
	ret = uvf_css_mem_map(h->ref.css, iova, m->ref, len, prot);
	if (ret) {
		map_release(m);
		return ret;
	}
	h->nmaps++;
	return 0;
}

static struct cph_map *find_map(struct cph *h, uint64_t g, uint64_t len)
{
	unsigned i;

	if (g + len < g)
		return NULL;
	for (i = 0; i < h->nmaps; i++) {
		struct cph_map *m = &h->maps[i];

		if (g >= m->iova && g - m->iova <= m->len &&
		    len <= m->len - (g - m->iova))
			return m;
	}
	return NULL;
}

uint8_t *cph_ref(struct cph *h, uint64_t gaddr, size_t len)
{
	struct cph_map *m = find_map(h, gaddr, len);

	return m ? m->ref + (gaddr - m->iova) : NULL;
}

uint8_t *cph_tr(struct cph *h, uint64_t gaddr, size_t len)
{
	struct cph_map *m = find_map(h, gaddr, len);

	return m ? m->tr + (gaddr - m->iova) : NULL;
}

bool cph_poke(struct cph *h, uint64_t gaddr, const void *p, size_t len)
{
	struct cph_map *m = find_map(h, gaddr, len);

	if (!m)
		return false;
	memcpy(m->ref + (gaddr - m->iova), p, len);
	memcpy(m->tr + (gaddr - m->iova), p, len);
	return true;
}

bool cph_ccw1(struct cph *h, uint64_t gaddr, uint8_t cmd, uint8_t flags,
	      uint16_t count, uint32_t cda)
{
	uint8_t p[8];

	uvf_css_ccw1_put(p, cmd, flags, count, cda);
	return cph_poke(h, gaddr, p, 8);
}

bool cph_ccw0(struct cph *h, uint64_t gaddr, uint8_t cmd, uint8_t flags,
	      uint16_t count, uint32_t cda)
{
	uint8_t p[8];

	uvf_css_ccw0_put(p, cmd, flags, count, cda);
	return cph_poke(h, gaddr, p, 8);
}

bool cph_idaw1(struct cph *h, uint64_t gaddr, uint32_t a)
{
	uint8_t p[4];

	uvf_css_put_be32(p, a);
	return cph_poke(h, gaddr, p, 4);
}

bool cph_idaw2(struct cph *h, uint64_t gaddr, uint64_t a)
{
	uint8_t p[8];

	uvf_css_put_be64(p, a);
	return cph_poke(h, gaddr, p, 8);
}

bool cph_fill(struct cph *h, uint64_t gaddr, size_t len, uint8_t seed)
{
	uint8_t *r = cph_ref(h, gaddr, len), *t = cph_tr(h, gaddr, len);
	size_t i;

	if (!r || !t)
		return false;
	for (i = 0; i < len; i++)
		r[i] = t[i] = (uint8_t)(seed + i * 11 + (i >> 8));
	return true;
}

void cph_orb(uint8_t orb[12], uint32_t cpa, uint16_t ctl, uint8_t lpm,
	     uint8_t ctl2)
{
	memset(orb, 0, 12);
	uvf_css_put_be32(orb, 0x12345678);
	uvf_css_put_be16(orb + 4, ctl);
	orb[6] = lpm;
	orb[7] = ctl2;
	uvf_css_put_be32(orb + 8, cpa);
}

/* ---- the translator's environment ---------------------------------------- */

static int env_read(void *ctx, uint64_t gaddr, void *buf, size_t len)
{
	struct cph *h = ctx;
	uint64_t at = gaddr;
	size_t left = len;

	/* Like the device: contiguous across adjacent maps, as channel
	 * storage is (a CCW may straddle two maps).  Check every part
	 * first, then copy; each part is recorded as its own read. */
	while (left) {
		struct cph_map *m = find_map(h, at, 1);
		size_t n;

		if (!m || !(m->prot & UVF_CSS_PROT_READ))
			return -EFAULT;
		n = m->iova + m->len - at < left ? (size_t)(m->iova + m->len - at) : left;
		at += n;
		left -= n;
	}
	for (left = len, at = gaddr; left;) {
		struct cph_map *m = find_map(h, at, 1);
		size_t n = m->iova + m->len - at < left ? (size_t)(m->iova + m->len - at) : left;

		if (h->nreads == h->reads_cap) {
			unsigned cap = h->reads_cap ? 2 * h->reads_cap : 256;
			struct cph_read *grown = realloc(h->reads, cap * sizeof(*grown));

			if (!grown)
				return -EFAULT;
			h->reads = grown;
			h->reads_cap = cap;
		}
		h->reads[h->nreads++] = (struct cph_read){ at, n };
		memcpy((uint8_t *)buf + (at - gaddr), m->tr + (at - m->iova), n);
		at += n;
		left -= n;
	}
	return 0;
}

static int env_window(void *ctx, uint64_t gaddr, uint64_t len, bool write,
		      uint64_t *css_addr)
{
	struct cph *h = ctx;
	struct cph_map *m;
	int ret;

	h->window_calls++;
	if (h->fail_window_at && h->window_calls == h->fail_window_at)
		return h->fail_window_err;
	m = find_map(h, gaddr, len);
	if (!m || !len)
		return -EFAULT;
	if (!(m->prot & (write ? UVF_CSS_PROT_WRITE : UVF_CSS_PROT_READ)))
		return -EACCES;
	if (!m->windowed) {
		/* With the map's own permission, as the device does. */
		ret = uvf_css_mem_map(h->tr.css, UVF_CCW_WINDOW_BASE + m->iova,
				      m->tr, m->len, m->prot);
		if (ret)
			return ret;
		m->windowed = true;
	}
	*css_addr = UVF_CCW_WINDOW_BASE + gaddr;
	return 0;
}

struct uvf_ccw_cp_env cph_env(struct cph *h)
{
	return (struct uvf_ccw_cp_env){
		.ctx = h, .read = env_read, .window = env_window,
		.arena = h->arena, .intparm = h->intparm,
		/* kept across builds, as the device does: a translation
		 * must not depend on what the previous one left there */
		.scratch = &h->scratch,
	};
}

/* ---- running ------------------------------------------------------------- */

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* TSCH until status comes; while none comes, look for a suspended
 * program (ORB U suppresses its interruption) and halt it. */
static int wait_irb(struct cph *h, struct cph_side *s, struct uvf_css_irb *irb,
		    struct cph_run *r)
{
	struct pollfd pfd = { .fd = s->efd, .events = POLLIN };
	struct uvf_css_schib schib;
	struct timespec t0;
	uint64_t v;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (uvf_css_tsch(s->sch, irb) == 0)
			return 0;
		if (ms_since(&t0) > (long)h->o.wait_ms)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, 20) > 0) {
			if (read(s->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return -errno;
			continue;
		}
		if (!r->halted && uvf_css_stsch(s->sch, &schib) == 0 &&
		    (uvf_css_scsw_ac(&schib.scsw) & UVF_CSS_AC_SUSPENDED) &&
		    !uvf_css_scsw_is_status_pending(&schib.scsw)) {
			r->halted = true;
			uvf_css_hsch(s->sch);
		}
	}
}

static int run_side(struct cph *h, struct cph_side *s,
		    const struct uvf_css_orb *orb, struct uvf_ccw_cp *cp,
		    struct cph_run *r)
{
	struct uvf_css_irb irb;
	int ret;

	memset(r, 0, sizeof(*r));
	s->td.nlog = 0;
	r->cc = uvf_css_ssch(s->sch, orb);
	if (r->cc != 0)
		return 0;
	for (;;) {
		ret = wait_irb(h, s, &irb, r);
		if (ret == -ETIMEDOUT && !r->cleared) {
			/* A program that does not end (a loop moving data):
			 * clear it; the result says so. */
			r->cleared = true;
			if (uvf_css_csch(s->sch) != 0)
				return -1;
			continue;
		}
		if (ret)
			return -1;
		if (cp && uvf_ccw_cp_scsw_to_guest(cp, &irb.scsw))
			r->xlate_err++;
		/* Keep the first ones and always the latest. */
		r->total++;
		if (r->nirb < CPH_MAX_IRB)
			r->irb[r->nirb++] = irb;
		else
			r->irb[CPH_MAX_IRB - 1] = irb;
		if (uvf_css_scsw_fc(&irb.scsw) & UVF_CSS_FC_CLEAR)
			return 0;
		if (uvf_css_scsw_is_final(&irb.scsw))
			return 0;
		if (!uvf_css_scsw_is_intermediate_only(&irb.scsw))
			continue;
		if ((uvf_css_scsw_ac(&irb.scsw) & UVF_CSS_AC_SUSPENDED) &&
		    !r->halted) {
			/* Suspended: end it the same way on both sides. */
			r->halted = true;
			if (uvf_css_hsch(s->sch) != 0)
				return -1;
		}
	}
}

int cph_run_ref(struct cph *h, const uint8_t orb[12], struct cph_run *r)
{
	struct uvf_css_orb o;

	memset(&o, 0, sizeof(o));
	memcpy(&o, orb, 12);
	return run_side(h, &h->ref, &o, NULL, r);
}

int cph_run_tr(struct cph *h, struct uvf_ccw_cp *cp,
	       const struct uvf_css_orb *host_orb, struct cph_run *r)
{
	return run_side(h, &h->tr, host_orb, cp, r);
}

void cph_unmap_all(struct cph *h)
{
	unsigned i;

	for (i = 0; i < h->nmaps; i++) {
		struct cph_map *m = &h->maps[i];

		uvf_css_mem_unmap(h->ref.css, m->iova, m->len);
		if (m->windowed)
			uvf_css_mem_unmap(h->tr.css,
					  UVF_CCW_WINDOW_BASE + m->iova,
					  m->len);
		map_release(m);
	}
	h->nmaps = 0;
}

static void copy_image(int from, int to, size_t len)
{
	uint8_t *buf = malloc(len);

	if (buf && pread(from, buf, len, 0) == (ssize_t)len &&
	    pwrite(to, buf, len, 0) == (ssize_t)len)
		fdatasync(to);
	free(buf);
}

void cph_reset_devices(struct cph *h)
{
	struct cph_side *s[2] = { &h->ref, &h->tr };
	uint8_t sense[32];
	unsigned i;

	for (i = 0; i < 2; i++) {
		memset(s[i]->td.sense, 0, sizeof(s[i]->td.sense));
		s[i]->td.cmds = 0;
		s[i]->td.nlog = 0;
		if (s[i]->fba)
			uvf_css_fba_ops.take_sense(s[i]->fba, sense,
						   sizeof(sense));
	}
	if (h->o.fba)
		copy_image(h->ref.img_fd, h->tr.img_fd,
			   (size_t)h->o.fba_blocks * h->o.fba_blksize);
}

/* ---- comparing ----------------------------------------------------------- */

static void irb_str(char *buf, size_t len, const struct uvf_css_irb *irb)
{
	const struct uvf_css_scsw *s = &irb->scsw;

	snprintf(buf, len,
		 "flags %04x ctrl %04x cpa %08x ds %02x cs %02x count %u",
		 uvf_css_scsw_flags(s), uvf_css_scsw_ctrl(s),
		 uvf_css_scsw_cpa(s), s->dstat, s->cstat,
		 uvf_css_scsw_count(s));
}

void cph_dump_run(const char *tag, const struct cph_run *r)
{
	char b[160];
	unsigned i;

	fprintf(stderr, "%s: cc %d, %u of %u irbs%s%s\n", tag, r->cc, r->nirb,
		r->total,
		r->halted ? ", halted" : "", r->cleared ? ", cleared" : "");
	for (i = 0; i < r->nirb; i++) {
		irb_str(b, sizeof(b), &r->irb[i]);
		fprintf(stderr, "  %s\n", b);
	}
}

bool cph_mem_equal(struct cph *h, char *why, size_t whylen)
{
	unsigned i;
	size_t j;

	for (i = 0; i < h->nmaps; i++) {
		const struct cph_map *m = &h->maps[i];

		if (!memcmp(m->ref, m->tr, m->len))
			continue;
		for (j = 0; m->ref[j] == m->tr[j]; j++)
			;
		snprintf(why, whylen,
			 "guest memory differs at %#llx: ref %02x tr %02x",
			 (unsigned long long)(m->iova + j), m->ref[j],
			 m->tr[j]);
		return false;
	}
	return true;
}

void cph_sync(struct cph *h)
{
	unsigned i;

	for (i = 0; i < h->nmaps; i++)
		memcpy(h->maps[i].tr, h->maps[i].ref, h->maps[i].len);
}

static bool images_equal(struct cph *h, char *why, size_t whylen)
{
	size_t len = (size_t)h->o.fba_blocks * h->o.fba_blksize;
	uint8_t *a = malloc(len), *b = malloc(len);
	bool eq = false;

	if (a && b && pread(h->ref.img_fd, a, len, 0) == (ssize_t)len &&
	    pread(h->tr.img_fd, b, len, 0) == (ssize_t)len)
		eq = !memcmp(a, b, len);
	if (!eq)
		snprintf(why, whylen, "disk images differ");
	free(a);
	free(b);
	return eq;
}

/* The IRBs to compare: with CPH_MASK_PCI only the ending ones, without
 * the PCI bit. */
static unsigned pick(const struct cph_run *r, unsigned flags,
		     struct uvf_css_irb *out)
{
	unsigned i, n = 0;

	for (i = 0; i < r->nirb; i++) {
		if ((flags & CPH_MASK_PCI) &&
		    uvf_css_scsw_is_intermediate_only(&r->irb[i].scsw))
			continue;
		out[n] = r->irb[i];
		if (flags & CPH_MASK_PCI)
			out[n].scsw.cstat &= (uint8_t)~UVF_CSS_CS_PCI;
		n++;
	}
	return n;
}

int cph_compare(struct cph *h, const struct cph_run *ref,
		const struct cph_run *tr, unsigned flags, char *why,
		size_t whylen)
{
	struct uvf_css_irb a[CPH_MAX_IRB], b[CPH_MAX_IRB];
	char sa[160], sb[160];
	unsigned na, nb, i;

	if (ref->cc != tr->cc) {
		snprintf(why, whylen, "ssch cc: ref %d tr %d", ref->cc, tr->cc);
		return 1;
	}
	if (tr->xlate_err) {
		snprintf(why, whylen, "%d CPAs did not translate back",
			 tr->xlate_err);
		return 1;
	}
	if (ref->cleared || tr->cleared) {
		/* Neither ended by itself: only both-or-neither matters. */
		if (ref->cleared != tr->cleared) {
			snprintf(why, whylen, "only one side had to be cleared");
			return 1;
		}
		return 0;
	}
	na = pick(ref, flags, a);
	nb = pick(tr, flags, b);
	if (na != nb || (!(flags & CPH_MASK_PCI) && ref->total != tr->total)) {
		snprintf(why, whylen, "%u vs %u status (%u vs %u in all)", na,
			 nb, ref->total, tr->total);
		return 1;
	}
	for (i = 0; i < na; i++) {
		if (!memcmp(&a[i], &b[i], sizeof(a[i])))
			continue;
		irb_str(sa, sizeof(sa), &a[i]);
		irb_str(sb, sizeof(sb), &b[i]);
		snprintf(why, whylen, "irb %u: ref %s / tr %s%s", i, sa, sb,
			 memcmp(&a[i].scsw, &b[i].scsw, sizeof(a[i].scsw)) ?
			 "" : " (esw/ecw)");
		return 1;
	}
	if (!h->o.fba) {
		unsigned n = h->ref.td.nlog < CPH_TD_LOG ? h->ref.td.nlog :
							   CPH_TD_LOG;

		bool same = h->ref.td.nlog == h->tr.td.nlog;

		for (i = 0; same && i < n; i++) {
			const struct cph_td_rec *x = &h->ref.td.log[i],
						*y = &h->tr.td.log[i];

			same = x->cmd == y->cmd && x->moved == y->moved &&
			       x->sum == y->sum;
		}
		if (!same) {
			snprintf(why, whylen, "device logs differ (%u/%u cmds)",
				 h->ref.td.nlog, h->tr.td.nlog);
			return 1;
		}
	} else if (!images_equal(h, why, whylen)) {
		return 1;
	}
	if (!(flags & CPH_NO_MEM) && !cph_mem_equal(h, why, whylen))
		return 1;
	return 0;
}

int cph_diff(struct cph *h, const uint8_t orb[12], unsigned flags,
	     struct cph_run *ref, struct cph_run *tr, char *why,
	     size_t whylen)
{
	struct uvf_ccw_cp_env env = cph_env(h);
	struct cph_run rbuf, tbuf;
	struct uvf_css_orb horb;
	struct uvf_ccw_cp *cp;
	int ret;

	if (!ref)
		ref = &rbuf;
	if (!tr)
		tr = &tbuf;
	ret = uvf_ccw_cp_build(orb, &env, &cp, &horb);
	if (ret) {
		snprintf(why, whylen, "build: %s", strerror(-ret));
		return ret;
	}
	if (cph_run_ref(h, orb, ref) || cph_run_tr(h, cp, &horb, tr)) {
		uvf_ccw_cp_put(cp);
		snprintf(why, whylen, "a subchannel did not complete");
		return 1;
	}
	uvf_ccw_cp_put(cp);
	return cph_compare(h, ref, tr, flags, why, whylen);
}

bool cph_reads_overlap(const struct cph *h)
{
	unsigned i, j;

	for (i = 0; i < h->nreads; i++)
		for (j = i + 1; j < h->nreads; j++) {
			const struct cph_read *a = &h->reads[i],
					      *b = &h->reads[j];

			if (a->gaddr < b->gaddr + b->len &&
			    b->gaddr < a->gaddr + a->len)
				return true;
		}
	return false;
}

void cph_reads_reset(struct cph *h)
{
	h->nreads = 0;
}
