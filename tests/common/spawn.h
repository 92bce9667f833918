/* Starting uvfiod from tests and benchmarks: one way to do it. */
#ifndef UVF_TEST_SPAWN_H
#define UVF_TEST_SPAWN_H

#include <sys/types.h>

/*
 * Start the uvfiod at path with args (its arguments after the program
 * name, NULL-terminated) and wait until it printed "ready" on its stdout
 * (a pipe; 30 s at most: sanitized builds start slowly).  The child is
 * killed if the caller dies.  Returns its pid, or -1 after saying why on
 * stderr (a child that did start is killed and reaped).
 */
pid_t uvf_spawn_uvfiod(const char *path, const char *const args[]);

/* SIGTERM, then reap: 0 if it exited cleanly with status 0, else -1 after
 * saying why on stderr. */
int uvf_spawn_stop(pid_t pid);

/* Open file descriptors of another process (from /proc), -1 if unknown. */
int uvf_proc_count_fds(pid_t pid);

#endif
