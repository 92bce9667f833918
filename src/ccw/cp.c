/* SPDX-License-Identifier: MIT */
/*
 * ccw/cp.c - channel-program translation (model and rules in cp.h).
 *
 * Three passes over a private copy of the guest program:
 *  1. discover: from the CPA, follow every path the channel could take,
 *     reading each guest CCW once into a node.  A node remembers the
 *     contexts it is reached in (command start, or data chaining under a
 *     read / read-backward / write-or-control / NOP command; each also
 *     "right after a TIC"), because what the channel checks and which way
 *     data moves depend on them;
 *  2. layout: nodes that must follow each other in storage (chaining and
 *     status-modifier skips) form runs = segments; runs are checked against
 *     the limits and placed in one arena block, an 8-byte trap CCW after
 *     each so "last CCW + 8" of one run is never the start of the next;
 *  3. translate: per node, the host CCW and its IDAL (guest IDAL read once,
 *     data windows set up), then everything is written into the block.
 */
#include "ccw/cp.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ccw/arena.h"

/* Contexts a CCW is reached in: class of the command it executes for
 * (CLS_START: it starts a command itself), times "right after a TIC". */
enum cls { CLS_START, CLS_FETCH, CLS_NOP, CLS_STORE, CLS_BACK, NR_CLS };
#define CTX(cls, after_tic)	((uint16_t)(1u << ((cls) * 2 + (after_tic))))
#define CTX_CLS(ctx, cls)	((ctx) & (3u << ((cls) * 2)))
/* Every context not right after a TIC; command-start contexts. */
#define CTX_NOT_AFTER_TIC	0x155u
#define CTX_START_ANY		0x003u

/* Discovery bound: every counted CCW adds at most one skip target. */
#define MAX_NODES	(2 * UVF_CCW_CP_MAX_SEGS * UVF_CCW_CP_MAX_SEG_CCWS)
/* The node index starts small (most programs have a handful of CCWs) and
 * doubles to stay at most half full; 16384 > 2 * MAX_NODES. */
/* Below this many elements, sort by insertion (no qsort set-up). */
#define SMALL_SORT	32u
#define HASH_MIN	64u
#define HASH_MAX	16384u

/* Trap CCW: invalid command code and the MIDA flag, so the channel rejects
 * it whether it starts a command or is data-chained to. */
#define TRAP_CMD	0x00
#define TRAP_FLAGS	UVF_CSS_CCW_MIDA
/* IDAL address whose first IDAW cannot be fetched; IDAW off every block
 * boundary (offset 1: neither 0 nor block - 1); base for data addresses of
 * CCWs that never move data (4 KiB aligned, + offset < 4096). */
#define TRAP_IDAL	((uint32_t)UVF_CCW_HOLE)
#define BAD_IDAW	((uint64_t)UVF_CCW_HOLE + 1)
#define NOWHERE		((uint64_t)UVF_CCW_HOLE + 0x1000)

struct range {
	uint64_t addr, len;
};

struct rlist {
	struct range *r;
	unsigned n, cap;
};

struct run {
	uint64_t guest;		/* guest address of the first node */
	uint32_t host;		/* css address of its copy */
	uint32_t n;		/* CCWs */
	uint32_t counted;	/* of them against UVF_CCW_CP_MAX_SEG_CCWS */
};

struct uvf_ccw_cp {
	atomic_int refs;
	struct uvf_ccw_arena *arena;
	uint32_t block;		/* css address of the arena block */
	size_t block_len;
	bool guest_fmt1;
	unsigned nruns;
	struct run runs[UVF_CCW_CP_MAX_SEGS];
	struct rlist touched;	/* CCW/IDAL sources and data windows */
	struct rlist writes;	/* store windows */
};

struct node {
	uint64_t gaddr;
	uint8_t cmd, flags;	/* format-1 form (format 0 converted) */
	uint16_t count;
	uint32_t cda;
	bool fetched;		/* aligned, in range, read from the guest */
	bool dc_seen;		/* reached by data chaining */
	uint16_t dc_count;	/* count of the CCW the channel held then */
	bool link_next;		/* the node at gaddr + 8 must follow it */
	bool counted;		/* reached other than as a status-modifier
				 * skip target: counts against the limit */
	uint16_t ctx;		/* contexts reached in */
	uint32_t slot;		/* css address of the host copy */
	/* translation */
	uint8_t hcmd, hflags;
	uint16_t hcount;
	uint32_t hcda;		/* unless idal >= 0 */
	int32_t idal;		/* first entry in build.idaws, or -1 */
};

struct work {
	uint16_t node;
	uint16_t ctx;
};

struct build {
	const struct uvf_ccw_cp_env *env;
	struct uvf_ccw_cp *cp;
	bool fmt1, orb_s;
	unsigned gidaw;		/* guest IDAW size: 4 or 8 */
	uint32_t block;		/* IDAW block size, guest = host */
	uint64_t limit;		/* CCW address space: 2^24 or 2^31 */

	struct node *nodes;
	unsigned nnodes, ncap;
	uint16_t *hash;		/* node index + 1, 0 = empty */
	unsigned hmask;		/* hash size - 1; 0 before the first reserve */
	unsigned hcap;		/* entries allocated */
	struct key *keys;	/* sort_nodes() */
	unsigned kcap, ocap;
	struct work *work;
	unsigned nwork, wcap;
	uint64_t *idaws;	/* host IDAW values of all IDALs */
	unsigned nidaws, icap;
	uint16_t *order;	/* nodes sorted by gaddr */
};

/* ---- small containers --------------------------------------------------- */

static int grow(void **p, unsigned *cap, unsigned need, size_t elem)
{
	unsigned ncap = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	q = realloc(*p, (size_t)ncap * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

static int rlist_add(struct rlist *l, uint64_t addr, uint64_t len)
{
	int ret;

	if (!len)
		return 0;
	ret = grow((void **)&l->r, &l->cap, l->n + 1, sizeof(*l->r));
	if (ret)
		return ret;
	l->r[l->n++] = (struct range){ addr, len };
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Sort and merge overlapping or adjacent ranges. */
static void rlist_merge(struct rlist *l)
{
	unsigned i, o = 0;

	if (!l->n)
		return;
	if (l->n > SMALL_SORT) {
		qsort(l->r, l->n, sizeof(*l->r), range_cmp);
	} else {
		/* Insertion sort: a few ranges, usually in order already. */
		for (i = 1; i < l->n; i++) {
			struct range x = l->r[i];
			unsigned j = i;

			for (; j && l->r[j - 1].addr > x.addr; j--)
				l->r[j] = l->r[j - 1];
			l->r[j] = x;
		}
	}
	for (i = 1; i < l->n; i++) {
		struct range *last = &l->r[o];

		if (l->r[i].addr <= last->addr + last->len) {
			uint64_t end = l->r[i].addr + l->r[i].len;

			if (end > last->addr + last->len)
				last->len = end - last->addr;
		} else {
			l->r[++o] = l->r[i];
		}
	}
	l->n = o + 1;
}

static bool rlist_hits(const struct rlist *l, uint64_t addr, uint64_t len)
{
	unsigned lo = 0, hi = l->n;

	/* First range ending above addr; it overlaps iff it starts below
	 * the end of the query. */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (l->r[mid].addr + l->r[mid].len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n && l->r[lo].addr < addr + len;
}

/* ---- command classes ---------------------------------------------------- */

static bool is_tic(uint8_t cmd)
{
	return uvf_css_cmd_is_tic(cmd);
}

/* The class of a command that starts here (not TIC, not invalid). */
static enum cls cmd_cls(uint8_t cmd)
{
	if (uvf_css_cmd_is_read_backward(cmd))
		return CLS_BACK;
	if (uvf_css_cmd_is_read(cmd) || uvf_css_cmd_is_sense(cmd))
		return CLS_STORE;
	if (cmd == UVF_CSS_CMD_NOOP)
		return CLS_NOP;
	return CLS_FETCH;
}

static enum cls eff_cls(const struct node *n, enum cls c)
{
	return c == CLS_START ? cmd_cls(n->cmd) : c;
}

/* ---- the channel's fetch-time checks (mirrors css/chanprog.c) ----------- */

static bool tic_ok(const struct build *b, const struct node *n)
{
	return n->cmd == UVF_CSS_CMD_TIC && !n->flags && !n->count &&
	       !(n->cda & 7) && n->cda < b->limit;
}

/*
 * Would the channel reject this non-TIC CCW when fetching it in class c?
 * Split by who decides: the host css repeats the first kind on the copy
 * (it keeps command code, flags and count); the second kind is lost in the
 * conversion and decided here.
 */
static bool fails_on_host(const struct build *b, const struct node *n,
			  enum cls c)
{
	bool dchain = c != CLS_START;

	return (!dchain && uvf_css_cmd_is_invalid(n->cmd)) ||
	       (dchain && !n->count) ||
	       ((n->flags & UVF_CSS_CCW_S) && (dchain || !b->orb_s));
}

static bool fails_here(const struct build *b, const struct node *n,
		       enum cls c)
{
	if ((n->flags & UVF_CSS_CCW_MIDA) || (!b->fmt1 && !n->count))
		return true;
	if (n->flags & UVF_CSS_CCW_IDA)
		return (n->cda & (b->gidaw - 1)) || n->cda >= b->limit;
	if (!n->count)
		return false;
	if (eff_cls(n, c) == CLS_BACK)
		return n->cda >= b->limit || n->cda + 1ull < n->count;
	return (uint64_t)n->cda + n->count > b->limit;
}

static bool ccw_fails(const struct build *b, const struct node *n,
		      enum cls c)
{
	return fails_on_host(b, n, c) || fails_here(b, n, c);
}

/* ---- pass 1: discovery -------------------------------------------------- */

static unsigned hash_of(const struct build *b, uint64_t gaddr)
{
	return (unsigned)((gaddr * 0x9E3779B97F4A7C15ull) >> 32) & b->hmask;
}

static int lookup(const struct build *b, uint64_t gaddr)
{
	unsigned h = hash_of(b, gaddr);

	for (; b->hash[h]; h = (h + 1) & b->hmask)
		if (b->nodes[b->hash[h] - 1].gaddr == gaddr)
			return b->hash[h] - 1;
	return -1;
}

static void hash_put(struct build *b, unsigned i)
{
	unsigned h = hash_of(b, b->nodes[i].gaddr);

	while (b->hash[h])
		h = (h + 1) & b->hmask;
	b->hash[h] = (uint16_t)(i + 1);
}

/* Room for one more node at most half full: a table of size HASH_MIN at
 * first, doubled (and refilled) as the program grows. */
static int hash_reserve(struct build *b)
{
	unsigned size = b->hmask ? 2 * (b->hmask + 1) : HASH_MIN;
	int ret;

	if (b->hmask && 2 * (b->nnodes + 1) <= b->hmask + 1)
		return 0;
	if (size > HASH_MAX)
		return -EINVAL;		/* cannot happen below MAX_NODES */
	ret = grow((void **)&b->hash, &b->hcap, size, sizeof(*b->hash));
	if (ret)
		return ret;
	/* Refilled from the nodes: the old layout is not needed. */
	memset(b->hash, 0, size * sizeof(*b->hash));
	b->hmask = size - 1;
	for (unsigned i = 0; i < b->nnodes; i++)
		hash_put(b, i);
	return 0;
}

/* Read the CCW once.  A CCW the channel could not fetch (misaligned, out
 * of range, outside the maps) stays !fetched and becomes a trap. */
static void fetch(struct build *b, struct node *n)
{
	struct uvf_css_ccw_host c;
	uint8_t raw[8];

	if ((n->gaddr & 7) || n->gaddr >= b->limit ||
	    b->env->read(b->env->ctx, n->gaddr, raw, sizeof(raw)))
		return;
	n->fetched = true;
	uvf_css_ccw_decode(&c, raw, b->fmt1);
	n->cmd = c.cmd;
	n->flags = c.flags;
	n->count = c.count;
	n->cda = c.cda;
}

/* Note that gaddr is reached in ctx; returns the node index or -errno.
 * held: for data chaining, the count of the CCW the channel holds while it
 * fetches this one (the css reports the residual of a failed chaining fetch
 * against it). */
static int reach(struct build *b, uint64_t gaddr, uint16_t ctx,
		 uint16_t held, bool skip_target)
{
	struct node *n;
	int i = lookup(b, gaddr), ret;

	if (i < 0) {
		if (b->nnodes == MAX_NODES)
			return -EINVAL;
		ret = grow((void **)&b->nodes, &b->ncap, b->nnodes + 1,
			   sizeof(*b->nodes));
		if (!ret)
			ret = hash_reserve(b);
		if (ret)
			return ret;
		i = (int)b->nnodes++;
		n = &b->nodes[i];
		memset(n, 0, sizeof(*n));
		n->gaddr = gaddr;
		n->idal = -1;
		hash_put(b, (unsigned)i);
		fetch(b, n);
		if (n->fetched) {
			ret = rlist_add(&b->cp->touched, gaddr, 8);
			if (ret)
				return ret;
		}
	}
	n = &b->nodes[i];
	if (!skip_target)
		n->counted = true;
	if (!(ctx & CTX_START_ANY) && !n->dc_seen) {
		n->dc_seen = true;
		n->dc_count = held;
	}
	if (n->ctx & ctx)
		return i;
	n->ctx |= ctx;
	ret = grow((void **)&b->work, &b->wcap, b->nwork + 1, sizeof(*b->work));
	if (ret)
		return ret;
	b->work[b->nwork++] = (struct work){ (uint16_t)i, ctx };
	return i;
}

/* Where can the channel go after executing node i in context ctx? */
static int expand(struct build *b, unsigned i, uint16_t ctx)
{
	struct node *n = &b->nodes[i];
	uint64_t gaddr = n->gaddr;
	unsigned bit = (unsigned)__builtin_ctz(ctx);
	enum cls c = (enum cls)(bit / 2);
	bool after_tic = bit & 1;
	uint8_t flags = n->flags;
	int j;

	if (!n->fetched)
		return 0;
	if (is_tic(n->cmd)) {
		/* A TIC right after a TIC is a program check: stop. */
		if (after_tic || !tic_ok(b, n))
			return 0;
		/* The channel holds the TIC (count 0) meanwhile. */
		j = reach(b, n->cda, CTX(c, 1), 0, false);
		return j < 0 ? j : 0;
	}
	if (ccw_fails(b, n, c))
		return 0;
	if (flags & UVF_CSS_CCW_CD) {
		n->link_next = true;
		j = reach(b, gaddr + 8, CTX(eff_cls(n, c), 0), n->count, false);
		return j < 0 ? j : 0;
	}
	if (!(flags & UVF_CSS_CCW_CC))
		return 0;
	/* Command chaining: the next CCW, or with status modifier the one
	 * after it, so both must follow this one in storage. */
	n->link_next = true;
	j = reach(b, gaddr + 8, CTX(CLS_START, 0), 0, false);
	if (j < 0)
		return j;
	b->nodes[j].link_next = true;
	j = reach(b, gaddr + 16, CTX(CLS_START, 0), 0, true);
	return j < 0 ? j : 0;
}

static int discover(struct build *b, uint32_t cpa, int *cpa_node)
{
	unsigned w = 0;
	int ret;

	ret = reach(b, cpa, CTX(CLS_START, 0), 0, false);
	if (ret < 0)
		return ret;
	*cpa_node = ret;
	for (; w < b->nwork; w++) {
		ret = expand(b, b->work[w].node, b->work[w].ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- pass 2: layout ----------------------------------------------------- */

struct key {
	uint64_t gaddr;
	uint16_t node;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	return x->gaddr < y->gaddr ? -1 : x->gaddr > y->gaddr;
}

static int sort_nodes(struct build *b)
{
	struct key *k;
	unsigned i;
	int ret = grow((void **)&b->keys, &b->kcap, b->nnodes, sizeof(*b->keys));

	if (!ret)
		ret = grow((void **)&b->order, &b->ocap, b->nnodes, sizeof(*b->order));
	if (ret)
		return ret;
	k = b->keys;
	for (i = 0; i < b->nnodes; i++) {
		struct key x = { b->nodes[i].gaddr, (uint16_t)i };
		unsigned j = i;

		/* Insertion sort while small (nodes come mostly in order). */
		for (; i <= SMALL_SORT && j && k[j - 1].gaddr > x.gaddr; j--)
			k[j] = k[j - 1];
		k[j] = x;
	}
	if (b->nnodes > SMALL_SORT)
		qsort(k, b->nnodes, sizeof(*k), key_cmp);
	for (i = 0; i < b->nnodes; i++)
		b->order[i] = k[i].node;
	return 0;
}

/* Runs, their placement, and the size of the CCW part of the block. */
static int layout(struct build *b, uint32_t *ccw_bytes)
{
	struct uvf_ccw_cp *cp = b->cp;
	struct node *prev = NULL, *n;
	struct run *r = NULL;
	uint32_t off = 0;
	unsigned i;
	int ret;

	ret = sort_nodes(b);
	if (ret)
		return ret;
	for (i = 0; i < b->nnodes; i++) {
		n = &b->nodes[b->order[i]];
		if (!prev || !prev->link_next || prev->gaddr + 8 != n->gaddr) {
			if (cp->nruns == UVF_CCW_CP_MAX_SEGS)
				return -EINVAL;
			if (r)
				off += 8 * (r->n + 1);	/* + trap gap */
			r = &cp->runs[cp->nruns++];
			r->guest = n->gaddr;
			r->host = off;		/* block-relative for now */
			r->n = 0;
			r->counted = 0;
		}
		if (n->counted && r->counted++ == UVF_CCW_CP_MAX_SEG_CCWS)
			return -EINVAL;
		n->slot = r->host + 8 * r->n++;
		prev = n;
	}
	*ccw_bytes = off + 8 * (r->n + 1);
	return 0;
}

/* ---- pass 3: translation ------------------------------------------------ */

static int add_idaws(struct build *b, unsigned n)
{
	if (b->nidaws + n > UVF_CCW_CP_MAX_IDAWS)
		return -EINVAL;
	return grow((void **)&b->idaws, &b->icap, b->nidaws + n,
		    sizeof(*b->idaws));
}

/* How the data of one CCW is reached. */
struct data_use {
	bool read, write;	/* the channel fetches / stores */
	bool optional;		/* NOP: try, fall back to no data */
	bool backward;
};

/* Window one guest segment [g, g+len): *base = css address of g, or
 * NOWHERE-relative when the CCW moves no data there. */
static int map_seg(struct build *b, const struct data_use *u, uint64_t g,
		   uint64_t len, bool *nowhere, uint64_t *base)
{
	const struct uvf_ccw_cp_env *env = b->env;
	bool want[2] = { u->read, u->write };
	unsigned k;
	int ret;

	*nowhere = false;
	if (!u->read && !u->write && !u->optional) {
		*nowhere = true;
		return 0;
	}
	if (g + len < g || g + len > UINT64_MAX - UVF_CCW_WINDOW_BASE) {
		/* No window can hold it: outside every map. */
		if (u->read || u->write)
			return -EFAULT;
		*nowhere = true;
		return 0;
	}
	if (!u->read && !u->write) {
		/* NOP: if its data is not mappable it stays unmapped; a
		 * device that touched it would get the program check it gets
		 * on hardware for storage that is not there. */
		ret = env->window(env->ctx, g, len, false, base);
		if (ret == -EACCES)
			ret = env->window(env->ctx, g, len, true, base);
		if (ret == -EFAULT || ret == -EACCES) {
			*nowhere = true;
			return 0;
		}
		return ret ? ret : rlist_add(&b->cp->touched, g, len);
	}
	for (k = 0; k < 2; k++) {
		if (!want[k])
			continue;
		ret = env->window(env->ctx, g, len, k == 1, base);
		if (!ret && k == 1)
			ret = rlist_add(&b->cp->writes, g, len);
		if (ret == -EACCES) {
			/* The map forbids this access: map the window with
			 * the map's permission anyway, so the access itself
			 * is the protection check. */
			ret = env->window(env->ctx, g, len, k != 1, base);
			if (ret == -EACCES)
				ret = -EFAULT;
		}
		if (ret)
			return ret;
	}
	return rlist_add(&b->cp->touched, g, len);
}

static uint64_t host_addr(bool nowhere, uint64_t base, uint64_t g0,
			  uint64_t g)
{
	return nowhere ? NOWHERE + (g & 0xFFF) : base + (g - g0);
}

/* Bytes of the first IDAW's block the transfer can use. */
static uint32_t first_seg(const struct build *b, uint64_t a, bool backward)
{
	uint32_t in = (uint32_t)(a % b->block);

	return backward ? in + 1 : b->block - in;
}

static unsigned idaw_count(const struct build *b, uint64_t a0,
			   uint32_t count, bool backward)
{
	uint32_t first = first_seg(b, a0, backward);

	if (count <= first)
		return 1;
	return 1 + (count - first + b->block - 1) / b->block;
}

/* Guest IDAW j's address and whether the channel accepts it. */
static bool idaw_ok(const struct build *b, const uint8_t *p, unsigned j,
		    bool backward, uint64_t *a)
{
	if (b->gidaw == 4) {
		*a = uvf_css_get_be32(p);
		if (*a & 0x80000000u)
			return false;
	} else {
		*a = uvf_css_get_be64(p);
	}
	return !j || *a % b->block == (backward ? b->block - 1 : 0);
}

/*
 * A CCW with a guest IDAL: read it once, window every block it uses.  The
 * channel fetches IDAWs one by one as the transfer reaches them and stops
 * at the first it cannot fetch or accept, so the host IDAL stops there too,
 * with an IDAW the css rejects at the same fetch; entries after it are
 * never needed.
 */
static int xlate_ida(struct build *b, struct node *n, const struct data_use *u)
{
	const struct uvf_ccw_cp_env *env = b->env;
	uint8_t first[8], *rest = NULL;
	unsigned nid, good, j, unreadable;
	uint64_t a, base;
	uint32_t left = n->count, seg;
	bool nowhere;
	int ret;

	/* If the first IDAW cannot be fetched or is invalid, the fetch of
	 * the host IDAL fails instead, at the same moment. */
	n->hcda = TRAP_IDAL;
	if (env->read(env->ctx, n->cda, first, b->gidaw))
		return 0;
	ret = rlist_add(&b->cp->touched, n->cda, b->gidaw);
	if (ret || !idaw_ok(b, first, 0, u->backward, &a))
		return ret;
	nid = idaw_count(b, a, n->count, u->backward);
	if (nid > UVF_CCW_CP_MAX_IDAWS)
		return -EINVAL;
	unreadable = nid;
	if (nid > 1) {
		rest = malloc((size_t)(nid - 1) * b->gidaw);
		if (!rest)
			return -ENOMEM;
		if (env->read(env->ctx, n->cda + b->gidaw, rest,
			      (size_t)(nid - 1) * b->gidaw)) {
			/* Find how far the channel gets: one by one up to
			 * the first unreadable or invalid IDAW. */
			for (j = 1; j < nid; j++) {
				uint8_t *p = rest + (size_t)(j - 1) * b->gidaw;

				if (env->read(env->ctx, n->cda +
					      (uint64_t)j * b->gidaw, p,
					      b->gidaw)) {
					unreadable = j;
					break;
				}
				if (!idaw_ok(b, p, j, u->backward, &a))
					break;
			}
			nid = j < nid ? j + 1 : nid;
		}
		ret = rlist_add(&b->cp->touched, n->cda + b->gidaw,
				(uint64_t)((unreadable < nid ? unreadable :
					    nid) - 1) * b->gidaw);
		if (ret)
			goto out;
	}

	ret = add_idaws(b, nid);
	if (ret)
		goto out;
	n->idal = (int32_t)b->nidaws;
	for (good = 0; good < nid; good++) {
		const uint8_t *p = good ? rest + (size_t)(good - 1) * b->gidaw :
					  first;

		if (good == unreadable || !idaw_ok(b, p, good, u->backward, &a)) {
			b->idaws[b->nidaws++] = BAD_IDAW;
			break;
		}
		seg = good ? b->block : first_seg(b, a, u->backward);
		if (seg > left)
			seg = left;
		left -= seg;
		ret = map_seg(b, u, u->backward ? a - seg + 1 : a, seg,
			      &nowhere, &base);
		if (ret)
			goto out;
		b->idaws[b->nidaws++] = host_addr(nowhere, base,
						  u->backward ? a - seg + 1 : a,
						  a);
	}
out:
	free(rest);
	return ret;
}

/* A CCW with a direct data address: one window, IDAWs fabricated on the
 * block boundaries. */
static int xlate_direct(struct build *b, struct node *n,
			const struct data_use *u)
{
	uint64_t g0, a, base;
	unsigned nid, j;
	bool nowhere;
	int ret;

	g0 = u->backward ? (uint64_t)n->cda - n->count + 1 : n->cda;
	ret = map_seg(b, u, g0, n->count, &nowhere, &base);
	if (ret)
		return ret;
	nid = idaw_count(b, n->cda, n->count, u->backward);
	ret = add_idaws(b, nid);
	if (ret)
		return ret;
	n->idal = (int32_t)b->nidaws;
	a = n->cda;
	for (j = 0; j < nid; j++) {
		b->idaws[b->nidaws++] = host_addr(nowhere, base, g0, a);
		a = u->backward ? a - a % b->block - 1 :
				  a - a % b->block + b->block;
	}
	return 0;
}

/* A CCW the channel rejects at fetch.  Its count matters only when it is
 * data-chained to: the css then reports (count of the CCW it holds -
 * bytes done), the held CCW being the rejected one when it could be read,
 * else still the previous one (or the TIC that led there). */
static void make_trap(struct node *n)
{
	n->hcmd = TRAP_CMD;
	n->hflags = TRAP_FLAGS;
	n->hcount = n->fetched ? n->count : n->dc_count;
	n->hcda = 0;
	n->idal = -1;
}

static int xlate_node(struct build *b, struct node *n)
{
	struct data_use u = { 0 };
	unsigned c, fwd = 0, back = 0, rejected = 0;
	int t;

	if (!n->fetched)
		goto trap;
	if (is_tic(n->cmd)) {
		/* Only a TIC not reached by a TIC goes anywhere. */
		if (!(n->ctx & CTX_NOT_AFTER_TIC) || !tic_ok(b, n))
			goto trap;
		t = lookup(b, n->cda);
		n->hcmd = UVF_CSS_CMD_TIC;
		n->hflags = 0;
		n->hcda = b->nodes[t].slot;
		return 0;
	}
	/* The contexts the host cannot reject by itself decide: the copy
	 * must be rejected in all of them (trap) or in none. */
	for (c = 0; c < NR_CLS; c++) {
		enum cls e;

		if (!CTX_CLS(n->ctx, c) || fails_on_host(b, n, (enum cls)c))
			continue;
		if (fails_here(b, n, (enum cls)c)) {
			rejected++;
			continue;
		}
		e = eff_cls(n, (enum cls)c);
		if (e == CLS_BACK)
			back++;
		else
			fwd++;
		if (e == CLS_FETCH)
			u.read = true;
		else if (e == CLS_NOP)
			u.optional = true;
		else if (!(n->flags & UVF_CSS_CCW_SKP))
			u.write = true;
	}
	if (!fwd && !back)
		goto trap;
	/* Only the data range check depends on the direction, so accepted
	 * and rejected contexts mix only with both directions. */
	if (rejected)
		return -EINVAL;
	/* One copy serves every context; a read-backward chain and a
	 * forward one need different IDALs. */
	if (fwd && back && n->count)
		return -EINVAL;
	u.backward = back;
	n->hcmd = n->cmd;
	n->hflags = n->flags;
	n->hcount = n->count;
	if (!n->count) {
		/* Moves nothing; an IDAL address is checked, never read. */
		n->hcda = (n->flags & UVF_CSS_CCW_IDA) ? TRAP_IDAL : 0;
		return 0;
	}
	n->hflags |= UVF_CSS_CCW_IDA;
	if (n->flags & UVF_CSS_CCW_IDA)
		return xlate_ida(b, n, &u);
	return xlate_direct(b, n, &u);
trap:
	make_trap(n);
	return 0;
}

/* ---- assembling the host program ---------------------------------------- */

static void put_ccw(uint8_t *p, uint8_t cmd, uint8_t flags, uint16_t count,
		    uint32_t cda)
{
	p[0] = cmd;
	p[1] = flags;
	uvf_css_put_be16(p + 2, count);
	uvf_css_put_be32(p + 4, cda);
}

static int assemble(struct build *b, uint32_t ccw_bytes)
{
	struct uvf_ccw_cp *cp = b->cp;
	size_t len = ccw_bytes + (size_t)b->nidaws * 8;
	uint32_t base, idal;
	uint8_t *host;
	unsigned i;
	int ret;

	ret = uvf_ccw_arena_alloc(b->env->arena, len, &base, (void **)&host);
	if (ret)
		return ret;
	cp->block = base;
	cp->block_len = len;
	/* Gaps (and anything unwritten) become trap CCWs. */
	for (i = 0; i < ccw_bytes / 8; i++)
		put_ccw(host + 8 * i, TRAP_CMD, TRAP_FLAGS, 0, 0);
	for (i = 0; i < cp->nruns; i++)
		cp->runs[i].host += base;
	for (i = 0; i < b->nnodes; i++) {
		struct node *n = &b->nodes[i];
		uint32_t cda = n->hcda;

		if (n->idal >= 0)
			cda = base + ccw_bytes + 8 * (uint32_t)n->idal;
		else if (n->hcmd == UVF_CSS_CMD_TIC)
			cda = base + n->hcda;
		put_ccw(host + n->slot, n->hcmd, n->hflags, n->hcount, cda);
	}
	idal = ccw_bytes;
	for (i = 0; i < b->nidaws; i++, idal += 8)
		uvf_css_put_be64(host + idal, b->idaws[i]);
	return 0;
}

/* ---- public API --------------------------------------------------------- */

static void cp_free(struct uvf_ccw_cp *cp)
{
	free(cp->touched.r);
	free(cp->writes.r);
	free(cp);
}

static void build_fini(struct build *b)
{
	struct uvf_ccw_cp_scratch own, *s = b->env->scratch ? b->env->scratch : &own;

	/* The arrays go back to the caller's scratch, or are freed. */
	*s = (struct uvf_ccw_cp_scratch){
		.nodes = b->nodes, .work = b->work, .idaws = b->idaws,
		.order = b->order, .keys = b->keys, .hash = b->hash,
		.ncap = b->ncap, .wcap = b->wcap, .icap = b->icap,
		.ocap = b->ocap, .kcap = b->kcap, .hcap = b->hcap,
	};
	if (s == &own)
		uvf_ccw_cp_scratch_free(&own);
}

void uvf_ccw_cp_scratch_free(struct uvf_ccw_cp_scratch *s)
{
	free(s->nodes);
	free(s->work);
	free(s->idaws);
	free(s->order);
	free(s->keys);
	free(s->hash);
	*s = (struct uvf_ccw_cp_scratch){ 0 };
}

/* Start from the arrays of the last translation, if the caller keeps them. */
static void build_init(struct build *b)
{
	const struct uvf_ccw_cp_scratch *s = b->env->scratch;

	if (!s)
		return;
	b->nodes = s->nodes;
	b->work = s->work;
	b->idaws = s->idaws;
	b->order = s->order;
	b->keys = s->keys;
	b->hash = s->hash;
	b->ncap = s->ncap;
	b->wcap = s->wcap;
	b->icap = s->icap;
	b->ocap = s->ocap;
	b->kcap = s->kcap;
	b->hcap = s->hcap;
}

static int check_orb(uint16_t ctl, uint8_t ctl2, uint32_t cpa)
{
	if ((ctl & UVF_CSS_ORB_B) ||
	    (ctl2 & (UVF_CSS_ORB2_D | UVF_CSS_ORB2_X)))
		return -EOPNOTSUPP;
	/* Operand exceptions on hardware. */
	if ((ctl2 & UVF_CSS_ORB2_RSVD) || (cpa & 0x80000000u))
		return -EINVAL;
	return 0;
}

int uvf_ccw_cp_build(const uint8_t orb[12], const struct uvf_ccw_cp_env *env,
		     struct uvf_ccw_cp **out, struct uvf_css_orb *host_orb)
{
	/* The ORB is read once, here. */
	uint16_t ctl = uvf_css_get_be16(orb + 4);
	uint8_t lpm = orb[6], ctl2 = orb[7];
	uint32_t cpa = uvf_css_get_be32(orb + 8), ccw_bytes, hctl;
	struct build b = { .env = env };
	struct uvf_ccw_cp *cp;
	int cpa_node, ret;
	unsigned i;

	ret = check_orb(ctl, ctl2, cpa);
	if (ret)
		return ret;
	cp = calloc(1, sizeof(*cp));
	if (!cp)
		return -ENOMEM;
	b.cp = cp;
	build_init(&b);
	b.fmt1 = ctl & UVF_CSS_ORB_F;
	b.orb_s = ctl & UVF_CSS_ORB_S;
	b.limit = b.fmt1 ? 1ull << 31 : 1ull << 24;
	b.gidaw = (ctl & UVF_CSS_ORB_H) ? 8 : 4;
	b.block = (ctl & UVF_CSS_ORB_H) && !(ctl & UVF_CSS_ORB_T) ?
		  UVF_CSS_IDAW2_BLOCK : UVF_CSS_IDAW1_BLOCK;
	ret = hash_reserve(&b);
	if (ret)
		goto err;
	ret = discover(&b, cpa, &cpa_node);
	if (ret)
		goto err;
	ret = layout(&b, &ccw_bytes);
	if (ret)
		goto err;
	for (i = 0; i < b.nnodes; i++) {
		ret = xlate_node(&b, &b.nodes[i]);
		if (ret)
			goto err;
	}
	ret = assemble(&b, ccw_bytes);
	if (ret)
		goto err;

	rlist_merge(&cp->touched);
	rlist_merge(&cp->writes);
	atomic_init(&cp->refs, 1);
	cp->arena = env->arena;
	cp->guest_fmt1 = b.fmt1;
	uvf_ccw_arena_count_program(env->arena, 1);

	hctl = (ctl & (UVF_CSS_ORB_KEY | UVF_CSS_ORB_S | UVF_CSS_ORB_P |
		       UVF_CSS_ORB_I | UVF_CSS_ORB_A | UVF_CSS_ORB_U)) |
	       UVF_CSS_ORB_F | UVF_CSS_ORB_H;
	if (b.block == UVF_CSS_IDAW1_BLOCK)
		hctl |= UVF_CSS_ORB_T;
	memset(host_orb, 0, sizeof(*host_orb));
	uvf_css_put_be32(host_orb->intparm, env->intparm);
	uvf_css_put_be16(host_orb->ctl, (uint16_t)hctl);
	host_orb->lpm = lpm ? lpm : 0xFF;
	host_orb->ctl2 = ctl2 & UVF_CSS_ORB2_L;
	uvf_css_put_be32(host_orb->cpa, cp->block + b.nodes[cpa_node].slot);
	build_fini(&b);
	*out = cp;
	return 0;

err:
	build_fini(&b);
	cp_free(cp);
	return ret;
}

struct uvf_ccw_cp *uvf_ccw_cp_get(struct uvf_ccw_cp *cp)
{
	atomic_fetch_add(&cp->refs, 1);
	return cp;
}

void uvf_ccw_cp_put(struct uvf_ccw_cp *cp)
{
	if (!cp || atomic_fetch_sub(&cp->refs, 1) != 1)
		return;
	uvf_ccw_arena_free(cp->arena, cp->block, cp->block_len);
	uvf_ccw_arena_count_program(cp->arena, -1);
	cp_free(cp);
}

long uvf_ccw_cp_live(const struct uvf_ccw_arena *arena)
{
	return uvf_ccw_arena_programs(arena);
}

int uvf_ccw_cp_guest_cpa(const struct uvf_ccw_cp *cp, uint32_t host_cpa,
			 uint32_t *guest_cpa)
{
	unsigned i;

	for (i = 0; i < cp->nruns; i++) {
		const struct run *r = &cp->runs[i];

		/* Inclusive of one past the end: CPA is last CCW + 8. */
		if (host_cpa >= r->host && host_cpa - r->host <= 8 * r->n) {
			*guest_cpa = (uint32_t)(r->guest + (host_cpa - r->host));
			return 0;
		}
	}
	return -ENOENT;
}

int uvf_ccw_cp_scsw_to_guest(const struct uvf_ccw_cp *cp,
			     struct uvf_css_scsw *scsw)
{
	uint16_t flags = uvf_css_scsw_flags(scsw) & ~UVF_CSS_SCSW_F_F;
	uint32_t host = uvf_css_scsw_cpa(scsw), guest = 0;
	int ret = 0;

	if (cp->guest_fmt1)
		flags |= UVF_CSS_SCSW_F_F;
	uvf_css_put_be16(scsw->flags, flags);
	/* Any CPA the css stored for this start is one of ours (halt status
	 * carries one too), so translate whatever is there; 0 means none. */
	if (host) {
		ret = uvf_ccw_cp_guest_cpa(cp, host, &guest);
		if (ret)
			guest = 0;
	}
	uvf_css_put_be32(scsw->cpa, guest);
	return ret;
}

bool uvf_ccw_cp_uses(const struct uvf_ccw_cp *cp, uint64_t gaddr,
		     uint64_t len)
{
	if (!len)
		return false;
	if (gaddr + len < gaddr)
		len = UINT64_MAX - gaddr;
	return rlist_hits(&cp->touched, gaddr, len);
}

int uvf_ccw_cp_for_each_write(const struct uvf_ccw_cp *cp,
			      int (*fn)(void *arg, uint64_t gaddr,
					uint64_t len),
			      void *arg)
{
	unsigned i;
	int ret;

	for (i = 0; i < cp->writes.n; i++) {
		ret = fn(arg, cp->writes.r[i].addr, cp->writes.r[i].len);
		if (ret)
			return ret;
	}
	return 0;
}
