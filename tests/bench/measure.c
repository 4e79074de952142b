/*
 * measure.c - run one command and report its wall time and peak memory.
 *
 *   measure [--stdout FILE] [-o REPORT] [--] COMMAND [ARG...]
 *
 * Forks, execs COMMAND (looked up in PATH) and waits for it with wait4(), so
 * the peak resident set (ru_maxrss, KiB on Linux) is the child's own, not a
 * shell's.  Wall time is CLOCK_MONOTONIC from just before fork() to just after
 * wait4().  Prints one line after the child ends:
 *
 *   seconds=1.234567 maxrss_kb=5120 status=0
 *
 * status is the child's exit status, or 128 + signal number.  --stdout sends
 * the child's standard output to FILE (for example /dev/null), so a baseline
 * such as cat pays no pipe; -o appends the report line to REPORT instead of
 * printing it on standard output.
 *
 * Exit status: the child's status (127 if it could not be run), 1 if
 * measure itself failed, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *to)
{
	fputs("usage: measure [--stdout FILE] [-o REPORT] [--] COMMAND [ARG...]\n"
	      "Run COMMAND; print \"seconds=S maxrss_kb=K status=N\" when it ends.\n"
	      "\n"
	      "      --stdout FILE  redirect the command's standard output to FILE\n"
	      "  -o, --output FILE  append the report line to FILE, not standard output\n"
	      "  -h, --help         show this help\n"
	      "\n"
	      "Exit status: the command's (127: could not run it), 1 on our own\n"
	      "failure, 2 usage error.\n", to);
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	enum { OPT_STDOUT = 256 };
	static const struct option longopts[] = {
		{ "stdout", required_argument, NULL, OPT_STDOUT },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *child_out = NULL, *report = NULL;
	struct timespec t0, t1;
	struct rusage ru;
	pid_t pid;
	int c, wstatus, status;
	FILE *to = stdout;

	/* "+": stop at the first non-option, which starts COMMAND. */
	while ((c = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_STDOUT:
			child_out = optarg;
			break;
		case 'o':
			report = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs("measure: no command given\n", stderr);
		usage(stderr);
		return 2;
	}
	/* Flush now so the child does not inherit and repeat buffered output. */
	fflush(NULL);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "measure: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		if (child_out) {
			int fd = open(child_out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
				fprintf(stderr, "measure: %s: %s\n", child_out, strerror(errno));
				_exit(127);
			}
			if (fd != STDOUT_FILENO)
				close(fd);
		}
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "measure: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &wstatus, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "measure: wait4: %s\n", strerror(errno));
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (WIFEXITED(wstatus))
		status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		status = 128 + WTERMSIG(wstatus);
	else
		status = 1;

	if (report) {
		to = fopen(report, "a");
		if (!to) {
			fprintf(stderr, "measure: %s: %s\n", report, strerror(errno));
			return 1;
		}
	}
	fprintf(to, "seconds=%.6f maxrss_kb=%ld status=%d\n",
		seconds_between(&t0, &t1), ru.ru_maxrss, status);
	c = fflush(to);
	if (report && fclose(to) != 0)
		c = EOF;
	if (c != 0) {
		fprintf(stderr, "measure: writing the report: %s\n", strerror(errno));
		return 1;
	}
	return status;
}
