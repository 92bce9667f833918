/* SPDX-License-Identifier: MIT */
/* tests/ccw/test_cp_common.c - the fixture the translator suites share. */
#include "test_cp_common.h"

struct cph *h;

int cp_setup(void **state)
{
	(void)state;
	h = cp_fixture(false);
	return 0;
}

int cp_setup_csense(void **state)
{
	(void)state;
	h = cp_fixture(true);
	return 0;
}

int cp_teardown(void **state)
{
	(void)state;
	assert_int_equal(cph_free(h), 0);
	h = NULL;
	return 0;
}
