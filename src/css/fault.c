/* SPDX-License-Identifier: MIT */
/*
 * css/fault.c - fault injection and test knobs.
 *
 * Every knob is subchannel state under the subchannel lock; changing one
 * wakes the worker so it re-evaluates at once (a delay is cut short, a
 * pause ends, a hang is lifted).
 */
#include "css/internal.h"

#include <errno.h>
#include <string.h>

/* Lock, change one knob, wake the worker. */
#define SET_KNOB(sch, stmt)					\
	do {							\
		pthread_mutex_lock(&(sch)->lock);		\
		stmt;						\
		pthread_cond_broadcast(&(sch)->wake);		\
		uvf_css_sch_unlock(sch);		\
	} while (0)

int uvf_css_sch_set_delay(struct uvf_css_sch *sch, unsigned usec)
{
	SET_KNOB(sch, sch->delay_us = usec);
	return 0;
}

int uvf_css_sch_pause_at(struct uvf_css_sch *sch, int index)
{
	if (index < -1)
		return -EINVAL;
	SET_KNOB(sch, sch->pause_at = index);
	return 0;
}

int uvf_css_sch_wait_paused(struct uvf_css_sch *sch, unsigned timeout_ms)
{
	struct timespec deadline;
	int ret = 0;

	uvf_css_deadline(&deadline, (unsigned long)timeout_ms * 1000);
	pthread_mutex_lock(&sch->lock);
	while (!sch->paused && ret != ETIMEDOUT)
		ret = uvf_css_sch_timedwait(sch, &sch->changed,
					     &deadline);
	ret = sch->paused ? 0 : -ETIMEDOUT;
	uvf_css_sch_unlock(sch);
	return ret;
}

int uvf_css_sch_wait_ctrl(struct uvf_css_sch *sch, uint16_t mask,
			  uint16_t want, unsigned timeout_ms)
{
	struct timespec deadline;
	int ret = 0;

	uvf_css_deadline(&deadline, (unsigned long)timeout_ms * 1000);
	pthread_mutex_lock(&sch->lock);
	while ((sch->scsw.ctrl & mask) != want && ret != ETIMEDOUT)
		ret = uvf_css_sch_timedwait(sch, &sch->changed,
					     &deadline);
	ret = (sch->scsw.ctrl & mask) == want ? 0 : -ETIMEDOUT;
	uvf_css_sch_unlock(sch);
	return ret;
}

int uvf_css_fault_hang(struct uvf_css_sch *sch, bool on)
{
	SET_KNOB(sch, sch->hang = on);
	return 0;
}

int uvf_css_fault_clear_hang(struct uvf_css_sch *sch, bool on)
{
	SET_KNOB(sch, sch->clear_hang = on);
	return 0;
}

int uvf_css_fault_unsolicited(struct uvf_css_sch *sch, uint8_t dstat)
{
	if (!dstat)
		return -EINVAL;
	SET_KNOB(sch, sch->unsol_dstat |= dstat);
	return 0;
}

int uvf_css_fault_device_gone(struct uvf_css_sch *sch)
{
	pthread_mutex_lock(&sch->lock);
	if (sch->not_oper) {
		uvf_css_sch_unlock(sch);
		return -EALREADY;
	}
	sch->not_oper = true;
	sch->pmcw.flags &= ~(UVF_CSS_PMCW_DNV | UVF_CSS_PMCW_ENA);
	sch->pmcw.pnom = sch->pmcw.pim;
	sch->pmcw.pom = 0;
	sch->pmcw.lpum = 0;
	pthread_cond_broadcast(&sch->wake);
	/* Wait for the worker to let go: it checks not_oper at every
	 * command boundary and in every wait, and a device op in progress
	 * ends by itself.  After this no storage is touched for sch. */
	while (sch->busy)
		uvf_css_sch_wait(sch, &sch->changed);
	sch->scsw = (struct uvf_css_scsw_host){ 0 };
	memset(&sch->ext, 0, sizeof(sch->ext));
	memset(&sch->tag, 0, sizeof(sch->tag));
	sch->pci_owed = false;
	sch->unsol_dstat = 0;
	uvf_css_sch_unlock(sch);

	uvf_css_crw_queue_sch(sch->css, sch->ssid, sch->schno);
	return 0;
}

int uvf_css_fault_device_back(struct uvf_css_sch *sch)
{
	pthread_mutex_lock(&sch->lock);
	if (!sch->not_oper) {
		uvf_css_sch_unlock(sch);
		return -EALREADY;
	}
	sch->not_oper = false;
	sch->pmcw.flags |= UVF_CSS_PMCW_DNV;
	sch->pmcw.pnom = 0;
	sch->pmcw.pom = 0xFF;
	sch->scsw = (struct uvf_css_scsw_host){ 0 };
	sch->reset_dev = true;
	pthread_cond_broadcast(&sch->wake);
	uvf_css_sch_unlock(sch);

	uvf_css_crw_queue_sch(sch->css, sch->ssid, sch->schno);
	return 0;
}

int uvf_css_fault_path(struct uvf_css *css, uint8_t chpid, bool online)
{
	struct uvf_css_sch *sch;
	uint8_t bit;
	unsigned i;

	pthread_mutex_lock(&css->lock);
	for (sch = css->schs; sch; sch = sch->next) {
		pthread_mutex_lock(&sch->lock);
		for (i = 0; i < 8; i++) {
			bit = (uint8_t)(0x80 >> i);
			if (!(sch->pmcw.pim & bit) || sch->pmcw.chpid[i] != chpid)
				continue;
			if (online)
				sch->pmcw.pam |= bit;
			else
				sch->pmcw.pam &= (uint8_t)~bit;
		}
		uvf_css_sch_unlock(sch);
	}
	pthread_mutex_unlock(&css->lock);

	uvf_css_crw_queue(css, UVF_CSS_RSC_CHP,
			  online ? UVF_CSS_ERC_INIT : UVF_CSS_ERC_PERRN,
			  false, chpid);
	return 0;
}
