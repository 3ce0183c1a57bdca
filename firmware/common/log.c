/* log.c — see log.h. One write per message so lines from threads never mix. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "pamong";
static int log_fg = 1;
static int log_verbose;
static int log_journal;

void
log_init(const char *prog, int foreground, int verbose)
{
	log_prog = prog;
	log_fg = foreground;
	log_verbose = verbose;
	/* systemd sets JOURNAL_STREAM when stderr goes to the journal */
	log_journal = !foreground && getenv("JOURNAL_STREAM") != NULL;
}

__attribute__((format(printf, 5, 0))) static void
log__emit(int prio, const char *level, int with_errno, int saved, const char *fmt,
    va_list ap)
{
	char msg[1024];
	char line[1200];
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal) {
		n = snprintf(line, sizeof(line), "<%d>%s%s%s\n", prio, msg,
		    with_errno ? ": " : "", with_errno ? strerror(saved) : "");
	} else {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		n = snprintf(line, sizeof(line), "%s %s[%d] %s: %s%s%s\n", stamp,
		    log_prog, (int)getpid(), level, msg, with_errno ? ": " : "",
		    with_errno ? strerror(saved) : "");
	}
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log__emit(4, "warning", 1, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log__emit(4, "warning", 0, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log__emit(6, "info", 0, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log__emit(7, "debug", 0, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log__emit(2, "fatal", 1, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log__emit(2, "fatal", 0, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_warnx_limited(struct log_limit *l, const char *fmt, ...)
{
	char msg[sizeof(l->last)];
	struct timespec ts;
	int64_t now;
	long repeats = -1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	pthread_mutex_lock(&l->mu);
	if (strcmp(msg, l->last) != 0 || now - l->at_ms >= LOG_LIMIT_S * 1000) {
		repeats = strcmp(msg, l->last) == 0 ? l->repeats : 0;
		memcpy(l->last, msg, sizeof(msg));
		l->at_ms = now;
		l->repeats = 0;
	} else {
		l->repeats++;
	}
	pthread_mutex_unlock(&l->mu);
	if (repeats > 0)
		log_warnx("%s (and %ld times more in the last %d s)", msg, repeats, LOG_LIMIT_S);
	else if (repeats == 0)
		log_warnx("%s", msg);
}
