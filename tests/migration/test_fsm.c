/* SPDX-License-Identifier: MIT */
/*
 * test_fsm.c - the migration v2 next-hop walker against migration.md §5.
 *
 * The expected results below are a second, independent encoding of the
 * spec: whole paths written as strings ("RP2P>STOP>RES"), transcribed by
 * hand from the four tables and multi-step lists of migration.md §5.4, the
 * base table of §5.2 in the document's own column order, and the arc list
 * of §4.  Nothing here is derived from fsm.c's table.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "migration/fsm.h"

#define N 8

/* The test's own abbreviations, in enum order (vfio.h values). */
static const char *const ab[N] = {
	"ERR", "STOP", "RUN", "SCPY", "RES", "RP2P", "PRE", "PP2P",
};

/*
 * Expected result of SET(to) from `from`, rows and columns in enum order
 * ERR STOP RUN SCPY RES RP2P PRE PP2P.
 *   ""  already there: success, no hop
 *   "X" EINVAL (a state unsupported or ERROR, or the request blocked)
 *   else the hops, '>'-separated.
 */
struct expect {
	uint64_t flags;
	const char *path[N][N];
};

#define X "X"
#define ROW_X { X, X, X, X, X, X, X, X }

static const struct expect tables[] = {
	{ 0x1, {	/* STOP_COPY only */
		/* to:	ERR STOP    RUN          SCPY          RES          RP2P PRE PP2P */
		ROW_X,
		{ X, "",     "RUN",       "SCPY",       "RES",       X, X, X },
		{ X, "STOP", "",          "STOP>SCPY",  "STOP>RES",  X, X, X },
		{ X, "STOP", "STOP>RUN",  "",           "STOP>RES",  X, X, X },
		{ X, "STOP", "STOP>RUN",  "STOP>SCPY",  "",          X, X, X },
		ROW_X,	/* RP2P: current state impossible */
		ROW_X,	/* PRE */
		ROW_X,	/* PP2P */
	} },
	{ 0x3, {	/* STOP_COPY | P2P */
		ROW_X,
		{ X, "",          "RP2P>RUN",      "SCPY",           "RES",           "RP2P",      X, X },
		{ X, "RP2P>STOP", "",              "RP2P>STOP>SCPY", "RP2P>STOP>RES", "RP2P",      X, X },
		{ X, "STOP",      "STOP>RP2P>RUN", "",               "STOP>RES",      "STOP>RP2P", X, X },
		{ X, "STOP",      "STOP>RP2P>RUN", "STOP>SCPY",      "",              "STOP>RP2P", X, X },
		{ X, "STOP",      "RUN",           "STOP>SCPY",      "STOP>RES",      "",          X, X },
		ROW_X,
		ROW_X,
	} },
	{ 0x5, {	/* STOP_COPY | PRE_COPY */
		ROW_X,
		{ X, "",         "RUN",      "SCPY",      "RES",          X, "RUN>PRE",      X },
		{ X, "STOP",     "",         "STOP>SCPY", "STOP>RES",     X, "PRE",          X },
		{ X, "STOP",     "STOP>RUN", "",          "STOP>RES",     X, X /* blocked */, X },
		{ X, "STOP",     "STOP>RUN", "STOP>SCPY", "",             X, "STOP>RUN>PRE", X },
		ROW_X,
		{ X, "RUN>STOP", "RUN",      "SCPY",      "RUN>STOP>RES", X, "",             X },
		ROW_X,
	} },
	{ 0x7, {	/* all */
		ROW_X,
		{ X, "",              "RP2P>RUN",      "SCPY",           "RES",               "RP2P",      "RP2P>RUN>PRE",      "RP2P>PP2P" },
		{ X, "RP2P>STOP",     "",              "RP2P>STOP>SCPY", "RP2P>STOP>RES",     "RP2P",      "PRE",               "RP2P>PP2P" },
		{ X, "STOP",          "STOP>RP2P>RUN", "",               "STOP>RES",          "STOP>RP2P", X /* blocked */,     X /* blocked */ },
		{ X, "STOP",          "STOP>RP2P>RUN", "STOP>SCPY",      "",                  "STOP>RP2P", "STOP>RP2P>RUN>PRE", "STOP>RP2P>PP2P" },
		{ X, "STOP",          "RUN",           "STOP>SCPY",      "STOP>RES",          "",          "RUN>PRE",           "PP2P" },
		{ X, "RUN>RP2P>STOP", "RUN",           "PP2P>SCPY",      "RUN>RP2P>STOP>RES", "RUN>RP2P",  "",                  "PP2P" },
		{ X, "RP2P>STOP",     "RP2P>RUN",      "SCPY",           "RP2P>STOP>RES",     "RP2P",      "PRE",               "" },
	} },
};

/* migration.md §4: the direct arcs a device must implement, per flag set. */
static const char *const arcs_always[] = {
	"STOP>SCPY", "SCPY>STOP", "STOP>RES", "RES>STOP", NULL };
static const char *const arcs_no_p2p[] = { "RUN>STOP", "STOP>RUN", NULL };
static const char *const arcs_p2p[] = {
	"RUN>RP2P", "RP2P>RUN", "RP2P>STOP", "STOP>RP2P", NULL };
static const char *const arcs_pre[] = { "RUN>PRE", "PRE>RUN", NULL };
static const char *const arcs_pre_no_p2p[] = { "PRE>SCPY", NULL };
static const char *const arcs_pre_p2p[] = {
	"PRE>PP2P", "PP2P>PRE", "PP2P>RP2P", "PP2P>SCPY", "RP2P>PP2P", NULL };

/* migration.md §5.2 verbatim, in the document's column order
 * STOP RUN SCPY RES RP2P PRE PP2P ERR; rows STOP..PP2P, then ERR. */
static const char *const doc_cols[N] = {
	"STOP", "RUN", "SCPY", "RES", "RP2P", "PRE", "PP2P", "ERR" };
static const char *const doc_base[N][N + 1] = {
	{ "STOP", "STOP", "RP2P", "SCPY", "RES",  "RP2P", "RP2P", "RP2P", "ERR" },
	{ "RUN",  "RP2P", "RUN",  "RP2P", "RP2P", "RP2P", "PRE",  "RP2P", "ERR" },
	{ "SCPY", "STOP", "STOP", "SCPY", "STOP", "STOP", "ERR",  "ERR",  "ERR" },
	{ "RES",  "STOP", "STOP", "STOP", "RES",  "STOP", "STOP", "STOP", "ERR" },
	{ "RP2P", "STOP", "RUN",  "STOP", "STOP", "RP2P", "RUN",  "PP2P", "ERR" },
	{ "PRE",  "RUN",  "RUN",  "PP2P", "RUN",  "RUN",  "PRE",  "PP2P", "ERR" },
	{ "PP2P", "RP2P", "RP2P", "SCPY", "RP2P", "RP2P", "PRE",  "PP2P", "ERR" },
	{ "ERR",  "ERR",  "ERR",  "ERR",  "ERR",  "ERR",  "ERR",  "ERR",  "ERR" },
};

static const uint64_t valid_flags[] = { 0x1, 0x3, 0x5, 0x7 };
static const uint64_t invalid_flags[] = {
	0x0, 0x2, 0x4, 0x6, 0x8, 0x9, 0xb, 0xd, 0xf, 0x10 | 0x7,
	1ull << 63 | 0x1, ~0ull,
};
static const uint32_t bad_states[] = { 8, 9, 0x100, 0x7fffffff, 0xfffffffe,
				       0xffffffff };

static uint32_t by_abbrev(const char *s, size_t len)
{
	uint32_t i;

	for (i = 0; i < N; i++)
		if (strlen(ab[i]) == len && !strncmp(ab[i], s, len))
			return i;
	fail_msg("unknown abbreviation '%.*s' in test table", (int)len, s);
	return 0;
}

static void render(char *buf, size_t len, const enum uvf_mig_state *hops,
		   int n)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		assert_true((unsigned)hops[i] < N);
		strncat(buf, i ? ">" : "", len - strlen(buf) - 1);
		strncat(buf, ab[hops[i]], len - strlen(buf) - 1);
	}
}

static const struct expect *table_for(uint64_t flags)
{
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (tables[i].flags == flags)
			return &tables[i];
	fail();
	return NULL;
}

/* For each flag set, every (from, to): the walker hop by hop and
 * uvf_mig_path() give exactly the transcribed path, or EINVAL. */
static void test_every_pair_matches_spec_tables(void **state)
{
	size_t t;
	uint32_t from, to;
	int cases = 0;

	(void)state;
	for (t = 0; t < 4; t++) {
		const struct expect *e = table_for(valid_flags[t]);

		for (from = 0; from < N; from++) {
			for (to = 0; to < N; to++) {
				const char *want = e->path[from][to];
				enum uvf_mig_state hops[UVF_MIG_PATH_MAX];
				enum uvf_mig_state nx = (enum uvf_mig_state)99;
				char got[128], walked[128];
				enum uvf_mig_state seq[N];
				uint32_t cur = from;
				int n, ret, steps = 0;

				n = uvf_mig_path(e->flags, from, to, hops);
				ret = uvf_mig_next_hop(e->flags, from, to, &nx);
				cases++;
				if (!strcmp(want, X)) {
					if (n != -EINVAL || ret != -EINVAL ||
					    nx != (enum uvf_mig_state)99)
						fail_msg("flags %#llx %s->%s: want EINVAL, path %d hop %d",
							 (unsigned long long)e->flags,
							 ab[from], ab[to], n, ret);
					continue;
				}
				assert_int_equal(ret, 0);
				if (n < 0)
					fail_msg("flags %#llx %s->%s: path %d, want %s",
						 (unsigned long long)e->flags,
						 ab[from], ab[to], n, want);
				render(got, sizeof(got), hops, n);
				if (strcmp(got, want))
					fail_msg("flags %#llx %s->%s: path '%s', want '%s'",
						 (unsigned long long)e->flags,
						 ab[from], ab[to], got, want);

				/* The walker the core will run: hop until there. */
				while (cur != to) {
					assert_int_equal(uvf_mig_next_hop(e->flags,
							 cur, to, &nx), 0);
					assert_true(steps < N);
					seq[steps++] = nx;
					cur = nx;
				}
				render(walked, sizeof(walked), seq, steps);
				assert_string_equal(walked, want);
				if (from == to)
					assert_int_equal(n, 0);
			}
		}
	}
	assert_int_equal(cases, 4 * 64);
}

/* ERROR and out-of-range states as either end, for every flag set. */
static void test_error_and_out_of_range(void **state)
{
	enum uvf_mig_state hops[UVF_MIG_PATH_MAX], nx;
	size_t f, i;
	uint32_t s;

	(void)state;
	for (f = 0; f < 4; f++) {
		uint64_t fl = valid_flags[f];

		for (s = 0; s < N; s++) {
			assert_int_equal(uvf_mig_next_hop(fl, UVF_MIG_STATE_ERROR, s, &nx), -EINVAL);
			assert_int_equal(uvf_mig_next_hop(fl, s, UVF_MIG_STATE_ERROR, &nx), -EINVAL);
			assert_int_equal(uvf_mig_path(fl, UVF_MIG_STATE_ERROR, s, hops), -EINVAL);
			assert_int_equal(uvf_mig_path(fl, s, UVF_MIG_STATE_ERROR, hops), -EINVAL);
			for (i = 0; i < sizeof(bad_states) / sizeof(bad_states[0]); i++) {
				assert_int_equal(uvf_mig_next_hop(fl, s, bad_states[i], &nx), -EINVAL);
				assert_int_equal(uvf_mig_next_hop(fl, bad_states[i], s, &nx), -EINVAL);
				assert_int_equal(uvf_mig_path(fl, s, bad_states[i], hops), -EINVAL);
				assert_int_equal(uvf_mig_path(fl, bad_states[i], s, hops), -EINVAL);
			}
		}
		for (i = 0; i < sizeof(bad_states) / sizeof(bad_states[0]); i++) {
			assert_int_equal(uvf_mig_next_hop(fl, bad_states[i], bad_states[i], &nx), -EINVAL);
			assert_false(uvf_mig_state_supported(fl, bad_states[i]));
		}
		assert_false(uvf_mig_state_supported(fl, UVF_MIG_STATE_ERROR));
	}
}

/* Flag sets other than 0x1/0x3/0x5/0x7 have no states at all. */
static void test_invalid_flag_sets_rejected(void **state)
{
	enum uvf_mig_state hops[UVF_MIG_PATH_MAX], nx;
	size_t f;
	uint32_t a, b;

	(void)state;
	for (f = 0; f < sizeof(invalid_flags) / sizeof(invalid_flags[0]); f++) {
		uint64_t fl = invalid_flags[f];

		assert_false(uvf_mig_flags_valid(fl));
		for (a = 0; a < N; a++) {
			assert_false(uvf_mig_state_supported(fl, a));
			for (b = 0; b < N; b++) {
				assert_int_equal(uvf_mig_next_hop(fl, a, b, &nx), -EINVAL);
				assert_int_equal(uvf_mig_path(fl, a, b, hops), -EINVAL);
			}
		}
	}
	for (f = 0; f < 4; f++)
		assert_true(uvf_mig_flags_valid(valid_flags[f]));
}

/* Every hop of every path is a §4 arc of that flag set, and every §4 arc
 * is used as a one-hop request: the device implements exactly those. */
static void add_arcs(char set[N][N], const char *const *list)
{
	for (; *list; list++) {
		const char *gt = strchr(*list, '>');

		set[by_abbrev(*list, (size_t)(gt - *list))]
		   [by_abbrev(gt + 1, strlen(gt + 1))] = 1;
	}
}

static void test_hops_are_required_arcs(void **state)
{
	size_t f;
	uint32_t a, b;

	(void)state;
	for (f = 0; f < 4; f++) {
		uint64_t fl = valid_flags[f];
		char req[N][N] = { { 0 } }, used[N][N] = { { 0 } };

		add_arcs(req, arcs_always);
		add_arcs(req, (fl & UVF_VFIO_MIGRATION_P2P) ? arcs_p2p : arcs_no_p2p);
		if (fl & UVF_VFIO_MIGRATION_PRE_COPY) {
			add_arcs(req, arcs_pre);
			add_arcs(req, (fl & UVF_VFIO_MIGRATION_P2P) ?
					      arcs_pre_p2p : arcs_pre_no_p2p);
		}
		for (a = 0; a < N; a++) {
			for (b = 0; b < N; b++) {
				enum uvf_mig_state hops[UVF_MIG_PATH_MAX];
				uint32_t cur = a;
				int i, n = uvf_mig_path(fl, a, b, hops);

				for (i = 0; i < n; i++) {
					if (!req[cur][hops[i]])
						fail_msg("flags %#llx: %s->%s uses arc %s->%s",
							 (unsigned long long)fl, ab[a], ab[b],
							 ab[cur], ab[hops[i]]);
					used[cur][hops[i]] = 1;
					cur = hops[i];
				}
				/* A required arc is one hop when requested. */
				if (req[a][b])
					assert_int_equal(n, 1);
			}
		}
		assert_memory_equal(req, used, sizeof(req));
	}
}

/* The raw table, all 64 cells, against §5.2 in the document's layout. */
static void test_base_table_every_cell(void **state)
{
	uint32_t r, c;
	int cells = 0;

	(void)state;
	for (r = 0; r < N; r++) {
		uint32_t from = by_abbrev(doc_base[r][0], strlen(doc_base[r][0]));

		for (c = 0; c < N; c++) {
			uint32_t to = by_abbrev(doc_cols[c], strlen(doc_cols[c]));
			const char *want = doc_base[r][c + 1];
			enum uvf_mig_state got = uvf_mig_base_hop(from, to);

			assert_true((unsigned)got < N);
			if (strcmp(ab[got], want))
				fail_msg("next[%s][%s] = %s, §5.2 says %s",
					 ab[from], ab[to], ab[got], want);
			cells++;
		}
	}
	assert_int_equal(cells, 64);
	assert_int_equal(uvf_mig_base_hop(8, 1), UVF_MIG_STATE_ERROR);
	assert_int_equal(uvf_mig_base_hop(1, 8), UVF_MIG_STATE_ERROR);
	assert_int_equal(uvf_mig_base_hop(0xffffffff, 0xffffffff), UVF_MIG_STATE_ERROR);
}

/* §5.3: the kernel's loop spun forever on STOP_COPY -> PRE_COPY(_P2P).
 * A watchdog turns a hang into a failed test instead of a stuck suite. */
static void test_stop_copy_to_pre_copy_is_prompt(void **state)
{
	static const uint32_t targets[] = { UVF_MIG_STATE_PRE_COPY,
					    UVF_MIG_STATE_PRE_COPY_P2P };
	enum uvf_mig_state hops[UVF_MIG_PATH_MAX], nx = UVF_MIG_STATE_STOP_COPY;
	struct timespec t0, t1;
	size_t f, i;
	double secs;
	int k;

	(void)state;
	alarm(10);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < 1000; k++) {
		for (f = 0; f < 4; f++) {
			for (i = 0; i < 2; i++) {
				assert_int_equal(uvf_mig_next_hop(valid_flags[f],
						 UVF_MIG_STATE_STOP_COPY, targets[i], &nx),
						 -EINVAL);
				assert_int_equal(uvf_mig_path(valid_flags[f],
						 UVF_MIG_STATE_STOP_COPY, targets[i], hops),
						 -EINVAL);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	alarm(0);
	/* *next is untouched on error: the core's state stays STOP_COPY. */
	assert_int_equal(nx, UVF_MIG_STATE_STOP_COPY);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs < 2.0);	/* 16000 calls; generous for sanitizers */
}

static void test_needs_and_supported(void **state)
{
	static const uint64_t want[N] = {
		~0ull, 0x1, 0x1, 0x1, 0x1, 0x3, 0x5, 0x7,
	};
	static const char *const supported[] = {
		/* per flag set, which states (enum order) exist */
		[0x1] = "01111000", [0x3] = "01111100",
		[0x5] = "01111010", [0x7] = "01111111",
	};
	uint32_t s;
	size_t f;

	(void)state;
	for (s = 0; s < N; s++)
		assert_int_equal(uvf_mig_state_needs((enum uvf_mig_state)s), want[s]);
	assert_int_equal(uvf_mig_state_needs((enum uvf_mig_state)8), ~0ull);
	for (f = 0; f < 4; f++) {
		uint64_t fl = valid_flags[f];

		for (s = 0; s < N; s++)
			assert_int_equal(uvf_mig_state_supported(fl, s),
					 supported[fl][s] == '1');
	}
}

static void test_names_and_parse(void **state)
{
	static const char *const names[N] = {
		"ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING",
		"RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
	};
	static const char *const bad[] = {
		"", "INVALID", " STOP", "STOP ", "STOPX", "RUNNING_", "8", "9",
		"10", "-1", "+1", "0x1", "1x", "1 ", "4294967297", "ERRORS",
		"PRE-COPY",
	};
	enum uvf_mig_state out;
	char buf[32], num[4];
	uint32_t s;
	size_t i;

	(void)state;
	for (s = 0; s < N; s++) {
		assert_string_equal(uvf_mig_state_name(s), names[s]);
		assert_string_equal(uvf_mig_state_abbrev(s), ab[s]);

		out = (enum uvf_mig_state)99;
		assert_int_equal(uvf_mig_state_parse(uvf_mig_state_name(s), &out), 0);
		assert_int_equal(out, s);
		out = (enum uvf_mig_state)99;
		assert_int_equal(uvf_mig_state_parse(ab[s], &out), 0);
		assert_int_equal(out, s);

		/* case-insensitive: all lower, then mixed */
		for (i = 0; names[s][i]; i++)
			buf[i] = (char)tolower((unsigned char)names[s][i]);
		buf[i] = '\0';
		buf[1] = (char)toupper((unsigned char)buf[1]);
		out = (enum uvf_mig_state)99;
		assert_int_equal(uvf_mig_state_parse(buf, &out), 0);
		assert_int_equal(out, s);

		snprintf(num, sizeof(num), "%u", s);
		out = (enum uvf_mig_state)99;
		assert_int_equal(uvf_mig_state_parse(num, &out), 0);
		assert_int_equal(out, s);
	}
	assert_int_equal(uvf_mig_state_parse("007", &out), 0);
	assert_int_equal(out, UVF_MIG_STATE_PRE_COPY_P2P);
	assert_int_equal(uvf_mig_state_parse("running_p2p", &out), 0);
	assert_int_equal(out, UVF_MIG_STATE_RUNNING_P2P);

	out = (enum uvf_mig_state)99;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (uvf_mig_state_parse(bad[i], &out) != -EINVAL)
			fail_msg("parse('%s') accepted", bad[i]);
	}
	assert_int_equal(uvf_mig_state_parse(NULL, &out), -EINVAL);
	assert_int_equal(out, 99);	/* untouched on error */

	assert_string_equal(uvf_mig_state_name(8), "INVALID");
	assert_string_equal(uvf_mig_state_name(0xffffffff), "INVALID");
	assert_string_equal(uvf_mig_state_abbrev(8), "INVALID");
}

static void test_state_predicates(void **state)
{
	/* enum order: ERR STOP RUN SCPY RES RP2P PRE PP2P */
	static const char saving[] = "00010011";
	static const char stopped[] = "11011000";
	static const char p2p[] = "00000101";
	static const char running[] = "00100010";
	static const char precopy[] = "00000011";
	uint32_t s;
	size_t i;

	(void)state;
	for (s = 0; s < N; s++) {
		assert_int_equal(uvf_mig_state_is_saving(s), saving[s] == '1');
		assert_int_equal(uvf_mig_state_is_stopped(s), stopped[s] == '1');
		assert_int_equal(uvf_mig_state_is_p2p(s), p2p[s] == '1');
		assert_int_equal(uvf_mig_state_is_running(s), running[s] == '1');
		assert_int_equal(uvf_mig_state_is_precopy(s), precopy[s] == '1');
	}
	for (i = 0; i < sizeof(bad_states) / sizeof(bad_states[0]); i++) {
		assert_false(uvf_mig_state_is_saving(bad_states[i]));
		assert_false(uvf_mig_state_is_stopped(bad_states[i]));
		assert_false(uvf_mig_state_is_p2p(bad_states[i]));
		assert_false(uvf_mig_state_is_running(bad_states[i]));
		assert_false(uvf_mig_state_is_precopy(bad_states[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pair_matches_spec_tables),
		cmocka_unit_test(test_error_and_out_of_range),
		cmocka_unit_test(test_invalid_flag_sets_rejected),
		cmocka_unit_test(test_hops_are_required_arcs),
		cmocka_unit_test(test_base_table_every_cell),
		cmocka_unit_test(test_stop_copy_to_pre_copy_is_prompt),
		cmocka_unit_test(test_needs_and_supported),
		cmocka_unit_test(test_names_and_parse),
		cmocka_unit_test(test_state_predicates),
	};

	return cmocka_run_group_tests_name("migration-fsm", tests, NULL, NULL);
}
