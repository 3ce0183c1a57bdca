/* log.h — logging for all programs: stderr in the foreground, the journal
 * (priority prefixes on stderr) under systemd. */
#ifndef LOG_H
#define LOG_H

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

#endif
