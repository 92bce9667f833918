/* SPDX-License-Identifier: MIT */
/*
 * css/crw.c - the channel-report-word queue and STCRW.
 *
 * A fixed ring of UVF_CSS_CRW_QUEUE_LEN words.  A CRW that finds the ring
 * full is dropped and the overflow bit R is set on the next CRW that gets
 * queued (QEMU's rule), so the program learns that it must re-examine every
 * facility.  The lock is a leaf: callers may hold a subchannel lock, and
 * nothing else is taken under it.
 */
#include "css/internal.h"

#include <errno.h>

static void push(struct uvf_css *css, uint32_t crw)
{
	if (css->crw_nr == UVF_CSS_CRW_QUEUE_LEN) {
		css->crw_lost = true;
		return;
	}
	if (css->crw_lost) {
		crw |= UVF_CSS_CRW_R;
		css->crw_lost = false;
	}
	css->crw[(css->crw_head + css->crw_nr) % UVF_CSS_CRW_QUEUE_LEN] = crw;
	css->crw_nr++;
}

static uint32_t make(unsigned rsc, unsigned erc, bool chained, uint16_t rsid)
{
	return (chained ? UVF_CSS_CRW_C : 0) |
	       ((uint32_t)rsc << UVF_CSS_CRW_RSC_SHIFT & UVF_CSS_CRW_RSC_MASK) |
	       ((uint32_t)erc << UVF_CSS_CRW_ERC_SHIFT & UVF_CSS_CRW_ERC_MASK) |
	       rsid;
}

void uvf_css_crw_queue(struct uvf_css *css, unsigned rsc, unsigned erc,
		       bool chained, uint16_t rsid)
{
	pthread_mutex_lock(&css->crw_lock);
	push(css, make(rsc, erc, chained, rsid));
	uvf_css_ring(css->crw_doorbell);
	pthread_mutex_unlock(&css->crw_lock);
}

void uvf_css_crw_queue_sch(struct uvf_css *css, uint8_t ssid, uint16_t schno)
{
	bool chain = css->cssid || ssid;

	/* Both halves under one lock hold, so no other CRW splits the chain. */
	pthread_mutex_lock(&css->crw_lock);
	push(css, make(UVF_CSS_RSC_SCH, UVF_CSS_ERC_IPI, chain, schno));
	if (chain)
		push(css, make(UVF_CSS_RSC_SCH, UVF_CSS_ERC_IPI, false,
			       (uint16_t)(css->cssid << 8 | ssid << 4)));
	uvf_css_ring(css->crw_doorbell);
	pthread_mutex_unlock(&css->crw_lock);
}

int uvf_css_queue_crw(struct uvf_css *css, uint32_t crw)
{
	pthread_mutex_lock(&css->crw_lock);
	push(css, crw & ~UVF_CSS_CRW_R);
	uvf_css_ring(css->crw_doorbell);
	pthread_mutex_unlock(&css->crw_lock);
	return 0;
}

int uvf_css_stcrw(struct uvf_css *css, uint32_t *crw)
{
	int cc = 1;

	pthread_mutex_lock(&css->crw_lock);
	*crw = 0;
	if (css->crw_nr) {
		*crw = css->crw[css->crw_head];
		css->crw_head = (css->crw_head + 1) % UVF_CSS_CRW_QUEUE_LEN;
		css->crw_nr--;
		cc = 0;
	}
	pthread_mutex_unlock(&css->crw_lock);
	return cc;
}

int uvf_css_set_crw_doorbell(struct uvf_css *css, int eventfd)
{
	if (eventfd < -1)
		return -EBADF;
	pthread_mutex_lock(&css->crw_lock);
	css->crw_doorbell = eventfd;
	if (css->crw_nr)
		uvf_css_ring(eventfd);
	pthread_mutex_unlock(&css->crw_lock);
	return 0;
}
