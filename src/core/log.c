/* One logging function for the whole daemon. */
#include <stdatomic.h>
#include <stdio.h>

#include "core/core.h"

static _Atomic int log_level = UVF_LOG_WARN;

void uvf_log_set_level(enum uvf_log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum uvf_log_level uvf_log_get_level(void)
{
	return (enum uvf_log_level)atomic_load(&log_level);
}

void uvf_log(enum uvf_log_level level, const struct uvf_device *dev, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char line[1024];
	va_list ap;
	int n;

	if ((int)level > atomic_load(&log_level))
		return;
	n = snprintf(line, sizeof(line), "uvfio: %s: %s%s", names[level],
		     dev ? dev->name : "", dev ? ": " : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so lines from several threads do not mix. */
	fprintf(stderr, "%s\n", line);
}
