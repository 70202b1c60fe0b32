/*
 * containerizer-init: the PID 1 of every task container.
 *
 *   containerizer-init [--stdout PATH] [--stderr PATH] [--status PATH]
 *                      [--log-max-size BYTES [--log-keep N]]
 *                      [--checks PATH] [--argv0 NAME] -- COMMAND [ARGS...]
 *
 * It runs COMMAND as its main child, forwards signals to it, reaps
 * every orphan in the container, and when COMMAND ends writes its raw wait
 * status and the cgroup's OOM-kill count to the status file, then exits the
 * way COMMAND did.
 *
 * COMMAND writes to the stdout and stderr files itself, unless
 * --log-max-size is given: then its stdout and stderr are pipes, and the init
 * appends what comes through them to the files, rotating each one past BYTES
 * (PATH.1 becomes PATH.2, ..., up to PATH.N, the file beyond N is deleted;
 * PATH is copied to PATH.1 and truncated).
 *
 * With --checks, it listens on a UNIX socket at PATH and runs there the
 * commands the host asks for (health checks, `docker-containerizer enter`)
 * as its own children: with exactly the container's confinement, which the
 * runtime gave the init (capabilities, seccomp, LSM label, no_new_privs,
 * rlimits, user, namespaces, cgroups). See "Checks" below.
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
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../protocol/check_channel.h"

#define NAME "containerizer-init"
#define USAGE "usage: " NAME " [--stdout PATH] [--stderr PATH] " \
	"[--status PATH] [--log-max-size BYTES [--log-keep N]] " \
	"[--checks PATH] [--argv0 NAME] -- COMMAND [ARGS...]"

/* One line on stderr: "containerizer-init: MESSAGE". */
__attribute__((format(printf, 1, 0)))
static void say(const char *fmt, va_list ap)
{
	dprintf(STDERR_FILENO, NAME ": ");
	vdprintf(STDERR_FILENO, fmt, ap);
	dprintf(STDERR_FILENO, "\n");
}

/* 127 like a shell that could not run the command: the caller treats any
 * failure of the init itself as "the task never ran". */
__attribute__((format(printf, 1, 2)))
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	exit(127);
}

static int open_log(const char *path, int access)
{
	/* O_APPEND: the kernel positions every write at the end, so the task's
	 * output lands in the sandbox file exactly once, with no log follower. */
	int fd = open(path, access | O_APPEND | O_CREAT, 0644);

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

/* --- Checks (--checks PATH) -------------------------------------------------
 *
 * The host asks over a UNIX socket for a command to run (check_channel.h):
 * a health check or `docker-containerizer enter`. The init runs it as its
 * own child, so with exactly what the runtime gave the container, nothing
 * more; the host execs nothing in the container itself.
 *
 * Each command runs in a process group of its own, stdin on /dev/null,
 * stdout and stderr on the two descriptors sent with the request (`enter`
 * sends pipes that it copies to its own output) or on /dev/null (a health
 * check: the task's logs stay the task's, and a check every few seconds
 * would flood them and count against their rotation), in the init's
 * environment (the container's) with the request's variables winning.
 * When it ends, its whole group is killed (nothing it started outlives it
 * but a process that left the group with setsid) and its wait status is
 * the reply. When the requester hangs up first (it timed out, or was
 * killed), the group is killed then.
 *
 * All of it runs in the main loop, never blocking it: the socket and the
 * connections are non-blocking, a request is one seqpacket message read
 * at once. At most CHECK_SLOTS connections are served at a time; while
 * they are, no more are accepted: they wait in the socket's backlog (as
 * long as the host's deadline lets them), and past its CHECK_SLOTS the
 * kernel refuses the connection. A task may connect too (the socket is 0600,
 * for the init's user, who is the task's): it gains nothing, as the
 * command runs with the init's own confinement, and it cannot make the
 * init fork more than CHECK_SLOTS commands at a time. The request buffer
 * (32 KiB) is the memory this adds, and only once a request came. */
struct check {
	int conn;	/* -1: the slot is free */
	pid_t pid;	/* 0: the request is awaited; else the command's group */
};

static struct check checks[CHECK_SLOTS] = {
	{ -1, 0 }, { -1, 0 }, { -1, 0 }, { -1, 0 }
};
static int listener = -1;
static char request_buf[CHECK_MAX_REQUEST];
static struct check_request request;

/* One line on stderr that does not end the init. */
__attribute__((format(printf, 1, 2)))
static void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

/* Listens at PATH before the task starts. A failure is reported and
 * leaves the host to its fallback (docker exec): the task still runs. */
static void checks_listen(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, ok;

	/* Bound under PATH.new and renamed to PATH once it listens: a host
	 * that finds PATH connects to a listening socket, never to one bound
	 * but not yet listening, whose refusal would read as the container's
	 * end. */
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s.new", path) >=
	    (int)sizeof(addr.sun_path)) {
		warn("no checks: %s is too long for a socket", path);
		return;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		warn("no checks: socket: %s", strerror(errno));
		return;
	}
	/* Whatever is at the paths is from an earlier init in this directory. */
	unlink(addr.sun_path);
	/* Mode 0600: connecting takes write permission on the socket. */
	old = umask(0177);
	ok = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	     listen(fd, CHECK_SLOTS) == 0 && rename(addr.sun_path, path) == 0;
	umask(old);
	if (!ok) {
		warn("no checks: cannot listen on %s: %s", path, strerror(errno));
		unlink(addr.sun_path);
		close(fd);
		return;
	}
	listener = fd;
}

/* MSG_NOSIGNAL: every signal is blocked and forwarded to the task, so a
 * SIGPIPE of ours would reach the task. A reply that cannot go is lost:
 * the requester is gone. */
static void check_reply(int conn, int32_t kind, int32_t value)
{
	char msg[CHECK_REPLY_SIZE];

	check_reply_encode(msg, kind, value);
	(void)!send(conn, msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void check_free(struct check *c)
{
	if (c->conn >= 0)
		close(c->conn);
	c->conn = -1;
	c->pid = 0;
}

/* The child: the command, as the task was started (default dispositions,
 * nothing blocked), on the request's descriptors. An exec failure is told
 * on the connection (closed at a successful exec) before the exit, so the
 * requester reads it before the init's reply of the exit. */
static _Noreturn void check_exec(int conn, int out, int err)
{
	sigset_t none;
	int i, null = open("/dev/null", O_RDWR | O_CLOEXEC);

	setpgid(0, 0);
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(null, STDIN_FILENO);
	dup2(out >= 0 ? out : null, STDOUT_FILENO);
	dup2(err >= 0 ? err : null, STDERR_FILENO);
	for (i = 0; request.env[i]; i++)
		putenv(request.env[i]);
	execvp(request.file, request.argv);
	i = errno;
	check_reply(conn, CHECK_NOT_EXECUTED, i);
	_exit(i == ENOENT ? 127 : 126);
}

/* The descriptors sent with the message (close-on-exec); how many, up to
 * max. Any beyond max are closed. */
static int received_fds(struct msghdr *msg, int *fds, int max)
{
	struct cmsghdr *cmsg;
	int n = 0, i, count, fd;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		count = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < count; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
			if (n < max)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

/* Reads the slot's request and starts its command; a bad request (or
 * none: the requester hung up) frees the slot. */
static void check_start(struct check *c)
{
	struct iovec iov = { request_buf, sizeof(request_buf) };
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(3 * sizeof(int))];
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control.space,
			      .msg_controllen = sizeof(control.space) };
	int fds[3] = { -1, -1, -1 }, n = 0, i;
	ssize_t len = recvmsg(c->conn, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	pid_t pid = -1;

	if (len < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (len > 0)
		n = received_fds(&msg, fds, 3);
	if (len <= 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (n != 0 && n != 2) ||
	    check_request_decode(request_buf, (size_t)len, &request) != 0) {
		if (len > 0)
			check_reply(c->conn, CHECK_REFUSED, EINVAL);
	} else {
		pid = fork();
		if (pid == 0)
			check_exec(c->conn, n ? fds[0] : -1, n ? fds[1] : -1);
		if (pid < 0)
			check_reply(c->conn, CHECK_REFUSED, errno);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (pid < 0) {
		check_free(c);
		return;
	}
	setpgid(pid, pid); /* also here: the group must exist before a kill */
	c->pid = pid;
}

/* The requester is done with a running command (it hung up, or sent more
 * than its one request): the group is killed, the slot waits for the
 * reaping. */
static void check_abandon(struct check *c)
{
	kill(-c->pid, SIGKILL);
	close(c->conn);
	c->conn = -1;
}

/* A free slot, or NULL. */
static struct check *check_slot(void)
{
	int i;

	for (i = 0; i < CHECK_SLOTS; i++)
		if (checks[i].conn < 0 && checks[i].pid == 0)
			return &checks[i];
	return NULL;
}

static void check_accept(void)
{
	struct check *c = check_slot();

	if (c)
		c->conn = accept4(listener, NULL, NULL,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/* Fills fds[0..CHECK_SLOTS]: the socket while a slot is free, then each
 * slot's connection (-1, which poll skips, when there is none). Returns
 * how many entries. */
static int checks_poll_fds(struct pollfd *fds)
{
	int i;

	fds[0] = (struct pollfd){ .fd = check_slot() ? listener : -1,
				  .events = POLLIN };
	for (i = 0; i < CHECK_SLOTS; i++)
		fds[i + 1] = (struct pollfd){ .fd = checks[i].conn,
					      .events = POLLIN };
	return CHECK_SLOTS + 1;
}

/* What poll saw on the entries checks_poll_fds filled. */
static void checks_serve(const struct pollfd *fds)
{
	int i;

	for (i = 0; i < CHECK_SLOTS; i++) {
		if (!fds[i + 1].revents || checks[i].conn < 0)
			continue;
		if (checks[i].pid == 0)
			check_start(&checks[i]);
		else
			check_abandon(&checks[i]);
	}
	if (fds[0].revents)
		check_accept();
}

/* A child has ended and is not reaped yet: if it is a command's, its
 * group is killed now, while its pid cannot be anyone else's. */
static void check_ending(pid_t pid)
{
	int i;

	for (i = 0; i < CHECK_SLOTS; i++)
		if (checks[i].pid == pid)
			kill(-pid, SIGKILL);
}

/* A child was reaped: if it is a command's, its status is the reply. */
static void check_ended(pid_t pid, int status)
{
	int i;

	for (i = 0; i < CHECK_SLOTS; i++) {
		if (checks[i].pid != pid)
			continue;
		if (checks[i].conn >= 0)
			check_reply(checks[i].conn, CHECK_ENDED, status);
		check_free(&checks[i]);
	}
}

/* The task has ended: no command outlives it (without a pid namespace of
 * its own, the container's end would not kill them). */
static void checks_stop(void)
{
	int i;

	for (i = 0; i < CHECK_SLOTS; i++)
		if (checks[i].pid > 0)
			kill(-checks[i].pid, SIGKILL);
}

/* Reap every child that has exited: as PID 1 we inherit the container's
 * orphans, and SIGCHLD coalesces, so one signal may stand for many deaths.
 * Returns true once the main child is among them. */
static bool reap(pid_t child, int *status)
{
	bool done = false;
	siginfo_t si;
	pid_t pid;
	int st;

	/* Each one looked at first (WNOWAIT), so that a check's group is killed
	 * while its pid still holds the group's id. */
	for (;;) {
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 ||
		    si.si_pid == 0)
			break;
		pid = si.si_pid;
		check_ending(pid);
		if (waitpid(pid, &st, 0) != pid)
			break;
		if (pid == child) {
			*status = st;
			done = true;
		} else {
			check_ended(pid, st);
		}
	}
	return done;
}

/* What a signal means: SIGCHLD is a death to reap, anything else is for the
 * task. Returns true once the main child has ended. */
static bool on_signal(int sig, pid_t child, int *status)
{
	if (sig == SIGCHLD)
		return reap(child, status);
	/* Terminal job-control stops are dropped: nothing in a container
	 * would ever send SIGCONT to resume a stopped task, so it would
	 * hang unseen by Mesos. (Keeping them blocked also means the init
	 * itself never stops on tty I/O.) An explicit SIGSTOP from the
	 * host still reaches the task directly. */
	if (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
		return false;
	/* Everything else is meant for the task: docker stop sends
	 * SIGTERM to PID 1. SIGKILL cannot be caught; it ends the whole
	 * container and the caller notices that by other means. */
	kill(child, sig);
	return false;
}

/* --- Rotation (--log-max-size) ---------------------------------------------
 *
 * The task writes into a pipe per stream; the init reads it into one static
 * buffer and appends that to the file, which it can therefore copy out and
 * truncate: a task writing to the file itself would not notice the
 * truncation, and its offset would leave a hole. One read is written out before the next: nothing is held
 * back, and a byte lands in exactly one file.
 *
 * The buffer is all the memory the init adds, and it never grows. An OOM
 * kill in the container takes the process with the most resident memory,
 * and the kernel sometimes kills a second one right after the first (while
 * the first one's memory is being freed): the init, some 0.7 MiB resident
 * with the buffer in use, must stay below any process of the task (a
 * busybox shell is 1.4 MiB). Killing it would end the task and lose the
 * status file. Pipe buffers are the kernel's, charged to the container's
 * memory, not to anyone's resident size. */
static char buf[64 * 1024];

struct log {
	const char *path;
	int fd;			/* the file: STDOUT_FILENO or STDERR_FILENO */
	int pipe;		/* read end; -1 once at EOF (or when not piped) */
	int feed;		/* write end, the task's fd 1 or 2 */
	unsigned long long size; /* bytes in the current file */
	bool line_start;	/* the current file ends at a line's end */
	bool stuck;		/* a rotation failed: write on in this file */
	bool failing;		/* the last write failed (reported once) */
	unsigned long rotated;	/* PATH.1 ... PATH.rotated exist */
};

static unsigned long long max_size;	/* 0: no rotation */
static unsigned long keep = 5;

/* A decimal option value in 1..max (0..max when zero_ok), else exit. */
static unsigned long long number(const char *option, const char *text,
				 unsigned long long max, bool zero_ok)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || n > max ||
	    (n == 0 && !zero_ok))
		die("%s: '%s' is not a number in %s..%llu", option, text,
		    zero_ok ? "0" : "1", max);
	return n;
}

static void start_pipe(struct log *l, const char *path, int fd)
{
	int ends[2];
	struct stat st;

	l->path = path;
	l->fd = fd;
	l->line_start = true;
	/* What is there already (the fetcher's output) counts. */
	l->size = fstat(fd, &st) == 0 ? (unsigned long long)st.st_size : 0;
	/* Close-on-exec: only the copies on the task's fds 1 and 2 survive
	 * its exec, so the pipe reaches EOF when the task's side is done. */
	if (pipe2(ends, O_CLOEXEC) != 0)
		die("cannot create a pipe for %s: %s", path, strerror(errno));
	l->pipe = ends[0];
	l->feed = ends[1];
}

/* Reports a failure on the log once, until a write succeeds again. */
__attribute__((format(printf, 2, 3)))
static void trouble(struct log *l, const char *fmt, ...)
{
	va_list ap;

	if (l->failing)
		return;
	l->failing = true;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

static void write_out(struct log *l, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t done = write(l->fd, p, n);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0) {
			trouble(l, "cannot write %s: %s (%zu bytes lost)",
				l->path, strerror(errno), n);
			return;
		}
		l->failing = false;
		l->size += (size_t)done;
		l->line_start = p[done - 1] == '\n';
		p += done;
		n -= (size_t)done;
	}
}

static bool numbered(char *name, size_t len, const char *path, unsigned long i)
{
	int n = i ? snprintf(name, len, "%s.%lu", path, i)
		  : snprintf(name, len, "%s", path);

	return n >= 0 && (size_t)n < len;
}

static void stuck(struct log *l, int err)
{
	l->stuck = true;
	trouble(l, "cannot rotate %s: %s (writing on in it, past the size)",
		l->path, strerror(err));
}

/* PATH's content goes to a new PATH.1, whole: a copy, never a rename. The
 * host makes PATH a mount point of its own in the container (the agent
 * opens it by name as root, so the task must not be able to replace it),
 * and a mount point cannot be renamed. */
static bool copy_out(struct log *l)
{
	char to[PATH_MAX + 24];
	struct stat st;
	off_t off = 0;
	int fd;

	if (!numbered(to, sizeof(to), l->path, 1)) {
		stuck(l, ENAMETOOLONG);
		return false;
	}
	fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0 || fstat(l->fd, &st) != 0) {
		stuck(l, errno);
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, l->fd, &off, (size_t)(st.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			stuck(l, n < 0 ? errno : EIO);
			close(fd);
			return false;
		}
	}
	close(fd);
	return true;
}

/* PATH.(k-1) replaces PATH.k (rename replaces atomically: that deletes the
 * one beyond KEEP), ..., PATH.1 becomes PATH.2, PATH is copied to PATH.1
 * and truncated: PATH stays the same file, so a reader following it by
 * name (tail -F, the agent's sandbox browser) sees it shrink and goes on.
 * A file missing from the chain (removed by hand) is skipped. On failure,
 * writing goes on in the current file. */
static void rotate(struct log *l)
{
	char from[PATH_MAX + 24], to[PATH_MAX + 24];
	unsigned long i = l->rotated < keep ? l->rotated + 1 : keep;

	for (; i >= 2; i--) {
		if (!numbered(from, sizeof(from), l->path, i - 1) ||
		    !numbered(to, sizeof(to), l->path, i)) {
			stuck(l, ENAMETOOLONG);
			return;
		}
		if (rename(from, to) != 0 && errno != ENOENT) {
			stuck(l, errno);
			return;
		}
	}
	if (keep > 0 && !copy_out(l))
		return;
	if (ftruncate(l->fd, 0) != 0) {
		stuck(l, errno);
		return;
	}
	l->size = 0;
	l->line_start = true;
	if (l->rotated < keep)
		l->rotated++;
}

/* How many of the n bytes at p go into the current file before it rotates
 * (n: all of them, no rotation now). The cut is at a line's end where one
 * can be: the last newline that fits within the size; when none fits and
 * the file ends at a line's end, right away (0); when the file ends inside
 * a line (the rest of a line that came in an earlier read) or the line is
 * longer than the size, at the first newline within sizeof(buf) beyond the
 * size, so a file may pass the size by that much to keep a line whole; a
 * longer line is cut there. */
static size_t cut(const struct log *l, const char *p, size_t n)
{
	unsigned long long room = l->size < max_size ? max_size - l->size : 0;
	unsigned long long hard = max_size + sizeof(buf);
	const char *nl;

	if (l->stuck || n <= room)
		return n;
	if (room > 0 && (nl = memrchr(p, '\n', (size_t)room)))
		return (size_t)(nl - p) + 1;
	if (l->line_start && l->size > 0)
		return 0;
	hard = l->size < hard ? hard - l->size : 0;
	if (hard > n)
		hard = n;
	nl = memchr(p, '\n', (size_t)hard);
	return nl ? (size_t)(nl - p) + 1 : (size_t)hard;
}

/* Appends n bytes read from the task to the log, rotating between pieces. */
static void emit(struct log *l, const char *p, size_t n)
{
	while (n > 0) {
		size_t piece = cut(l, p, n);

		write_out(l, p, piece);
		p += piece;
		n -= piece;
		if (n > 0)
			rotate(l);
	}
}

/* One read of at most `most` bytes from the log's pipe, written out; at
 * EOF the pipe is closed. Returns the bytes read (0 at EOF or on error). */
static size_t pump(struct log *l, size_t most)
{
	ssize_t n;

	do
		n = read(l->pipe, buf, most < sizeof(buf) ? most : sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		close(l->pipe);
		l->pipe = -1;
		return 0;
	}
	emit(l, buf, (size_t)n);
	return (size_t)n;
}

/* The loop of the piped mode and of checks: poll waits on the two pipes
 * (-1 when not piped: poll skips them), the check socket and its
 * connections, and on a signalfd, which turns the blocked signals into
 * reads, so one thread sees them all without a signal handler. */
static int copy_until_end(int sfd, pid_t child, struct log logs[2])
{
	struct pollfd fds[3 + CHECK_SLOTS + 1];
	int status = 0, i, n;
	bool done = false;

	while (!done) {
		fds[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		for (i = 0; i < 2; i++)
			fds[i + 1] = (struct pollfd){ .fd = logs[i].pipe,
						      .events = POLLIN };
		n = 3 + (listener >= 0 ? checks_poll_fds(&fds[3]) : 0);
		if (poll(fds, (nfds_t)n, -1) < 0)
			continue; /* EINTR */
		for (i = 0; i < 2; i++)
			if (fds[i + 1].revents)
				pump(&logs[i], sizeof(buf));
		if (fds[0].revents) {
			struct signalfd_siginfo si;

			/* Nothing is forwarded once the child is reaped: its
			 * pid may already be another process's. */
			while (!done && read(sfd, &si, sizeof(si)) == sizeof(si))
				done = on_signal((int)si.ssi_signo, child, &status);
		}
		if (!done && listener >= 0)
			checks_serve(&fds[3]);
	}
	/* The task wrote all its output before it ended, so what its pipes
	 * hold now is the rest of it: drain exactly that much, not to EOF. A
	 * process it left behind (a daemon) may hold a pipe open forever, and
	 * our exit ends it anyway: docker kills a container's processes when
	 * its PID 1 exits. */
	for (i = 0; i < 2; i++) {
		int left = 0;
		size_t got;

		if (logs[i].pipe >= 0 && ioctl(logs[i].pipe, FIONREAD, &left) == 0)
			while (left > 0 && (got = pump(&logs[i], (size_t)left)) > 0)
				left -= (int)got;
	}
	return status;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *err = NULL, *status_path = NULL, *argv0 = NULL;
	const char *size_arg = NULL, *keep_arg = NULL, *checks_path = NULL;
	const char *file;
	char **cmd;
	sigset_t set, none;
	pid_t child;
	int i, fd, ofd = -1, efd = -1, sfd = -1, status = 0;
	struct log logs[2] = { { .pipe = -1, .feed = -1 },
			       { .pipe = -1, .feed = -1 } };

	const struct {
		const char *name;
		const char **value;
	} options[] = {
		{ "--stdout", &out },	     { "--stderr", &err },
		{ "--status", &status_path }, { "--argv0", &argv0 },
		{ "--log-max-size", &size_arg }, { "--log-keep", &keep_arg },
		{ "--checks", &checks_path },
	};

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char **dst = NULL;
		size_t o;

		for (o = 0; o < sizeof options / sizeof options[0]; o++)
			if (strcmp(argv[i], options[o].name) == 0)
				dst = options[o].value;
		if (!dst)
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
	if (size_arg)
		max_size = number("--log-max-size", size_arg, 1ULL << 62, false);
	if (keep_arg)
		keep = (unsigned long)number("--log-keep", keep_arg, 1000000, true);
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
	/* Rotation reads the files back (copy_out). */
	if (out)
		ofd = open_log(out, max_size ? O_RDWR : O_WRONLY);
	if (err)
		efd = open_log(err, max_size ? O_RDWR : O_WRONLY);
	redirect(ofd, STDOUT_FILENO);
	redirect(efd, STDERR_FILENO);

	/* Rotation: the files stay the init's own fds 1 and 2 (its messages go
	 * there too); the task gets pipes instead. */
	if (max_size && out)
		start_pipe(&logs[0], out, STDOUT_FILENO);
	if (max_size && err)
		start_pipe(&logs[1], err, STDERR_FILENO);

	/* Block every signal before fork so none arriving between fork and the
	 * wait loop is lost: it stays pending until sigwaitinfo (or the
	 * signalfd) takes it. For PID 1 this is also what lets signals in at
	 * all: the kernel drops
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

	/* Before fork: the host may ask for a check as soon as the task runs. */
	if (checks_path)
		checks_listen(checks_path);

	/* Before fork, so that a failure leaves no task behind; close-on-exec
	 * keeps it from the task. Signals already pending queue up in it. */
	if ((max_size || listener >= 0) &&
	    (sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		die("cannot create a signalfd: %s", strerror(errno));

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
		redirect(logs[0].feed, STDOUT_FILENO);
		redirect(logs[1].feed, STDERR_FILENO);
		execvp(file, cmd);
		i = errno;
		dprintf(STDERR_FILENO, NAME ": cannot execute %s: %s\n",
			file, strerror(i));
		_exit(i == ENOENT ? 127 : 126);
	}

	if (max_size || listener >= 0) {
		/* Our copies of the write ends would keep the pipes from EOF. */
		for (i = 0; i < 2; i++)
			if (logs[i].feed >= 0)
				close(logs[i].feed);
		status = copy_until_end(sfd, child, logs);
		checks_stop();
	} else {
		for (;;) {
			siginfo_t si;
			int sig = sigwaitinfo(&set, &si);

			if (sig < 0)
				continue; /* EINTR */
			if (on_signal(sig, child, &status))
				break;
		}
	}

	if (status_path)
		write_status(status_path, status);

	/* A namespace init cannot usefully re-raise a fatal signal on itself,
	 * so report a signal death as 128+S, as docker and shells do. */
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
