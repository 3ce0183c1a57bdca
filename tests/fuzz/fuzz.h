/* fuzz.h — what the libFuzzer targets in tests/fuzz/ share: a scratch dir
 * that is removed at exit, writing a file, and splitting one input into
 * several files at NUL bytes. Like tests/unit/tap.h: static helpers, one
 * copy per target.
 *
 * Every target writes only inside its scratch dir: $TMPDIR if set, else
 * /dev/shm when it exists (fsync is free there, so installs run fast),
 * else /tmp. */
#ifndef FUZZ_H
#define FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz__dir[PATH_MAX]; /* the scratch dir, "" before fuzz_scratch() */

static void
fuzz__cleanup(void)
{
	if (fuzz__dir[0] != '\0')
		(void)fs_remove_tree(fuzz__dir);
}

/* Make the scratch dir (once) and return its path; exits on failure. */
__attribute__((unused)) static const char *
fuzz_scratch(const char *name)
{
	const char *base = getenv("TMPDIR");
	struct stat st;

	if (fuzz__dir[0] != '\0')
		return fuzz__dir;
	if (base == NULL || base[0] == '\0')
		base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fuzz__dir, sizeof(fuzz__dir), "%s/pb-fuzz-%s-XXXXXX", base, name);
	if (mkdtemp(fuzz__dir) == NULL) {
		fprintf(stderr, "fuzz: mkdtemp %s: %s\n", fuzz__dir, strerror(errno));
		exit(1);
	}
	atexit(fuzz__cleanup);
	return fuzz__dir;
}

/* path = fuzz_scratch()/rel; exits if it does not fit. */
__attribute__((unused)) static void
fuzz_path(char out[PATH_MAX], const char *rel)
{
	if (snprintf(out, PATH_MAX, "%s/%s", fuzz__dir, rel) >= PATH_MAX) {
		fprintf(stderr, "fuzz: path too long: %s\n", rel);
		exit(1);
	}
}

/* Write len bytes to path (created or truncated); exits on failure, since
 * a scratch dir that cannot be written makes every later run meaningless. */
__attribute__((unused)) static void
fuzz_write(const char *path, const void *data, size_t len)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "fuzz: write %s: %s\n", path, strerror(errno));
			exit(1);
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

/* One piece of an input split at NUL bytes. */
struct fuzz_part {
	const char *data; /* points into the input; not NUL-terminated */
	size_t len;
	int present;      /* 0: the input had fewer pieces */
};

/* Split data at its first n - 1 NUL bytes into parts[0..n-1]; with fewer
 * NULs the last parts are absent. The text formats fuzzed here cannot hold
 * a NUL, so the separator takes nothing from them. */
__attribute__((unused)) static void
fuzz_split(const uint8_t *data, size_t size, struct fuzz_part *parts, size_t n)
{
	const char *p = (const char *)data, *end = p + size;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *nul = i + 1 < n ? memchr(p, '\0', (size_t)(end - p)) : NULL;

		parts[i].present = 1;
		parts[i].data = p;
		parts[i].len = (size_t)((nul != NULL ? nul : end) - p);
		if (nul == NULL) {
			for (i++; i < n; i++) {
				parts[i].data = end;
				parts[i].len = 0;
				parts[i].present = 0;
			}
			return;
		}
		p = nul + 1;
	}
}

/* A NUL-terminated copy of a part (the caller frees); exits when out of
 * memory. */
__attribute__((unused)) static char *
fuzz_strdup(const struct fuzz_part *pt)
{
	char *s = malloc(pt->len + 1);

	if (s == NULL)
		abort();
	memcpy(s, pt->data, pt->len);
	s[pt->len] = '\0';
	return s;
}

/* Write a part to scratch/rel, or remove scratch/rel when it is absent. */
__attribute__((unused)) static void
fuzz_put_part(const char *rel, const struct fuzz_part *pt)
{
	char path[PATH_MAX];

	fuzz_path(path, rel);
	if (pt->present)
		fuzz_write(path, pt->data, pt->len);
	else if (unlink(path) < 0 && errno != ENOENT)
		abort();
}

#endif
