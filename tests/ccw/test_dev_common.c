/* SPDX-License-Identifier: MIT */
/* tests/ccw/test_dev_common.c - the in-process ccw device fixture (see
 * test_dev_common.h). */
#include "test_dev_common.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devices/devices.h"
#include "testutil.h"

/* ---- the loop thread ---- */

static void *loop_main(void *arg)
{
	struct dfx *f = arg;

	uvf_loop_run(f->loop);
	return NULL;
}

struct call {
	void (*fn)(struct dfx *f, void *arg);
	struct dfx *f;
	void *arg;
	sem_t done;
};

static void call_tramp(struct uvf_loop *loop, void *arg)
{
	struct call *c = arg;

	(void)loop;
	c->fn(c->f, c->arg);
	sem_post(&c->done);
}

void dfx_call(struct dfx *f, void (*fn)(struct dfx *f, void *arg), void *arg)
{
	struct call c = { .fn = fn, .f = f, .arg = arg };
	struct timespec ts;
	int r;

	if (!f->running) {
		/* No loop thread: the test thread owns the device now. */
		fn(f, arg);
		return;
	}
	sem_init(&c.done, 0, 0);
	if (uvf_loop_post(f->loop, call_tramp, &c)) {
		fprintf(stderr, "dfx: uvf_loop_post failed\n");
		abort();
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += DFX_CALL_MS / 1000;
	do
		r = sem_timedwait(&c.done, &ts);
	while (r && errno == EINTR);
	if (r) {
		/* The loop still holds &c: unwinding would corrupt the stack. */
		fprintf(stderr, "dfx: the loop thread did not run a posted call in %d ms\n",
			DFX_CALL_MS);
		abort();
	}
	sem_destroy(&c.done);
}

static void snap_fn(struct dfx *f, void *arg)
{
	struct dfx_snap *s = arg;
	struct ccw_dev *c = f->c;

	s->state = c->state;
	s->irb_pending = c->irb_pending;
	s->cp = c->cp != NULL;
	s->chan_ref = c->chan_ref;
	s->reopen = c->reopen;
	s->reset_parked = c->reset_parked;
	s->stop_waiting = c->stop_waiting;
	s->vfc = c->vfc;
	s->live = uvf_ccw_cp_live(c->arena);
	s->irbs_delivered = c->irbs_delivered;
	s->status_dropped = c->status_dropped;
	s->crw_count = c->crw_count;
	s->crw_overflow = c->crw_overflow;
	s->mig = uvf_device_mig_state(f->dev);
	s->connected = uvf_device_connected(f->dev);
	memcpy(s->irb, c->io + UVF_CCW_IO_IRB_OFF, sizeof(s->irb));
	s->irq_dropped = uvf_irq_dropped(f->dev);
}

void dfx_snap(struct dfx *f, struct dfx_snap *s)
{
	dfx_call(f, snap_fn, s);
}

struct ev_arg {
	enum uvf_ccw_event ev;
	int r;
};

static void event_fn(struct dfx *f, void *arg)
{
	struct ev_arg *e = arg;

	e->r = ccw_fsm_event(f->c, e->ev);
}

int dfx_event(struct dfx *f, enum uvf_ccw_event ev)
{
	struct ev_arg e = { .ev = ev };

	dfx_call(f, event_fn, &e);
	return e.r;
}

struct hook_arg {
	void (*fn)(struct ccw_dev *c, enum uvf_ccw_event ev, int result, void *arg);
	void *arg;
};

static void hook_fn(struct dfx *f, void *arg)
{
	struct hook_arg *h = arg;

	f->c->after_event = h->fn;
	f->c->after_arg = h->arg;
}

void dfx_set_hook(struct dfx *f,
		  void (*fn)(struct ccw_dev *c, enum uvf_ccw_event ev, int result, void *arg),
		  void *arg)
{
	struct hook_arg h = { fn, arg };

	dfx_call(f, hook_fn, &h);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void dfx_wait_snap(struct dfx *f, bool (*pred)(const struct dfx_snap *s, const void *arg),
		   const void *arg, const char *what)
{
	uint64_t end = mono_ms() + DFX_WAIT_MS;
	struct dfx_snap s;

	/* Each probe is a round trip through the loop's queue: the loop gets
	 * to run its fd handlers (doorbells, timers) between two probes. */
	for (;;) {
		dfx_snap(f, &s);
		if (pred(&s, arg))
			return;
		if (mono_ms() > end) {
			fprintf(stderr, "dfx: timed out waiting for %s (state %s, vfc %#x, "
				"irb_pending %d, cp %d)\n", what, ccw_state_name(s.state), s.vfc,
				s.irb_pending, s.cp);
			fail();
		}
		sched_yield();
	}
}

static bool state_is(const struct dfx_snap *s, const void *arg)
{
	return s->state == *(const enum uvf_ccw_state *)arg && !s->vfc;
}

void dfx_wait_state(struct dfx *f, enum uvf_ccw_state st)
{
	dfx_wait_snap(f, state_is, &st, ccw_state_name(st));
}

/* ---- life cycle ---- */

static void debug_fn(struct dfx *f, void *arg)
{
	(void)arg;
	f->c = uvf_ccw_device_debug(f->dev);
}

struct dfx *dfx_new(const struct dfx_opts *o)
{
	static unsigned serial;
	struct dfx *f = calloc(1, sizeof(*f));
	struct uvf_devargs a;
	char spec[512], name[64];
	int r;

	assert_non_null(f);
	if (o)
		f->o = *o;
	if (!f->o.blocks)
		f->o.blocks = 1024;
	if (!f->o.blksize)
		f->o.blksize = 512;
	if (!f->o.guest_mem)
		f->o.guest_mem = 256 << 10;
	f->fds_before = uvf_test_count_fds();
	snprintf(name, sizeof(name), "dev-%d-%u.sock", (int)getpid(), serial);
	uvf_test_tmppath(f->sock, sizeof(f->sock), name);
	if (f->o.image) {
		snprintf(f->image, sizeof(f->image), "%s", f->o.image);
	} else {
		snprintf(name, sizeof(name), "dev-%d-%u.img", (int)getpid(), serial);
		uvf_test_tmppath(f->image, sizeof(f->image), name);
		unlink(f->image);
		f->own_image = true;
	}
	serial++;
	snprintf(spec, sizeof(spec), "ccw-dasd,image=%s,blocks=%u,blksize=%u%s%s", f->image,
		 f->o.blocks, f->o.blksize, f->o.devno ? ",devno=" : "",
		 f->o.devno ? f->o.devno : "");
	assert_int_equal(uvf_devargs_parse(spec, &a), 0);
	assert_int_equal(uvf_loop_create(&f->loop), 0);
	r = uvf_ccw_device_create(f->loop, &a, &f->dev);
	uvf_devargs_free(&a);
	assert_int_equal(r, 0);
	assert_int_equal(uvf_server_create(f->loop, &f->srv), 0);
	assert_int_equal(uvf_server_add_device(f->srv, f->dev, f->sock), 0);
	/* Before the loop runs the test thread still owns everything. */
	debug_fn(f, NULL);
	f->css = f->c->css;
	f->sch = f->c->sch;
	f->arena = f->c->arena;
	assert_int_equal(pthread_create(&f->thr, NULL, loop_main, f), 0);
	f->running = true;
	if (!f->o.no_client)
		dfx_connect(f);
	return f;
}

void dfx_connect(struct dfx *f)
{
	struct uvf_client_opts co = { .timeout_ms = DFX_CALL_MS };

	assert_false(f->connected);
	assert_int_equal(uvf_client_connect(f->sock, &co, &f->cl), 0);
	assert_int_equal(uvf_client_ccw_open(f->cl, f->o.guest_mem, &f->cc), 0);
	f->cc.blksize = f->o.blksize;
	f->cc.blocks = f->o.blocks;
	f->connected = true;
	/* The OPEN event ran when VERSION was answered. */
	dfx_wait_state(f, UVF_CCW_IDLE);
}

static bool detached(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return !s->connected &&
	       (s->state == UVF_CCW_STANDBY || s->state == UVF_CCW_NOT_OPER);
}

void dfx_disconnect(struct dfx *f)
{
	if (!f->connected)
		return;
	uvf_client_ccw_close(&f->cc);
	uvf_client_close(f->cl);
	f->cl = NULL;
	f->connected = false;
	dfx_wait_snap(f, detached, NULL, "the disconnect");
}

static void unhook_fn(struct dfx *f, void *arg)
{
	(void)arg;
	f->c->after_event = NULL;
	f->c->after_arg = NULL;
}

void dfx_free(struct dfx *f)
{
	long live;

	dfx_call(f, unhook_fn, NULL);
	dfx_disconnect(f);
	uvf_loop_stop(f->loop);
	assert_int_equal(pthread_join(f->thr, NULL), 0);
	f->running = false;
	/* The test thread owns the device from here on. */
	uvf_server_destroy(f->srv);
	live = uvf_ccw_cp_live(f->arena);
	if (!f->allow_live)
		assert_int_equal(live, 0);
	uvf_device_destroy(f->dev);
	uvf_loop_destroy(f->loop);
	unlink(f->sock);
	if (f->own_image)
		unlink(f->image);
	assert_int_equal(uvf_test_count_fds(), f->fds_before);
	free(f);
}

void dfx_knobs_off(struct dfx *f)
{
	uvf_css_sch_pause_at(f->sch, -1);
	uvf_css_sch_set_delay(f->sch, 0);
	uvf_css_fault_hang(f->sch, false);
	uvf_css_fault_clear_hang(f->sch, false);
}

int dfx_setup(void **state)
{
	*state = dfx_new(NULL);
	return 0;
}

int dfx_teardown(void **state)
{
	struct dfx *f = *state;

	if (f) {
		dfx_knobs_off(f);
		dfx_free(f);
	}
	*state = NULL;
	return 0;
}

/* ---- guest memory ---- */

uint8_t *g_ptr(struct dfx *f, uint32_t off)
{
	assert_true(off < f->cc.mem.size);
	return (uint8_t *)f->cc.mem.ptr + off;
}

void g_ccw1(struct dfx *f, uint32_t off, uint8_t cmd, uint8_t flags, uint16_t count,
	    uint32_t cda)
{
	uvf_css_ccw1_put(g_ptr(f, off), cmd, flags, count, cda);
}

void g_ccw0(struct dfx *f, uint32_t off, uint8_t cmd, uint8_t flags, uint16_t count,
	    uint32_t cda)
{
	uvf_css_ccw0_put(g_ptr(f, off), cmd, flags, count, cda);
}

void g_orb(uint8_t orb[12], uint32_t cpa, uint16_t ctl)
{
	memset(orb, 0, 12);
	uvf_css_put_be32(orb, 0x12345678);
	uvf_css_put_be16(orb + 4, ctl);
	orb[6] = 0xFF;
	uvf_css_put_be32(orb + 8, cpa);
}

unsigned g_fba_prog(struct dfx *f, uint32_t prog, uint32_t parm, bool write, uint32_t block,
		    uint32_t nblocks, uint32_t buf, uint32_t pci)
{
	uint8_t *de = g_ptr(f, parm), *loc = g_ptr(f, parm + 16);
	uint16_t bs = f->o.blksize;
	unsigned n = 0;

	assert_true(nblocks > 0 && nblocks < 64);
	/* Define Extent: mask (read: inhibit writes), block size, extent
	 * [block, block + nblocks - 1]; Locate: operation, count, block 0 of
	 * the extent (fba-disk.md §4.1, as uvf_client_ccw_fba_rw does). */
	memset(de, 0, 16);
	de[0] = write ? 0x00 : 0x40;
	uvf_css_put_be16(de + 2, bs);
	uvf_css_put_be32(de + 4, block);
	uvf_css_put_be32(de + 12, nblocks - 1);
	memset(loc, 0, 8);
	loc[0] = write ? 0x05 : 0x06;
	uvf_css_put_be16(loc + 2, (uint16_t)nblocks);
#define PCIF(i) ((pci >> (i)) & 1 ? UVF_CSS_CCW_PCI : 0)
	g_ccw1(f, prog, UVF_CSS_FBA_DEFINE_EXT, UVF_CSS_CCW_CC | PCIF(0), 16, GA(parm));
	n++;
	g_ccw1(f, prog + 8, UVF_CSS_FBA_LOCATE, UVF_CSS_CCW_CC | PCIF(1), 8, GA(parm + 16));
	n++;
	for (uint32_t i = 0; i < nblocks; i++, n++)
		g_ccw1(f, prog + 16 + 8 * i, write ? UVF_CSS_FBA_WRITE : UVF_CSS_FBA_READ,
		       (i + 1 < nblocks ? UVF_CSS_CCW_CD : 0) | PCIF(2 + i), bs,
		       GA(buf + i * bs));
#undef PCIF
	return n;
}

int g_fba_start(struct dfx *f, uint32_t prog, uint32_t parm, bool write, uint32_t block,
		uint32_t nblocks, uint32_t buf, uint32_t pci)
{
	uint8_t orb[12];

	g_fba_prog(f, prog, parm, write, block, nblocks, buf, pci);
	g_orb(orb, GA(prog), ORB_STD);
	return vmm_start(f, orb);
}

/* ---- requests and IRBs ---- */

int vmm_start(struct dfx *f, const uint8_t orb[12])
{
	return uvf_client_ccw_start(&f->cc, orb);
}

int vmm_halt(struct dfx *f)
{
	return uvf_client_ccw_halt(&f->cc);
}

int vmm_clear(struct dfx *f)
{
	return uvf_client_ccw_clear(&f->cc);
}

int efd_wait(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}

uint64_t efd_drain(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

bool vmm_io_signalled(struct dfx *f)
{
	return efd_wait(f->cc.io_efd, 0) == 0;
}

void vmm_read_irb(struct dfx *f, struct uvf_css_irb *irb)
{
	uint8_t b[UVF_CCW_IRB_AREA_SIZE];

	assert_int_equal(uvf_client_ccw_read_irb(&f->cc, b), 0);
	memcpy(irb, b, sizeof(*irb));
}

void vmm_wait_irb(struct dfx *f, struct uvf_css_irb *irb)
{
	uint8_t b[UVF_CCW_IRB_AREA_SIZE];

	assert_int_equal(uvf_client_ccw_wait_irb(&f->cc, b, DFX_WAIT_MS), 0);
	memcpy(irb, b, sizeof(*irb));
}

void css_wait_ctrl(struct dfx *f, uint16_t mask, uint16_t want)
{
	int r = uvf_css_sch_wait_ctrl(f->sch, mask, want, DFX_WAIT_MS);

	if (r) {
		fprintf(stderr, "css ctrl %#06x, wanted (ctrl & %#06x) == %#06x\n", css_ctrl(f),
			mask, want);
		fail();
	}
}

uint16_t css_ctrl(struct dfx *f)
{
	struct uvf_css_schib s;

	assert_int_equal(uvf_css_stsch(f->sch, &s), 0);
	return uvf_css_scsw_ctrl(&s.scsw);
}

void assert_start_ok(const struct uvf_css_irb *irb)
{
	assert_fc(irb, UVF_CSS_FC_START);
	assert_sc(irb, SC_FINAL);
	assert_int_equal(irb->scsw.dstat, DS_CEDE);
	assert_int_equal(irb->scsw.cstat, 0);
}

void assert_clear_irb(const struct uvf_css_irb *irb)
{
	assert_fc(irb, UVF_CSS_FC_CLEAR);
	assert_sc(irb, UVF_CSS_SC_PENDING);
	assert_int_equal(irb->scsw.dstat, 0);
	assert_int_equal(irb->scsw.cstat, 0);
	assert_int_equal(uvf_css_scsw_cpa(&irb->scsw), 0);
}

void assert_quiet_idle(struct dfx *f)
{
	struct dfx_snap s;

	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_IDLE);
	assert_int_equal(s.vfc, 0);
	assert_false(s.irb_pending);
	assert_false(s.cp);
	assert_int_equal(s.live, 0);
	/* Nothing left at the css either: no function, no status. */
	assert_int_equal(css_ctrl(f), 0);
}
