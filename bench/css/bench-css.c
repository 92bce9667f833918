/* SPDX-License-Identifier: MIT */
/*
 * bench-css.c - channel programs per second through the simulated CSS:
 * SSCH -> worker -> doorbell (eventfd, waited with poll) -> TSCH, the path
 * the ccw layer uses.
 *
 *   css_nop          a one-CCW NO-OP program: the CSS round trip alone;
 *                    floor: a condvar wake plus an eventfd wake between
 *                    two bare threads (the two hand-offs every program
 *                    needs)
 *   css_fba_read_4k  Define Extent + Locate + Read of 8 x 512-byte blocks;
 *                    floor: those two hand-offs plus a pread of 4 KiB from
 *                    the same image, timed separately and added up
 *   css_fba_write_4k the same with Write; floor: the hand-offs plus pwrite
 *                    of 4 KiB and fdatasync (the disk syncs before it
 *                    presents status)
 *
 * A ratio (programs/s over floor ops/s) near 1 means the CSS adds little
 * beyond the thread hand-offs and the I/O it cannot avoid.
 *
 * Everything runs on CPU 0, the floors too (bench_pin_cpu0()).
 *
 * Usage: bench-css [seconds per benchmark]   (default 1)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "uvfio/css.h"
#include "../common/bench.h"

#define BS		512u
#define BLOCKS		16384u		/* 8 MiB image */
#define PROG		0x1000u
#define PARM		0x1100u
#define DATA		0x2000u

static double now_s(void)
{
	return (double)now_ns() / 1e9;
}

static void die(const char *what, int err) __attribute__((noreturn));

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-css: %s: %s\n", what, strerror(err < 0 ? -err :
							       err));
	exit(1);
}

/* ---- the CSS side ------------------------------------------------------- */

struct rig {
	struct uvf_css *css;
	struct uvf_css_sch *sch;
	uint8_t *mem;
	int efd;
	char image[256];
};

static void put_ccw(uint8_t *mem, uint32_t at, uint8_t cmd, uint8_t flags,
		    uint16_t count, uint32_t cda)
{
	mem[at] = cmd;
	mem[at + 1] = flags;
	uvf_css_put_be16(mem + at + 2, count);
	uvf_css_put_be32(mem + at + 4, cda);
}

/* Write the whole image once so neither side pays for block allocation
 * (an fdatasync after allocating is a journal commit, after overwriting
 * only a data flush). */
static void prefill(const char *image)
{
	static const uint8_t zeros[65536];
	int fd = open(image, O_WRONLY | O_CLOEXEC);
	off_t off;

	if (fd < 0)
		die("prefill", errno);
	for (off = 0; off < (off_t)BLOCKS * BS; off += sizeof(zeros))
		if (pwrite(fd, zeros, sizeof(zeros), off) != sizeof(zeros))
			die("prefill", errno);
	if (fsync(fd))
		die("prefill", errno);
	close(fd);
}

static void rig_open(struct rig *r)
{
	struct uvf_css_fba_config fcfg = { .blocks = BLOCKS, .blksize = BS };
	struct uvf_css_sch_config scfg = { .devno = 0x1234,
					   .ops = &uvf_css_fba_ops };
	const char *tmp = getenv("TMPDIR");
	struct uvf_css_schib schib;
	struct uvf_css_fba *fba;
	int ret;

	snprintf(r->image, sizeof(r->image), "%s/uvfio-bench-css-%d.img",
		 tmp && *tmp ? tmp : "/tmp", (int)getpid());
	fcfg.path = r->image;
	r->mem = calloc(1, 1 << 20);
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!r->mem || r->efd < 0)
		die("setup", errno);
	if ((ret = uvf_css_create(&r->css, 0)) ||
	    (ret = uvf_css_mem_map(r->css, 0, r->mem, 1 << 20,
				   UVF_CSS_PROT_READ | UVF_CSS_PROT_WRITE)) ||
	    (ret = uvf_css_fba_open(&fcfg, &fba)))
		die("css", ret);
	prefill(r->image);
	scfg.dev = fba;
	if ((ret = uvf_css_sch_create(r->css, &scfg, &r->sch)) ||
	    (ret = uvf_css_sch_set_doorbell(r->sch, r->efd)))
		die("subchannel", ret);
	uvf_css_stsch(r->sch, &schib);
	uvf_css_put_be16(schib.pmcw.flags, UVF_CSS_PMCW_DNV | UVF_CSS_PMCW_ENA);
	if (uvf_css_msch(r->sch, &schib))
		die("msch", EIO);
}

static void rig_close(struct rig *r)
{
	uvf_css_destroy(r->css);
	close(r->efd);
	free(r->mem);
	unlink(r->image);
}

/* One program: SSCH, wait on the doorbell, TSCH; exits on a bad status. */
static void run_once(struct rig *r, const struct uvf_css_orb *orb)
{
	struct pollfd pfd = { .fd = r->efd, .events = POLLIN };
	struct uvf_css_irb irb;
	uint64_t v;

	if (uvf_css_ssch(r->sch, orb) != 0)
		die("ssch", EBUSY);
	for (;;) {
		if (poll(&pfd, 1, 5000) <= 0)
			die("doorbell", ETIMEDOUT);
		if (read(r->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			die("doorbell read", errno);
		if (uvf_css_tsch(r->sch, &irb) == 0)
			break;
	}
	if (irb.scsw.dstat != (UVF_CSS_DS_CE | UVF_CSS_DS_DE) ||
	    irb.scsw.cstat)
		die("status", EIO);
}

static void make_orb(struct uvf_css_orb *orb)
{
	memset(orb, 0, sizeof(*orb));
	uvf_css_put_be16(orb->ctl, UVF_CSS_ORB_F);
	orb->lpm = 0xFF;
	uvf_css_put_be32(orb->cpa, PROG);
}

static void build_rw(struct rig *r, bool write, uint32_t block)
{
	uint8_t *de = r->mem + PARM, *lo = r->mem + PARM + 16;

	memset(de, 0, 16);
	de[0] = write ? 0x00 : 0x40;
	uvf_css_put_be16(de + 2, BS);
	uvf_css_put_be32(de + 4, block);
	uvf_css_put_be32(de + 12, 7);
	lo[0] = write ? UVF_CSS_FBA_OP_WRITE_VERIFY : UVF_CSS_FBA_OP_READ;
	lo[1] = 0;
	uvf_css_put_be16(lo + 2, 8);
	uvf_css_put_be32(lo + 4, 0);
	put_ccw(r->mem, PROG, UVF_CSS_FBA_DEFINE_EXT, UVF_CSS_CCW_CC, 16, PARM);
	put_ccw(r->mem, PROG + 8, UVF_CSS_FBA_LOCATE, UVF_CSS_CCW_CC, 8,
		PARM + 16);
	put_ccw(r->mem, PROG + 16, write ? UVF_CSS_FBA_WRITE : UVF_CSS_FBA_READ,
		0, 4096, DATA);
}

enum kind { NOP, READ, WRITE };

static double bench_css(struct rig *r, enum kind k, double secs,
			unsigned long *ops)
{
	struct uvf_css_orb orb;
	uint32_t block = 0;
	double t0, t;

	make_orb(&orb);
	if (k == NOP)
		put_ccw(r->mem, PROG, UVF_CSS_CMD_NOOP, UVF_CSS_CCW_SLI, 0, 0);
	*ops = 0;
	t0 = now_s();
	do {
		if (k != NOP) {
			build_rw(r, k == WRITE, block);
			block = (block + 8) % BLOCKS;
		}
		run_once(r, &orb);
		++*ops;
		t = now_s();
	} while (t - t0 < secs);
	return (double)*ops / (t - t0);
}

/* ---- floors ------------------------------------------------------------- */

struct pingpong {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned long asked;
	bool stop;
	int efd;
};

static void *pong(void *arg)
{
	struct pingpong *p = arg;
	unsigned long seen = 0;
	uint64_t one = 1;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->asked == seen && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;
		seen = p->asked;
		if (write(p->efd, &one, sizeof(one)) < 0)
			die("floor write", errno);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static double floor_handoff(double secs)
{
	struct pingpong p = { .lock = PTHREAD_MUTEX_INITIALIZER,
			      .cond = PTHREAD_COND_INITIALIZER };
	struct pollfd pfd;
	unsigned long n = 0;
	pthread_t th;
	double t0, t;
	uint64_t v;

	p.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p.efd < 0 || pthread_create(&th, NULL, pong, &p))
		die("floor", errno);
	pfd = (struct pollfd){ .fd = p.efd, .events = POLLIN };
	t0 = now_s();
	do {
		pthread_mutex_lock(&p.lock);
		p.asked++;
		pthread_cond_signal(&p.cond);
		pthread_mutex_unlock(&p.lock);
		if (poll(&pfd, 1, 5000) <= 0 || read(p.efd, &v, sizeof(v)) < 0)
			die("floor poll", errno);
		n++;
		t = now_s();
	} while (t - t0 < secs);
	pthread_mutex_lock(&p.lock);
	p.stop = true;
	pthread_cond_signal(&p.cond);
	pthread_mutex_unlock(&p.lock);
	pthread_join(th, NULL);
	close(p.efd);
	return (double)n / (t - t0);
}

static double floor_io(const char *image, bool write, double secs)
{
	static uint8_t buf[4096];
	unsigned long n = 0;
	uint32_t block = 0;
	double t0, t;
	int fd = open(image, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("floor open", errno);
	t0 = now_s();
	do {
		off_t off = (off_t)block * BS;

		if (write ? pwrite(fd, buf, sizeof(buf), off) != sizeof(buf) ||
			    fdatasync(fd) :
			    pread(fd, buf, sizeof(buf), off) != sizeof(buf))
			die("floor io", errno);
		block = (block + 8) % BLOCKS;
		n++;
		t = now_s();
	} while (t - t0 < secs);
	close(fd);
	return (double)n / (t - t0);
}

int main(int argc, char **argv)
{
	static const char *const names[] = {
		"css_nop", "css_fba_read_4k", "css_fba_write_4k",
	};
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	double rate[3], floor[3];
	unsigned long ops[3];
	struct rig r;
	int k;

	if (secs <= 0)
		secs = 1.0;
	bench_pin_cpu0("bench-css: sched_setaffinity");
	rig_open(&r);
	for (k = NOP; k <= WRITE; k++)
		rate[k] = bench_css(&r, (enum kind)k, secs, &ops[k]);
	floor[NOP] = floor_handoff(secs);
	/* Serial costs add: 1 / (1/a + 1/b). */
	floor[READ] = 1.0 / (1.0 / floor[NOP] +
			     1.0 / floor_io(r.image, false, secs));
	floor[WRITE] = 1.0 / (1.0 / floor[NOP] +
			      1.0 / floor_io(r.image, true, secs));
	rig_close(&r);

	printf("%-18s %10s %12s %14s %8s\n", "bench", "programs",
	       "programs/s", "floor ops/s", "ratio");
	for (k = NOP; k <= WRITE; k++)
		printf("%-18s %10lu %12.0f %14.0f %8.2f\n", names[k], ops[k],
		       rate[k], floor[k], rate[k] / floor[k]);
	for (k = NOP; k <= WRITE; k++)
		printf("{\"bench\":\"%s\",\"ops_per_s\":%.0f,"
		       "\"floor_ops_per_s\":%.0f,\"ratio\":%.3f,\"programs\":%lu}\n",
		       names[k], rate[k], floor[k], rate[k] / floor[k], ops[k]);
	return 0;
}
