/* SPDX-License-Identifier: MIT */
/*
 * replay.c - run a libFuzzer harness of fuzz/proto over every file of the
 * given directories, without libFuzzer: the seed corpora (and any input
 * kept there after a fix) are replayed by the normal test run, under
 * whatever sanitizer the build uses (SQLite's fuzzcheck habit).
 *
 * Usage: replay DIR...   Exit 0 when every input ran; the harness aborts
 * on anything it considers a failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static long run_dir(const char *dir)
{
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d = opendir(dir);

	if (!d) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		names[n] = strdup(e->d_name);
		if (!names[n++])
			abort();
	}
	closedir(d);
	/* A stable order, so a failure names the same input every time. */
	qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		uint8_t *buf;
		long len;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "rb");
		if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
			perror(path);
			abort();
		}
		buf = malloc(len ? (size_t)len : 1);
		if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
			abort();
		fclose(f);
		fprintf(stderr, "replay %s (%ld bytes)\n", path, len);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		free(names[i]);
	}
	free(names);
	return (long)n;
}

int main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		long n = run_dir(argv[i]);

		if (n < 0)
			return 1;
		total += n;
	}
	printf("%ld inputs replayed\n", total);
	return total ? 0 : 1;
}
