/* --device TYPE,key=value,... parsing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"

int uvf_devargs_parse(const char *arg, struct uvf_devargs *a)
{
	char *s = strdup(arg), *save = NULL, *tok;

	memset(a, 0, sizeof(*a));
	if (!s)
		return -ENOMEM;
	tok = strtok_r(s, ",", &save);
	if (!tok || strchr(tok, '=')) {
		free(s);
		return -EINVAL;
	}
	a->type = strdup(tok);
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok || a->n == 16) {
			free(s);
			uvf_devargs_free(a);
			return -EINVAL;
		}
		*eq = '\0';
		a->keys[a->n] = strdup(tok);
		a->vals[a->n] = strdup(eq + 1);
		a->n++;
	}
	free(s);
	return 0;
}

void uvf_devargs_free(struct uvf_devargs *a)
{
	free(a->type);
	for (unsigned i = 0; i < a->n; i++) {
		free(a->keys[i]);
		free(a->vals[i]);
	}
	memset(a, 0, sizeof(*a));
}

const char *uvf_devargs_get(const struct uvf_devargs *a, const char *key)
{
	for (unsigned i = 0; i < a->n; i++)
		if (!strcmp(a->keys[i], key))
			return a->vals[i];
	return NULL;
}

int uvf_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end || (shift && v > (~0ull >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}
