/* log.h — logging for all programs: stderr in the foreground, the journal
 * (priority prefixes on stderr) under systemd. */
#ifndef LOG_H
#define LOG_H

#include <pthread.h>
#include <stdint.h>

/* Set the program name, whether we run in the foreground and the verbosity
 * (0 = info and up, 1 = debug). Safe to call again. */
void log_init(const char *prog, int foreground, int verbose);

/* Messages; log_warn and fatal append strerror(errno). */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A warning that may repeat (a failing disk, a broken optional part): the
 * same text is logged once, then at most once per interval with how many
 * times it came meanwhile; a different text is logged at once. One
 * struct log_limit per place that warns, initialised with LOG_LIMIT_INIT. */
struct log_limit {
	pthread_mutex_t mu;
	char last[256];    /* the last text logged */
	int64_t at_ms;     /* CLOCK_MONOTONIC ms it was logged */
	long repeats;      /* the same text since, not logged */
};
#define LOG_LIMIT_INIT { PTHREAD_MUTEX_INITIALIZER, "", 0, 0 }
#define LOG_LIMIT_S 60 /* the interval of log_warnx_limited */
void log_warnx_limited(struct log_limit *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
