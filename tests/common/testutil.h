/* Shared helpers for uvfio's cmocka tests. */
#ifndef UVF_TESTUTIL_H
#define UVF_TESTUTIL_H

#include <stddef.h>

/* Number of open file descriptors of this process (from /proc/self/fd). */
int uvf_test_count_fds(void);

/* Directory for temporary files of this test run (created on first use,
 * under $TMPDIR or /tmp); paths are built into buf. */
const char *uvf_test_tmpdir(void);
void uvf_test_tmppath(char *buf, size_t len, const char *name);

#endif
