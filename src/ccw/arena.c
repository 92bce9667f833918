/* SPDX-License-Identifier: MIT */
/*
 * ccw/arena.c - first-fit allocator over one read-only css mapping (see
 * arena.h for the model and its limits).
 */
#include "ccw/arena.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ccw/cp.h"
#include "uvfio/css.h"

struct extent {
	uint32_t off;
	uint32_t len;
};

struct uvf_ccw_arena {
	struct uvf_css *css;
	uint32_t base;
	size_t size;
	uint8_t *host;

	pthread_mutex_t lock;
	/* ---- under lock ---- */
	struct extent *free;	/* sorted by off, never adjacent */
	unsigned nfree, cap;
	size_t used;
	unsigned blocks;

	atomic_long programs;
};

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

int uvf_ccw_arena_create_at(struct uvf_css *css, uint32_t css_addr,
			    size_t size, struct uvf_ccw_arena **out)
{
	size_t pg = page_size();
	uint64_t end = (uint64_t)css_addr + size;
	struct uvf_ccw_arena *a;
	int ret;

	if (!css || !size || size % pg || css_addr % pg ||
	    end > 0x80000000ull || size > UINT32_MAX ||
	    (css_addr < (uint64_t)UVF_CCW_HOLE + UVF_CCW_HOLE_SIZE &&
	     end > UVF_CCW_HOLE))
		return -EINVAL;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->free = malloc(8 * sizeof(*a->free));
	if (!a->free) {
		ret = -ENOMEM;
		goto err_free;
	}
	a->cap = 8;
	a->host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->host == MAP_FAILED) {
		ret = -ENOMEM;
		goto err_free_list;
	}
	ret = uvf_css_mem_map(css, css_addr, a->host, size, UVF_CSS_PROT_READ);
	if (ret)
		goto err_unmap_host;
	a->css = css;
	a->base = css_addr;
	a->size = size;
	a->free[0] = (struct extent){ .off = 0, .len = (uint32_t)size };
	a->nfree = 1;
	pthread_mutex_init(&a->lock, NULL);
	atomic_init(&a->programs, 0);
	*out = a;
	return 0;

err_unmap_host:
	munmap(a->host, size);
err_free_list:
	free(a->free);
err_free:
	free(a);
	return ret;
}

int uvf_ccw_arena_create(struct uvf_css *css, struct uvf_ccw_arena **out)
{
	return uvf_ccw_arena_create_at(css, UVF_CCW_ARENA_ADDR,
				       UVF_CCW_ARENA_SIZE, out);
}

void uvf_ccw_arena_destroy(struct uvf_ccw_arena *a)
{
	if (!a)
		return;
	/* A live block may still be fetched by a channel: freeing it here
	 * would be a use-after-free, so this is a caller bug. */
	assert(a->blocks == 0);
	uvf_css_mem_unmap(a->css, a->base, a->size);
	munmap(a->host, a->size);
	pthread_mutex_destroy(&a->lock);
	free(a->free);
	free(a);
}

int uvf_ccw_arena_alloc(struct uvf_ccw_arena *a, size_t size,
			uint32_t *css_addr, void **host)
{
	struct extent *grown;
	size_t len;
	unsigned i;
	uint32_t off;

	if (!size)
		return -EINVAL;
	if (size > a->size)
		return -ENOMEM;
	len = (size + UVF_CCW_ARENA_ALIGN - 1) & ~(size_t)(UVF_CCW_ARENA_ALIGN - 1);

	pthread_mutex_lock(&a->lock);
	/* Free extents never outnumber live blocks + 1, so reserving room
	 * for blocks + 2 here means a free never has to grow the list. */
	if (a->cap < a->blocks + 2) {
		grown = realloc(a->free, 2 * a->cap * sizeof(*grown));
		if (!grown)
			goto nomem;
		a->free = grown;
		a->cap *= 2;
	}
	for (i = 0; i < a->nfree && a->free[i].len < len; i++)
		;
	if (i == a->nfree)
		goto nomem;
	off = a->free[i].off;
	if (a->free[i].len == len) {
		memmove(&a->free[i], &a->free[i + 1],
			(a->nfree - i - 1) * sizeof(*a->free));
		a->nfree--;
	} else {
		a->free[i].off += (uint32_t)len;
		a->free[i].len -= (uint32_t)len;
	}
	a->used += len;
	a->blocks++;
	pthread_mutex_unlock(&a->lock);

	/* Blocks are handed out zeroed: a stale CCW from an earlier program
	 * can never be fetched through a slot the new one left unwritten. */
	memset(a->host + off, 0, len);
	*css_addr = a->base + off;
	*host = a->host + off;
	return 0;

nomem:
	pthread_mutex_unlock(&a->lock);
	return -ENOMEM;
}

void uvf_ccw_arena_free(struct uvf_ccw_arena *a, uint32_t css_addr,
			size_t size)
{
	size_t len = (size + UVF_CCW_ARENA_ALIGN - 1) &
		     ~(size_t)(UVF_CCW_ARENA_ALIGN - 1);
	uint32_t off = css_addr - a->base;
	unsigned i;
	bool left, right;

	assert(css_addr >= a->base && len && off + len <= a->size);
	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->nfree && a->free[i].off < off; i++)
		;
	/* Freeing twice, or a block that overlaps free space: our bug. */
	assert(i == a->nfree || off + len <= a->free[i].off);
	assert(i == 0 || a->free[i - 1].off + a->free[i - 1].len <= off);
	left = i > 0 && a->free[i - 1].off + a->free[i - 1].len == off;
	right = i < a->nfree && off + len == a->free[i].off;
	if (left && right) {
		a->free[i - 1].len += (uint32_t)len + a->free[i].len;
		memmove(&a->free[i], &a->free[i + 1],
			(a->nfree - i - 1) * sizeof(*a->free));
		a->nfree--;
	} else if (left) {
		a->free[i - 1].len += (uint32_t)len;
	} else if (right) {
		a->free[i].off = off;
		a->free[i].len += (uint32_t)len;
	} else {
		assert(a->nfree < a->cap);
		memmove(&a->free[i + 1], &a->free[i],
			(a->nfree - i) * sizeof(*a->free));
		a->free[i] = (struct extent){ .off = off, .len = (uint32_t)len };
		a->nfree++;
	}
	a->used -= len;
	a->blocks--;
	pthread_mutex_unlock(&a->lock);
}

void uvf_ccw_arena_stats(struct uvf_ccw_arena *a,
			 struct uvf_ccw_arena_stats *st)
{
	unsigned i;

	pthread_mutex_lock(&a->lock);
	st->size = a->size;
	st->used = a->used;
	st->blocks = a->blocks;
	st->extents = a->nfree;
	st->largest_free = 0;
	for (i = 0; i < a->nfree; i++)
		if (a->free[i].len > st->largest_free)
			st->largest_free = a->free[i].len;
	pthread_mutex_unlock(&a->lock);
}

uint32_t uvf_ccw_arena_base(const struct uvf_ccw_arena *a)
{
	return a->base;
}

size_t uvf_ccw_arena_size(const struct uvf_ccw_arena *a)
{
	return a->size;
}

void uvf_ccw_arena_count_program(struct uvf_ccw_arena *a, int delta)
{
	atomic_fetch_add(&a->programs, delta);
}

long uvf_ccw_arena_programs(const struct uvf_ccw_arena *a)
{
	return atomic_load(&a->programs);
}
