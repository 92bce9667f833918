/* SPDX-License-Identifier: MIT */
/*
 * css/mem.c - channel storage: user-registered host ranges at chosen
 * addresses, and the only code that dereferences them.
 *
 * Ranges live in an array sorted by address (binary search; maps are few
 * and change rarely).  Every copy holds the read side of a rwlock for its
 * duration and unmap takes the write side, so an unmap that returns has
 * waited out every copy that could still touch the removed memory.  A copy
 * is checked wholly before any byte moves, so a failing access stores
 * nothing.
 */
#include "css/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int uvf_css_mem_init(struct uvf_css_mem *m)
{
	m->ranges = NULL;
	m->nr = 0;
	return -pthread_rwlock_init(&m->lock, NULL);
}

void uvf_css_mem_fini(struct uvf_css_mem *m)
{
	free(m->ranges);
	m->ranges = NULL;
	m->nr = 0;
	pthread_rwlock_destroy(&m->lock);
}

/* Index of the first range whose end lies above addr. */
static unsigned lower_bound(const struct uvf_css_mem *m, uint64_t addr)
{
	unsigned lo = 0, hi = m->nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct uvf_css_mem_range *r = &m->ranges[mid];

		if (r->addr + r->len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int uvf_css_mem_map(struct uvf_css *css, uint64_t addr, void *host,
		    size_t len, unsigned prot)
{
	struct uvf_css_mem *m = &css->mem;
	struct uvf_css_mem_range *grown;
	unsigned i;
	int ret = 0;

	if (!len || !host || addr + len < addr ||
	    (prot & ~(UVF_CSS_PROT_READ | UVF_CSS_PROT_WRITE)))
		return -EINVAL;

	pthread_rwlock_wrlock(&m->lock);
	if (m->nr >= UVF_CSS_MEM_MAX_RANGES) {
		ret = -E2BIG;
		goto out;
	}
	i = lower_bound(m, addr);
	if (i < m->nr && m->ranges[i].addr < addr + len) {
		ret = -EEXIST;
		goto out;
	}
	grown = realloc(m->ranges, (m->nr + 1) * sizeof(*grown));
	if (!grown) {
		ret = -ENOMEM;
		goto out;
	}
	m->ranges = grown;
	memmove(&m->ranges[i + 1], &m->ranges[i],
		(m->nr - i) * sizeof(*grown));
	m->ranges[i] = (struct uvf_css_mem_range){
		.addr = addr, .len = len, .host = host, .prot = prot,
	};
	m->nr++;
out:
	pthread_rwlock_unlock(&m->lock);
	return ret;
}

int uvf_css_mem_unmap(struct uvf_css *css, uint64_t addr, size_t len)
{
	struct uvf_css_mem *m = &css->mem;
	uint64_t end = addr + len;
	unsigned i, j, removed;

	if (!len || end < addr)
		return -EINVAL;

	pthread_rwlock_wrlock(&m->lock);
	i = lower_bound(m, addr);
	for (j = i; j < m->nr && m->ranges[j].addr < end; j++) {
		const struct uvf_css_mem_range *r = &m->ranges[j];

		if (r->addr < addr || r->addr + r->len > end) {
			pthread_rwlock_unlock(&m->lock);
			return -EINVAL;
		}
	}
	removed = j - i;
	memmove(&m->ranges[i], &m->ranges[j], (m->nr - j) * sizeof(*m->ranges));
	m->nr -= removed;
	pthread_rwlock_unlock(&m->lock);
	return (int)removed;
}

/* Check [addr, addr+len) is covered by ranges allowing prot (caller holds
 * the read lock).  Adjacent ranges may together cover one access. */
static int check(const struct uvf_css_mem *m, uint64_t addr, size_t len,
		 unsigned prot)
{
	unsigned i = lower_bound(m, addr);

	if (addr + len < addr)
		return UVF_CSS_CS_PROG;
	while (len) {
		const struct uvf_css_mem_range *r;
		uint64_t n;

		if (i >= m->nr || m->ranges[i].addr > addr)
			return UVF_CSS_CS_PROG;
		r = &m->ranges[i];
		if (!(r->prot & prot))
			return UVF_CSS_CS_PROT;
		n = r->addr + r->len - addr;
		if (n > len)
			n = len;
		addr += n;
		len -= n;
		i++;
	}
	return 0;
}

static void copy(const struct uvf_css_mem *m, uint64_t addr, uint8_t *buf,
		 const uint8_t *src, size_t len)
{
	unsigned i = lower_bound(m, addr);

	while (len) {
		const struct uvf_css_mem_range *r = &m->ranges[i++];
		uint64_t off = addr - r->addr;
		size_t n = r->len - off < len ? (size_t)(r->len - off) : len;

		if (src) {
			memcpy(r->host + off, src, n);
			src += n;
		} else {
			memcpy(buf, r->host + off, n);
			buf += n;
		}
		addr += n;
		len -= n;
	}
}

int uvf_css_mem_read(struct uvf_css_mem *m, uint64_t addr, void *buf,
		     size_t len)
{
	int ret;

	pthread_rwlock_rdlock(&m->lock);
	ret = check(m, addr, len, UVF_CSS_PROT_READ);
	if (!ret)
		copy(m, addr, buf, NULL, len);
	pthread_rwlock_unlock(&m->lock);
	return ret;
}

int uvf_css_mem_write(struct uvf_css_mem *m, uint64_t addr, const void *buf,
		      size_t len)
{
	int ret;

	pthread_rwlock_rdlock(&m->lock);
	ret = check(m, addr, len, UVF_CSS_PROT_WRITE);
	if (!ret)
		copy(m, addr, NULL, buf, len);
	pthread_rwlock_unlock(&m->lock);
	return ret;
}
