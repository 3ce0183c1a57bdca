/* packfile.c — see packfile.h. */
#include "packfile.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fsutil.h"
#include "relpath.h"

/* A growing buffer the archive writer appends to. */
struct pack_buf {
	unsigned char *data;
	size_t len, cap;
};

pb_err
pack_put_owned(struct pack *p, const char *path, void *data, size_t len)
{
	char *copy;
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].path, path) == 0) {
			free(p->v[i].data);
			p->v[i].data = data;
			p->v[i].len = len;
			return PB_OK;
		}
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct pack_entry *v = realloc(p->v, cap * sizeof(*v));

		if (v == NULL)
			goto nomem;
		p->v = v;
		p->cap = cap;
	}
	if ((copy = strdup(path)) == NULL)
		goto nomem;
	p->v[p->n].path = copy;
	p->v[p->n].data = data;
	p->v[p->n].len = len;
	p->n++;
	return PB_OK;
nomem:
	free(data);
	return PB_ERR_NOMEM;
}

pb_err
pack_put(struct pack *p, const char *path, const void *data, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);

	if (copy == NULL)
		return PB_ERR_NOMEM;
	if (len)
		memcpy(copy, data, len);
	return pack_put_owned(p, path, copy, len);
}

const struct pack_entry *
pack_find(const struct pack *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].path, path) == 0)
			return &p->v[i];
	return NULL;
}

static int
pack__cmp(const void *a, const void *b)
{
	return strcmp(((const struct pack_entry *)a)->path, ((const struct pack_entry *)b)->path);
}

void
pack_sort(struct pack *p)
{
	if (p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), pack__cmp);
}

static la_ssize_t
pack__write_cb(struct archive *a, void *client, const void *buf, size_t len)
{
	struct pack_buf *b = client;

	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		unsigned char *d;

		while (cap < b->len + len)
			cap *= 2;
		if ((d = realloc(b->data, cap)) == NULL) {
			archive_set_error(a, ENOMEM, "out of memory");
			return -1;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, buf, len);
	b->len += len;
	return (la_ssize_t)len;
}

/* Path names in the tar are UTF-8 whatever the user's locale is: the same
 * sources must give the same bytes on every machine. */
static locale_t
pack__utf8_locale(locale_t *old)
{
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);

	*old = loc != (locale_t)0 ? uselocale(loc) : (locale_t)0;
	return loc;
}

static void
pack__restore_locale(locale_t loc, locale_t old)
{
	if (loc != (locale_t)0) {
		uselocale(old);
		freelocale(loc);
	}
}

pb_err
pack_write(struct pack *p, const char *path, char *err, size_t errlen)
{
	struct archive *a = NULL;
	struct archive_entry *e = NULL;
	struct pack_buf buf = {0};
	locale_t loc, old;
	pb_err rc = PB_ERR_IO;
	size_t i;

	loc = pack__utf8_locale(&old);
	pack_sort(p);
	snprintf(err, errlen, "%s", TR("memori habis", "out of memory"));
	if ((a = archive_write_new()) == NULL || (e = archive_entry_new()) == NULL) {
		rc = PB_ERR_NOMEM;
		goto out;
	}
	/* no padding of the compressed stream to a 10 KiB block */
	if (archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "gzip", "compression-level", "9") != ARCHIVE_OK ||
	    archive_write_open(a, &buf, NULL, pack__write_cb, NULL) != ARCHIVE_OK)
		goto arch_err;
	for (i = 0; i < p->n; i++) {
		const struct pack_entry *pe = &p->v[i];
		size_t off = 0;

		archive_entry_clear(e);
		archive_entry_set_pathname_utf8(e, pe->path);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)pe->len);
		archive_entry_set_mtime(e, 0, 0);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		if (archive_write_header(a, e) != ARCHIVE_OK)
			goto arch_err;
		while (off < pe->len) {
			la_ssize_t n = archive_write_data(a, pe->data + off, pe->len - off);

			if (n <= 0)
				goto arch_err;
			off += (size_t)n;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto arch_err;
	if ((rc = fs_write_atomic(path, buf.data, buf.len, 0644)) != PB_OK) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = PB_OK;
	goto out;
arch_err:
	snprintf(err, errlen, "libarchive: %s", archive_error_string(a) ? archive_error_string(a) : "?");
	rc = PB_ERR_IO;
out:
	if (e != NULL)
		archive_entry_free(e);
	if (a != NULL)
		archive_write_free(a);
	free(buf.data);
	pack__restore_locale(loc, old);
	return rc;
}

pb_err
pack_read(const char *path, struct pack *p, char *err, size_t errlen)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	unsigned char *data = NULL;
	size_t total = 0;
	locale_t loc, old;
	pb_err rc = PB_ERR_INVALID;
	int r;

	loc = pack__utf8_locale(&old);
	memset(p, 0, sizeof(*p));
	if ((a = archive_read_new()) == NULL) {
		snprintf(err, errlen, "%s", TR("memori habis", "out of memory"));
		rc = PB_ERR_NOMEM;
		goto out;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: %s", path, archive_error_string(a));
		rc = PB_ERR_IO;
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname_utf8(e);
		la_int64_t size = archive_entry_size(e);
		size_t len, got = 0;

		if (name == NULL || !relpath_is_safe(name) || strstr(name, "//") != NULL ||
		    strncmp(name, "./", 2) == 0 || strstr(name, "/./") != NULL) {
			snprintf(err, errlen, TR("jalur tidak aman di dalam paket: %s",
			    "unsafe path in the pack: %s"), name ? name : "?");
			goto out;
		}
		if (archive_entry_filetype(e) != AE_IFREG) {
			snprintf(err, errlen, TR("bukan berkas biasa di dalam paket: %s",
			    "not a regular file in the pack: %s"), name);
			goto out;
		}
		if (pack_find(p, name) != NULL) {
			snprintf(err, errlen, TR("berkas ganda di dalam paket: %s",
			    "file repeated in the pack: %s"), name);
			goto out;
		}
		if (size < 0 || (size_t)size > PACK_MAX_TOTAL - total) {
			snprintf(err, errlen, "%s", TR("paket terlalu besar", "the pack is too large"));
			rc = PB_ERR_LIMIT;
			goto out;
		}
		len = (size_t)size;
		total += len;
		if ((data = malloc(len ? len : 1)) == NULL) {
			snprintf(err, errlen, "%s", TR("memori habis", "out of memory"));
			rc = PB_ERR_NOMEM;
			goto out;
		}
		while (got < len) {
			la_ssize_t n = archive_read_data(a, data + got, len - got);

			if (n <= 0) {
				snprintf(err, errlen, "%s: %s", name, n < 0 ? archive_error_string(a) :
				    TR("berkas terpotong", "file cut short"));
				goto out;
			}
			got += (size_t)n;
		}
		if ((rc = pack_put_owned(p, name, data, len)) != PB_OK) {
			data = NULL;
			snprintf(err, errlen, "%s", TR("memori habis", "out of memory"));
			goto out;
		}
		data = NULL;
		rc = PB_ERR_INVALID;
	}
	if (r != ARCHIVE_EOF) {
		snprintf(err, errlen, "%s: %s", path, archive_error_string(a) ? archive_error_string(a) : "?");
		goto out;
	}
	rc = PB_OK;
out:
	free(data);
	if (a != NULL)
		archive_read_free(a);
	if (rc != PB_OK)
		pack_free(p);
	pack__restore_locale(loc, old);
	return rc;
}

void
pack_free(struct pack *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].data);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}
