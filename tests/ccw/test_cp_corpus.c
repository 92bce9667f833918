/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_cp_corpus.c - replay the fuzz corpus of fuzz/ccw (seeds
 * and regress-* inputs the fuzzer once failed on) through the fuzz target's
 * own checks in the normal test run, so plain, ASan and TSan builds cover
 * them too.  Any failed check aborts.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	char path[4096];
	struct dirent *d;
	unsigned n = 0;
	DIR *dir;

	if (argc != 2 || !(dir = opendir(argv[1]))) {
		fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
		return 1;
	}
	while ((d = readdir(dir))) {
		FILE *f;
		size_t len;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], d->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		n++;
	}
	closedir(dir);
	printf("%u inputs replayed\n", n);
	return n ? 0 : 1;
}
