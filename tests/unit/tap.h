/* tap.h — the unit tests' only framework: TAP lines the runner counts.
 * CHECK(cond, "what it proves") prints "ok N - …" or "not ok N - …" with the
 * place; CHECK_EQ_INT/STR also print what was expected and what was got. */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap__n, tap__failed;

__attribute__((format(printf, 4, 5), unused)) static int
tap__ok(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap__n++;
	if (!ok)
		tap__failed++;
	printf("%sok %d - ", ok ? "" : "not ", tap__n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" (%s:%d)", file, line);
	printf("\n");
	fflush(stdout);
	return ok;
}

#define CHECK(cond, ...) tap__ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ_INT(got, want, what)                                              \
	do {                                                                       \
		long long g__ = (long long)(got), w__ = (long long)(want);         \
		if (!tap__ok(g__ == w__, __FILE__, __LINE__, "%s", what))          \
			printf("#   expected %lld, got %lld\n", w__, g__);             \
	} while (0)
#define CHECK_EQ_STR(got, want, what)                                              \
	do {                                                                       \
		const char *g__ = (got), *w__ = (want);                            \
		int ok__ = g__ != NULL && w__ != NULL && strcmp(g__, w__) == 0;    \
		if (!tap__ok(ok__, __FILE__, __LINE__, "%s", what))                \
			printf("#   expected \"%s\", got \"%s\"\n", w__ ? w__ : "(null)", \
			    g__ ? g__ : "(null)");                                   \
	} while (0)

/* Return from main with this: non-zero if any check failed. */
#define TAP_DONE() (printf("1..%d\n", tap__n), tap__failed != 0)

#endif
