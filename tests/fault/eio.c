/* eio.c — LD_PRELOAD shim for `make fault` only: while the file named by
 * EIO_TRIGGER exists, every write and fsync on a file whose path contains
 * EIO_MATCH (default "pamong.db") fails with EIO, the way a dying SD card
 * answers. Reads are left alone. Built by tests/fault/run.sh:
 *   cc -O2 -shared -fPIC -o eio.so eio.c -ldl
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int fsync(int fd);
int fdatasync(int fd);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off);

/* Non-zero if fd's writes should fail now. */
static int
eio__hit(int fd)
{
	const char *trigger = getenv("EIO_TRIGGER"), *match = getenv("EIO_MATCH");
	char link[64], path[PATH_MAX];
	ssize_t n;
	int saved = errno, hit = 0;

	if (trigger == NULL || fd < 3 || access(trigger, F_OK) != 0)
		goto out;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) <= 0)
		goto out;
	path[n] = '\0';
	hit = strstr(path, match ? match : "pamong.db") != NULL;
out:
	errno = saved;
	return hit;
}

#define EIO__REAL(name) \
	static __typeof__(name) *real; \
	if (real == NULL) \
		*(void **)&real = dlsym(RTLD_NEXT, #name)

int
fsync(int fd)
{
	EIO__REAL(fsync);
	if (eio__hit(fd)) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

int
fdatasync(int fd)
{
	EIO__REAL(fdatasync);
	if (eio__hit(fd)) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	EIO__REAL(write);
	if (eio__hit(fd)) {
		errno = EIO;
		return -1;
	}
	return real(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	EIO__REAL(pwrite);
	if (eio__hit(fd)) {
		errno = EIO;
		return -1;
	}
	return real(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	EIO__REAL(pwrite64);
	if (eio__hit(fd)) {
		errno = EIO;
		return -1;
	}
	return real(fd, buf, n, off);
}
