/* SPDX-License-Identifier: MIT */
/*
 * css/css.c - channel-subsystem image and subchannel lifecycle, lookup and
 * doorbells.
 */
#include "css/internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void uvf_css_deadline(struct timespec *ts, unsigned long usec)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(usec / 1000000);
	ts->tv_nsec += (long)(usec % 1000000) * 1000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static int cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t a;
	int ret;

	ret = pthread_condattr_init(&a);
	if (ret)
		return -ret;
	ret = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return -ret;
}

int uvf_css_create(struct uvf_css **out, uint8_t cssid)
{
	struct uvf_css *css;
	int ret;

	css = calloc(1, sizeof(*css));
	if (!css)
		return -ENOMEM;
	css->cssid = cssid;
	css->crw_doorbell = -1;
	ret = uvf_css_mem_init(&css->mem);
	if (ret)
		goto err_free;
	pthread_mutex_init(&css->lock, NULL);
	pthread_mutex_init(&css->crw_lock, NULL);
	*out = css;
	return 0;

err_free:
	free(css);
	return ret;
}

void uvf_css_destroy(struct uvf_css *css)
{
	if (!css)
		return;
	while (css->schs)
		uvf_css_sch_destroy(css->schs);
	uvf_css_mem_fini(&css->mem);
	pthread_mutex_destroy(&css->crw_lock);
	pthread_mutex_destroy(&css->lock);
	free(css);
}

static bool cfg_valid(const struct uvf_css_sch_config *cfg)
{
	const struct uvf_css_devops *ops = cfg->ops;

	/* Check the ops table once, here, so the worker never meets a hole. */
	return cfg->ssid <= 3 && ops && ops->version == UVF_CSS_DEVOPS_VERSION &&
	       ops->chain_start && ops->exec && ops->take_sense && ops->halt &&
	       ops->clear;
}

int uvf_css_sch_create(struct uvf_css *css,
		       const struct uvf_css_sch_config *cfg,
		       struct uvf_css_sch **out)
{
	struct uvf_css_sch *sch, *it;
	int ret;

	if (!cfg_valid(cfg))
		return -EINVAL;
	sch = calloc(1, sizeof(*sch));
	if (!sch)
		return -ENOMEM;
	sch->css = css;
	sch->ssid = cfg->ssid;
	sch->schno = cfg->schno;
	sch->devno = cfg->devno;
	sch->ops = cfg->ops;
	sch->dev = cfg->dev;
	sch->doorbell = -1;
	sch->pause_at = -1;

	/* Power-on state: device known, disabled, all installed paths
	 * available and operational (channel-io.md §1.2, QEMU's reset). */
	sch->pmcw.flags = UVF_CSS_PMCW_DNV;
	sch->pmcw.devno = cfg->devno;
	sch->pmcw.pim = cfg->pim ? cfg->pim : 0x80;
	sch->pmcw.pam = sch->pmcw.pim;
	sch->pmcw.pom = 0xFF;
	sch->pmcw.lpm = sch->pmcw.pim;
	memcpy(sch->pmcw.chpid, cfg->chpid, sizeof(sch->pmcw.chpid));

	pthread_mutex_init(&sch->lock, NULL);
	ret = cond_init_monotonic(&sch->wake);
	if (ret)
		goto err_mutex;
	ret = cond_init_monotonic(&sch->changed);
	if (ret)
		goto err_wake;

	pthread_mutex_lock(&css->lock);
	for (it = css->schs; it; it = it->next) {
		if (it->ssid == cfg->ssid &&
		    (it->schno == cfg->schno || it->devno == cfg->devno)) {
			ret = -EEXIST;
			goto err_unlock;
		}
	}
	ret = -pthread_create(&sch->thread, NULL, uvf_css_worker_main, sch);
	if (ret)
		goto err_unlock;
	sch->next = css->schs;
	css->schs = sch;
	pthread_mutex_unlock(&css->lock);
	*out = sch;
	return 0;

err_unlock:
	pthread_mutex_unlock(&css->lock);
	pthread_cond_destroy(&sch->changed);
err_wake:
	pthread_cond_destroy(&sch->wake);
err_mutex:
	pthread_mutex_destroy(&sch->lock);
	free(sch);
	return ret;
}

void uvf_css_sch_destroy(struct uvf_css_sch *sch)
{
	struct uvf_css *css = sch->css;
	struct uvf_css_sch **pp;

	pthread_mutex_lock(&css->lock);
	for (pp = &css->schs; *pp; pp = &(*pp)->next) {
		if (*pp == sch) {
			*pp = sch->next;
			break;
		}
	}
	pthread_mutex_unlock(&css->lock);

	pthread_mutex_lock(&sch->lock);
	sch->stop = true;
	pthread_cond_broadcast(&sch->wake);
	uvf_css_sch_unlock(sch);
	pthread_join(sch->thread, NULL);

	if (sch->ops->destroy)
		sch->ops->destroy(sch->dev);
	pthread_cond_destroy(&sch->changed);
	pthread_cond_destroy(&sch->wake);
	pthread_mutex_destroy(&sch->lock);
	free(sch);
}

struct uvf_css_sch *uvf_css_find_sch(struct uvf_css *css, uint8_t ssid,
				     uint16_t schno)
{
	struct uvf_css_sch *it;

	pthread_mutex_lock(&css->lock);
	for (it = css->schs; it; it = it->next)
		if (it->ssid == ssid && it->schno == schno)
			break;
	pthread_mutex_unlock(&css->lock);
	return it;
}

struct uvf_css_sch *uvf_css_find_devno(struct uvf_css *css, uint8_t ssid,
				       uint16_t devno)
{
	struct uvf_css_sch *it;

	pthread_mutex_lock(&css->lock);
	for (it = css->schs; it; it = it->next)
		if (it->ssid == ssid && it->devno == devno)
			break;
	pthread_mutex_unlock(&css->lock);
	return it;
}

int uvf_css_find_schid(struct uvf_css *css, uint32_t schid,
		       struct uvf_css_sch **out)
{
	uint8_t cssid = (uint8_t)(schid >> 24);
	bool m = schid & 0x00080000;

	/* channel-io.md §1.1: the one bit must be set; without M the cssid
	 * field must be zero. */
	if (!(schid & 0x00010000) || (!m && cssid) ||
	    (schid & 0x00F00000))
		return -EINVAL;
	if (m && cssid != css->cssid)
		return -ENODEV;
	*out = uvf_css_find_sch(css, (uint8_t)(schid >> 17 & 3),
				(uint16_t)schid);
	return *out ? 0 : -ENODEV;
}

void uvf_css_ring(int fd)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is saturated, i.e. already rung; a
	 * consumer that reads it still sees a non-zero count. */
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
		/* nothing more to do */
	}
}

int uvf_css_sch_set_doorbell(struct uvf_css_sch *sch, int eventfd)
{
	if (eventfd < -1)
		return -EBADF;
	pthread_mutex_lock(&sch->lock);
	/* A ring of the old fd may be under way outside the lock: let it end
	 * (a few instructions) before the caller may close that fd. */
	while (atomic_load(&sch->ringing))
		sched_yield();
	sch->doorbell = eventfd;
	if (sch->scsw.ctrl & UVF_CSS_SC_PENDING)
		sch->ring_due = true;
	uvf_css_sch_unlock(sch);
	return 0;
}

void uvf_css_sch_unlock(struct uvf_css_sch *sch)
{
	bool kick = sch->kick_due;
	int fd = -1;

	if (sch->ring_due && sch->doorbell >= 0) {
		fd = sch->doorbell;
		atomic_fetch_add(&sch->ringing, 1);
	}
	sch->ring_due = false;
	sch->kick_due = false;
	pthread_mutex_unlock(&sch->lock);
	if (kick)
		pthread_cond_broadcast(&sch->wake);
	if (fd >= 0) {
		uvf_css_ring(fd);
		atomic_fetch_sub(&sch->ringing, 1);
	}
}

/* Wake-ups owed (doorbell, kick) go out with the lock dropped, never from
 * under it: the woken loop thread would run straight into the held lock
 * (on one CPU: two more context switches per status).  The wait then
 * returns at once, as a spurious wake-up; every caller re-checks its
 * condition under the lock. */
static bool release_owed(struct uvf_css_sch *sch)
{
	if (!sch->ring_due && !sch->kick_due)
		return false;
	uvf_css_sch_unlock(sch);
	pthread_mutex_lock(&sch->lock);
	return true;
}

void uvf_css_sch_wait(struct uvf_css_sch *sch, pthread_cond_t *cv)
{
	if (!release_owed(sch))
		pthread_cond_wait(cv, &sch->lock);
}

int uvf_css_sch_timedwait(struct uvf_css_sch *sch, pthread_cond_t *cv,
			  const struct timespec *deadline)
{
	if (release_owed(sch))
		return 0;
	return pthread_cond_timedwait(cv, &sch->lock, deadline);
}

void uvf_css_sch_make_pending(struct uvf_css_sch *sch, enum uvf_css_fn fn,
			      uint64_t seq, bool final)
{
	sch->scsw.ctrl |= UVF_CSS_SC_PENDING;
	sch->tag.seq = seq;
	sch->tag.fn = fn;
	sch->tag.final = final;
	/* Rung when the lock is dropped (uvf_css_sch_unlock). */
	sch->ring_due = true;
	pthread_cond_broadcast(&sch->changed);
}

bool uvf_css_sch_operational(const struct uvf_css_sch *sch)
{
	return !sch->not_oper && (sch->pmcw.flags & UVF_CSS_PMCW_DNV) &&
	       (sch->pmcw.flags & UVF_CSS_PMCW_ENA);
}

uint64_t uvf_css_sch_last_seq(struct uvf_css_sch *sch)
{
	uint64_t seq;

	pthread_mutex_lock(&sch->lock);
	seq = sch->fn_seq;
	uvf_css_sch_unlock(sch);
	return seq;
}

/* ESW word 0 of format 1: LPUM in byte 1. */
void uvf_css_sch_set_esw(struct uvf_css_sch *sch)
{
	memset(&sch->ext, 0, sizeof(sch->ext));
	sch->ext.esw[0] = (uint32_t)sch->pmcw.lpum << 16;
}
