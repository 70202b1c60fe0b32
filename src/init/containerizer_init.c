/*
 * containerizer-init: the PID 1 of every task container.
 *
 *   containerizer-init [--stdout PATH] [--stderr PATH] [--status PATH]
 *                      [--argv0 NAME] -- COMMAND [ARGS...]
 *
 * It runs COMMAND as its only direct child, forwards signals to it, reaps
 * every orphan in the container, and when COMMAND ends writes its raw wait
 * status and the cgroup's OOM-kill count to the status file, then exits the
 * way COMMAND did.
 *
 * Built with -static: the image may contain no libc and no shell, and this
 * binary is bind-mounted read-only into it as the entrypoint.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "containerizer-init"
#define USAGE "usage: " NAME " [--stdout PATH] [--stderr PATH] " \
	"[--status PATH] [--argv0 NAME] -- COMMAND [ARGS...]"

/* 127 like a shell that could not run the command: the caller treats any
 * failure of the init itself as "the task never ran". */
__attribute__((format(printf, 1, 2)))
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dprintf(STDERR_FILENO, NAME ": ");
	vdprintf(STDERR_FILENO, fmt, ap);
	dprintf(STDERR_FILENO, "\n");
	va_end(ap);
	exit(127);
}

static int open_log(const char *path)
{
	/* O_APPEND: the kernel positions every write at the end, so the task's
	 * output lands in the sandbox file exactly once, with no log follower. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);

	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	return fd;
}

static void redirect(int fd, int target)
{
	if (fd < 0 || fd == target)
		return;
	if (dup2(fd, target) < 0)
		die("cannot redirect fd %d: %s", target, strerror(errno));
	close(fd);
}

/* Value of the "oom_kill N" line of a cgroup file, or -1. The trailing space
 * in the key keeps v1's "oom_kill_disable" from matching. */
static long read_oom_kill(const char *path)
{
	char buf[4096], *p = buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	while (p) {
		if (strncmp(p, "oom_kill ", 9) == 0)
			return strtol(p + 9, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* Docker removes the cgroup as soon as the container is gone, so the host can
 * no longer read the OOM counter; we are the last process alive in it. A v1
 * kernel older than 4.13 lacks the line, hence the fall-through to v2. */
static long oom_kills(void)
{
	long n = read_oom_kill("/sys/fs/cgroup/memory/memory.oom_control");

	return n >= 0 ? n : read_oom_kill("/sys/fs/cgroup/memory.events");
}

/* Write to PATH.tmp, fsync, rename: the host sees either no file or a
 * complete one, never a torn one. */
static void write_status(const char *path, int status)
{
	char tmp[PATH_MAX + 8], buf[64];
	int len, fd, ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		dprintf(STDERR_FILENO, NAME ": status path too long\n");
		return;
	}
	len = snprintf(buf, sizeof(buf), "status %d\noom_kill %ld\n",
		       status, oom_kills());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		dprintf(STDERR_FILENO, NAME ": cannot open %s: %s\n",
			tmp, strerror(errno));
		return;
	}
	ok = write(fd, buf, (size_t)len) == len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok && rename(tmp, path) == 0;
	if (!ok) {
		dprintf(STDERR_FILENO, NAME ": cannot write %s: %s\n",
			path, strerror(errno));
		unlink(tmp);
	}
}

/* Reap every child that has exited: as PID 1 we inherit the container's
 * orphans, and SIGCHLD coalesces, so one signal may stand for many deaths.
 * Returns true once the main child is among them. */
static bool reap(pid_t child, int *status)
{
	bool done = false;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == child) {
			*status = st;
			done = true;
		}
	}
	return done;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *err = NULL, *status_path = NULL, *argv0 = NULL;
	const char *file;
	char **cmd;
	sigset_t set, none;
	pid_t child;
	int i, fd, ofd = -1, efd = -1, status = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char **dst;

		if (strcmp(argv[i], "--stdout") == 0)
			dst = &out;
		else if (strcmp(argv[i], "--stderr") == 0)
			dst = &err;
		else if (strcmp(argv[i], "--status") == 0)
			dst = &status_path;
		else if (strcmp(argv[i], "--argv0") == 0)
			dst = &argv0;
		else
			die("unknown option '%s' (" USAGE ")", argv[i]);
		if (i + 1 >= argc)
			die("option %s needs an argument (" USAGE ")", argv[i]);
		*dst = argv[++i];
	}
	if (i >= argc)
		die("missing '--' before the command (" USAGE ")");
	if (i + 1 >= argc)
		die("missing command after '--' (" USAGE ")");
	cmd = &argv[i + 1];
	file = cmd[0];
	if (argv0)
		cmd[0] = (char *)argv0;

	/* Make sure fds 0-2 exist, so the log files cannot be opened onto one of
	 * them and then clobbered by the other redirection. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);

	/* Open both before redirecting either: an error is reported on the
	 * original stderr, where the caller (docker logs) can see it. */
	if (out)
		ofd = open_log(out);
	if (err)
		efd = open_log(err);
	redirect(ofd, STDOUT_FILENO);
	redirect(efd, STDERR_FILENO);

	/* Block every signal before fork so none arriving between fork and the
	 * wait loop is lost: it stays pending until sigwaitinfo takes it. For
	 * PID 1 this is also what lets signals in at all: the kernel drops
	 * signals with default action sent to a namespace init, but not blocked
	 * ones. Synchronous faults stay unblocked: blocking them is undefined
	 * and would hide a crash of the init itself. */
	sigfillset(&set);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	sigdelset(&set, SIGTRAP);
	sigdelset(&set, SIGSYS);
	sigdelset(&set, SIGABRT);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &set, NULL);

	/* An inherited SIG_IGN for SIGCHLD would make the kernel auto-reap our
	 * children and we would lose the main child's status. */
	signal(SIGCHLD, SIG_DFL);

	/* Outside a pid namespace (or under another init) orphans would bypass
	 * us; becoming a subreaper keeps reaping the same everywhere. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	child = fork();
	if (child < 0)
		die("cannot fork: %s", strerror(errno));
	if (child == 0) {
		/* The task must start as if exec'd directly: default dispositions
		 * first, then unblock, so a signal forwarded before exec takes
		 * its default effect instead of being ignored. */
		for (i = 1; i < NSIG; i++)
			signal(i, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(file, cmd);
		i = errno;
		dprintf(STDERR_FILENO, NAME ": cannot execute %s: %s\n",
			file, strerror(i));
		_exit(i == ENOENT ? 127 : 126);
	}

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue; /* EINTR */
		if (sig == SIGCHLD) {
			if (reap(child, &status))
				break;
			continue;
		}
		/* Terminal job-control stops are dropped: nothing in a container
		 * would ever send SIGCONT to resume a stopped task, so it would
		 * hang unseen by Mesos. (Keeping them blocked also means the init
		 * itself never stops on tty I/O.) An explicit SIGSTOP from the
		 * host still reaches the task directly. */
		if (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			continue;
		/* Everything else is meant for the task: docker stop sends
		 * SIGTERM to PID 1. SIGKILL cannot be caught; it ends the whole
		 * container and the caller notices that by other means. */
		kill(child, sig);
	}

	if (status_path)
		write_status(status_path, status);

	/* A namespace init cannot usefully re-raise a fatal signal on itself,
	 * so report a signal death as 128+S, as docker and shells do. */
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
