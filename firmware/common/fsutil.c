/* fsutil.c — see fsutil.h. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

pb_err
fs_read_file(const char *path, size_t max, char **out, size_t *outlen)
{
	pb_err rc = PB_ERR_IO;
	char *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return PB_ERR_IO;
	if (fstat(fd, &st) < 0)
		goto out;
	if ((size_t)st.st_size > max) {
		rc = PB_ERR_LIMIT;
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = PB_ERR_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	buf = NULL;
	if (outlen != NULL)
		*outlen = got;
	rc = PB_OK;
out:
	free(buf);
	close(fd);
	return rc;
}

pb_err
fs_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return PB_ERR_IO;
	r = fsync(fd);
	close(fd);
	return r < 0 ? PB_ERR_IO : PB_OK;
}

pb_err
fs_write_atomic(const char *path, const void *data, size_t len, int mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *p = data;
	pb_err rc = PB_ERR_IO;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return PB_ERR_INVALID;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) < 0)
		return PB_ERR_IO;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	snprintf(dir, sizeof(dir), "%s", path);
	rc = fs_sync_dir(dirname(dir));
	return rc;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

pb_err
fs_mkdirs(const char *path, int mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path), i;

	if (len == 0 || len >= sizeof(buf))
		return PB_ERR_INVALID;
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
			return PB_ERR_IO;
		if (i < len)
			buf[i] = '/';
	}
	return PB_OK;
}

static int
fs__rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

pb_err
fs_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? PB_OK : PB_ERR_IO;
	if (nftw(path, fs__rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return PB_ERR_IO;
	return PB_OK;
}
