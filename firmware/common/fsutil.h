/* fsutil.h — file helpers: whole-file reads, crash-safe writes, directories. */
#ifndef FSUTIL_H
#define FSUTIL_H

#include <stddef.h>

#include "pb.h"

/* Read a whole file (at most max bytes) into a NUL-terminated malloc'd
 * buffer. PB_ERR_LIMIT if larger, PB_ERR_IO (errno set) on failure. */
pb_err fs_read_file(const char *path, size_t max, char **out, size_t *outlen);

/* Write path so that it is either the old or the new content after a crash:
 * path.tmp, fsync, rename, fsync the directory. */
pb_err fs_write_atomic(const char *path, const void *data, size_t len, int mode);

/* mkdir -p with the given mode for the directories it creates. */
pb_err fs_mkdirs(const char *path, int mode);

/* rm -rf; PB_OK if the path did not exist. */
pb_err fs_remove_tree(const char *path);

/* fsync a directory so a rename or create inside it is durable. */
pb_err fs_sync_dir(const char *dir);

#endif
