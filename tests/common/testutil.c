#include "testutil.h"
#include "spawn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int uvf_test_count_fds(void)
{
	int n = uvf_proc_count_fds(getpid());

	return n < 0 ? n : n - 1;	/* the directory stream's own fd */
}

const char *uvf_test_tmpdir(void)
{
	static char dir[256];
	const char *base;

	if (dir[0])
		return dir;
	base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(dir, sizeof(dir), "%s/uvfio-test-XXXXXX", base);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
	return dir;
}

void uvf_test_tmppath(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", uvf_test_tmpdir(), name);
}
