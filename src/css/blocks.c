/* SPDX-License-Identifier: MIT */
/*
 * css/blocks.c - the one place where architected big-endian blocks are
 * converted to and from host-order state (QEMU's copy_*_to/from_guest).
 *
 * Each packed member is read through uvf_css_get_be*() on its byte array, so
 * neither alignment nor host byte order matters.
 */
#include "css/internal.h"

#include <string.h>

void uvf_css_orb_from_be(struct uvf_css_orb_host *h,
			 const struct uvf_css_orb *be)
{
	h->intparm = uvf_css_get_be32(be->intparm);
	h->ctl = uvf_css_get_be16(be->ctl);
	h->lpm = be->lpm;
	h->ctl2 = be->ctl2;
	h->cpa = uvf_css_get_be32(be->cpa);
}

void uvf_css_scsw_to_be(struct uvf_css_scsw *be,
			const struct uvf_css_scsw_host *h)
{
	uvf_css_put_be16(be->flags, h->flags);
	uvf_css_put_be16(be->ctrl, h->ctrl);
	uvf_css_put_be32(be->cpa, h->cpa);
	be->dstat = h->dstat;
	be->cstat = h->cstat;
	uvf_css_put_be16(be->count, h->count);
}

void uvf_css_scsw_from_be(struct uvf_css_scsw_host *h,
			  const struct uvf_css_scsw *be)
{
	h->flags = uvf_css_get_be16(be->flags);
	h->ctrl = uvf_css_get_be16(be->ctrl);
	h->cpa = uvf_css_get_be32(be->cpa);
	h->dstat = be->dstat;
	h->cstat = be->cstat;
	h->count = uvf_css_get_be16(be->count);
}

static void pmcw_to_be(struct uvf_css_pmcw *be,
		       const struct uvf_css_pmcw_host *h)
{
	uvf_css_put_be32(be->intparm, h->intparm);
	uvf_css_put_be16(be->flags, h->flags);
	uvf_css_put_be16(be->devno, h->devno);
	be->lpm = h->lpm;
	be->pnom = h->pnom;
	be->lpum = h->lpum;
	be->pim = h->pim;
	uvf_css_put_be16(be->mbi, h->mbi);
	be->pom = h->pom;
	be->pam = h->pam;
	memcpy(be->chpid, h->chpid, sizeof(be->chpid));
	uvf_css_put_be32(be->chars, h->chars);
}

static void pmcw_from_be(struct uvf_css_pmcw_host *h,
			 const struct uvf_css_pmcw *be)
{
	h->intparm = uvf_css_get_be32(be->intparm);
	h->flags = uvf_css_get_be16(be->flags);
	h->devno = uvf_css_get_be16(be->devno);
	h->lpm = be->lpm;
	h->pnom = be->pnom;
	h->lpum = be->lpum;
	h->pim = be->pim;
	h->mbi = uvf_css_get_be16(be->mbi);
	h->pom = be->pom;
	h->pam = be->pam;
	memcpy(h->chpid, be->chpid, sizeof(h->chpid));
	h->chars = uvf_css_get_be32(be->chars);
}

void uvf_css_schib_to_be(struct uvf_css_schib *be,
			 const struct uvf_css_schib_host *h)
{
	pmcw_to_be(&be->pmcw, &h->pmcw);
	uvf_css_scsw_to_be(&be->scsw, &h->scsw);
	uvf_css_put_be64(be->mba, h->mba);
	uvf_css_put_be32(be->mda, h->mda);
}

void uvf_css_schib_from_be(struct uvf_css_schib_host *h,
			   const struct uvf_css_schib *be)
{
	pmcw_from_be(&h->pmcw, &be->pmcw);
	uvf_css_scsw_from_be(&h->scsw, &be->scsw);
	h->mba = uvf_css_get_be64(be->mba);
	h->mda = uvf_css_get_be32(be->mda);
}

void uvf_css_irb_to_be(struct uvf_css_irb *be,
		       const struct uvf_css_scsw_host *scsw,
		       const struct uvf_css_ext_host *ext)
{
	unsigned i;

	memset(be, 0, sizeof(*be));
	uvf_css_scsw_to_be(&be->scsw, scsw);
	for (i = 0; i < 5; i++)
		uvf_css_put_be32(be->esw + 4 * i, ext->esw[i]);
	memcpy(be->ecw, ext->ecw, sizeof(be->ecw));
}

void uvf_css_ccw_decode(struct uvf_css_ccw_host *h, const uint8_t raw[8],
			bool fmt1)
{
	if (fmt1) {
		h->cmd = raw[0];
		h->flags = raw[1];
		h->count = uvf_css_get_be16(raw + 2);
		h->cda = uvf_css_get_be32(raw + 4);
		return;
	}
	/* Format 0: the TIC ignores the high nibble and its flags/count. */
	h->cda = (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
	if (uvf_css_cmd_is_tic(raw[0])) {
		h->cmd = UVF_CSS_CMD_TIC;
		h->flags = 0;
		h->count = 0;
		return;
	}
	h->cmd = raw[0];
	h->flags = raw[4];
	h->count = uvf_css_get_be16(raw + 6);
}

_Static_assert(sizeof(struct uvf_css_orb) == 32, "ORB is 32 bytes");
_Static_assert(sizeof(struct uvf_css_ccw0) == 8, "CCW0 is 8 bytes");
_Static_assert(sizeof(struct uvf_css_ccw1) == 8, "CCW1 is 8 bytes");
_Static_assert(sizeof(struct uvf_css_scsw) == 12, "SCSW is 12 bytes");
_Static_assert(sizeof(struct uvf_css_pmcw) == 28, "PMCW is 28 bytes");
_Static_assert(sizeof(struct uvf_css_schib) == 52, "SCHIB is 52 bytes");
_Static_assert(sizeof(struct uvf_css_irb) == 96, "IRB is 96 bytes");
_Static_assert(sizeof(struct uvf_css_crw) == 4, "CRW is 4 bytes");
_Static_assert(sizeof(struct uvf_css_idaw1) == 4, "IDAW1 is 4 bytes");
_Static_assert(sizeof(struct uvf_css_idaw2) == 8, "IDAW2 is 8 bytes");
