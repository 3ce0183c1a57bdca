/* slowfsync.c — LD_PRELOAD shim for `make bench` only: makes every fsync()
 * and fdatasync() take SLOWFSYNC_MS (default 10) milliseconds longer, the
 * way a Pi's SD card does, so that the durable-write bench shows what group
 * commit is worth there. Built by tests/bench/run.sh:
 *   cc -O2 -shared -fPIC -o slowfsync.so slowfsync.c -ldl
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

int fsync(int fd);
int fdatasync(int fd);

static void
slowfsync__delay(void)
{
	static long ms = -1;
	struct timespec ts;
	int saved = errno;

	if (ms < 0) {
		const char *e = getenv("SLOWFSYNC_MS");

		ms = e ? atol(e) : 10;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	errno = saved;
}

int
fsync(int fd)
{
	static int (*real)(int);
	int rc;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	rc = real(fd);
	slowfsync__delay();
	return rc;
}

int
fdatasync(int fd)
{
	static int (*real)(int);
	int rc;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	rc = real(fd);
	slowfsync__delay();
	return rc;
}
