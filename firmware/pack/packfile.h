/* packfile.h — a content pack as a list of files in memory, and its one
 * on-disk form: a gzip-compressed POSIX tar written deterministically
 * (entries sorted by path, mtime 0, uid/gid 0, mode 0644, no gzip timestamp
 * or name), so the same files always give the same bytes. */
#ifndef PACKFILE_H
#define PACKFILE_H

#include <stddef.h>

#include "pb.h"

#define PACK_MAX_TOTAL ((size_t)2 << 30) /* what pack_read accepts in all */

struct pack_entry {
	char *path;           /* pack-relative, '/'-separated */
	unsigned char *data;  /* the file's bytes (malloc'd, may be NULL when len is 0) */
	size_t len;
};

struct pack {
	struct pack_entry *v; /* in insertion order until written */
	size_t n, cap;
};

/* Add a file, or replace the file with that path. pack_put copies data;
 * pack_put_owned takes ownership of data (malloc'd) also on failure. */
pb_err pack_put(struct pack *p, const char *path, const void *data, size_t len);
pb_err pack_put_owned(struct pack *p, const char *path, void *data, size_t len);

/* The entry with that path, or NULL. */
const struct pack_entry *pack_find(const struct pack *p, const char *path);

/* Sort the entries by path (byte order). */
void pack_sort(struct pack *p);

/* Write the pack to path atomically (path.tmp, fsync, rename). Sorts p.
 * On failure err says why. */
pb_err pack_write(struct pack *p, const char *path, char *err, size_t errlen);

/* Read a pack file. Refuses entries that are not regular files, unsafe or
 * repeated paths, and more than PACK_MAX_TOTAL bytes. */
pb_err pack_read(const char *path, struct pack *p, char *err, size_t errlen);

void pack_free(struct pack *p);

#endif
