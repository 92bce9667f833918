#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t uvf_spawn_uvfiod(const char *path, const char *const args[])
{
	const char *argv[32] = { path };
	char buf[64] = { 0 };
	struct pollfd p;
	int pfd[2], st;
	ssize_t got = 0;
	size_t i;
	pid_t pid;

	for (i = 0; args[i]; i++) {
		if (i + 2 >= sizeof(argv) / sizeof(argv[0])) {
			fprintf(stderr, "uvf_spawn_uvfiod: too many arguments\n");
			return -1;
		}
		argv[i + 1] = args[i];
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		fprintf(stderr, "uvf_spawn_uvfiod: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		/* Never outlive the test or benchmark that started it. */
		int null = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0)
			_exit(127);
		dup2(pfd[1], STDOUT_FILENO);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	/* "ready\n", maybe in pieces; EOF or 30 s without a byte ends it. */
	p = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
	while (pid > 0 && got < 6 && poll(&p, 1, 30000) == 1) {
		ssize_t n = read(pfd[0], buf + got, sizeof(buf) - 1 - (size_t)got);

		if (n <= 0)
			break;
		got += n;
	}
	close(pfd[0]);
	if (pid > 0 && got >= 6 && !strncmp(buf, "ready\n", 6))
		return pid;
	fprintf(stderr, "uvf_spawn_uvfiod: %s did not get ready (%s)\n", path,
		pid < 0 ? strerror(errno) : got > 0 ? buf : "no answer");
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	return -1;
}

int uvf_spawn_stop(pid_t pid)
{
	int st = 0, waited_ms = 0;
	pid_t r;

	if (pid <= 0 || kill(pid, SIGTERM)) {
		fprintf(stderr, "uvf_spawn_stop: no uvfiod %d to stop\n", (int)pid);
		return -1;
	}
	/* It exits after the sanitizers' exit checks: give it 30 s. */
	while ((r = waitpid(pid, &st, WNOHANG)) == 0 && waited_ms < 30000) {
		usleep(10000);
		waited_ms += 10;
	}
	if (r != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fprintf(stderr, "uvf_spawn_stop: uvfiod did not exit on SIGTERM\n");
		return -1;
	}
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	fprintf(stderr, "uvf_spawn_stop: uvfiod exited badly (status 0x%x; sanitizer report "
		"above?)\n", st);
	return -1;
}

int uvf_proc_count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}
