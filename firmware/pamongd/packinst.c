/* packinst.c — see packinst.h.
 *
 * Installing reads the archive twice. The first pass writes nothing: it
 * reads manifest.json and manifest.sig into memory, and the signature and
 * the caller's version check are decided from them alone. Only then does the
 * second pass unpack, with our own checks on every entry and only the files
 * the verified manifest lists at their listed sizes, hashing each file while
 * writing it; then the hashes are checked and the caller checks the tree
 * before anything outside the temporary directory is touched. */
#include "packinst.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "packfmt.h"
#include "util.h"

#define PACKINST_MAX_TOTAL   (512ULL * 1024 * 1024) /* unpacked bytes per pack */
#define PACKINST_MAX_ENTRIES 10000                  /* archive entries per pack */

/* One file unpacked from a pack or listed in its manifest. */
struct packinst__file {
	char *path;
	unsigned long long size;
	char sha[65];
	int seen;
};

struct packinst__files {
	struct packinst__file *v;
	size_t n, cap;
};

struct packinst__manifest {
	char id[64];
	char version[32];
	int dev;
	struct packinst__files files;
};

static int
packinst__is_manifest(const char *p)
{
	return strcmp(p, "manifest.json") == 0 || strcmp(p, "manifest.sig") == 0;
}

/* Whether a (safe) path is one the pack format allows. */
static int
packinst__allowed_path(const char *p, int is_dir)
{
	if (strncmp(p, "lessons/", 8) == 0 || strncmp(p, "media/", 6) == 0)
		return 1;
	if (is_dir)
		return strcmp(p, "lessons") == 0 || strcmp(p, "media") == 0;
	return packinst__is_manifest(p) || strcmp(p, "course.json") == 0 ||
	    strcmp(p, "quiz.json") == 0;
}

/* libarchive's message, or words when it has none (it may give NULL). */
static const char *
packinst__aerr(struct archive *a)
{
	const char *e = archive_error_string(a);

	return e != NULL && *e != '\0' ? e : "the archive is damaged or ends early";
}

/* An entry's name for a message ("" has none). */
static const char *
packinst__ename(const char *name)
{
	return name[0] != '\0' ? name : "(an entry with an empty name)";
}

/* ---- file lists ---- */

static void
packinst__files_free(struct packinst__files *fl)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		free(fl->v[i].path);
	free(fl->v);
	memset(fl, 0, sizeof(*fl));
}

static pb_err
packinst__files_add(struct packinst__files *fl, const char *path, unsigned long long size,
    const char *sha)
{
	struct packinst__file *f;

	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 32;
		struct packinst__file *v = realloc(fl->v, cap * sizeof(*v));

		if (v == NULL)
			return PB_ERR_NOMEM;
		fl->v = v;
		fl->cap = cap;
	}
	f = &fl->v[fl->n];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL)
		return PB_ERR_NOMEM;
	f->size = size;
	snprintf(f->sha, sizeof(f->sha), "%s", sha);
	fl->n++;
	return PB_OK;
}

static int
packinst__file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct packinst__file *)a)->path,
	    ((const struct packinst__file *)b)->path);
}

static struct packinst__file *
packinst__files_find(struct packinst__files *fl, const char *path)
{
	struct packinst__file key;

	key.path = (char *)(uintptr_t)path;
	if (fl->n == 0)
		return NULL;
	return bsearch(&key, fl->v, fl->n, sizeof(*fl->v), packinst__file_cmp);
}

/* ---- installed packs on disk ---- */

/* Remove every version dir of packs_dir/id except keep1 and keep2 (may be NULL). */
void
packinst_prune(const char *packs_dir, const char *id, const char *keep1, const char *keep2)
{
	char iddir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	long v[3];
	DIR *d;

	if (packfmt_join(iddir, packs_dir, id) < 0 || (d = opendir(iddir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (packfmt_parse_version(de->d_name, v) < 0 ||
		    (keep1 && strcmp(de->d_name, keep1) == 0) ||
		    (keep2 && strcmp(de->d_name, keep2) == 0))
			continue;
		if (packfmt_join(path, iddir, de->d_name) < 0)
			continue;
		if (fs_remove_tree(path) != PB_OK)
			log_warn("cannot remove old version %s", path);
		else
			log_debug("removed old version %s", path);
	}
	closedir(d);
}

/* The highest version dir in packs_dir/id below cur, into out (empty if none). */
void
packinst_previous(const char *packs_dir, const char *id, const char *cur, char *out,
    size_t outlen)
{
	char iddir[PATH_MAX];
	struct dirent *de;
	long v[3];
	DIR *d;

	out[0] = '\0';
	if (packfmt_join(iddir, packs_dir, id) < 0 || (d = opendir(iddir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (packfmt_parse_version(de->d_name, v) < 0 ||
		    packfmt_vercmp(de->d_name, cur) >= 0 ||
		    strlen(de->d_name) >= outlen)
			continue;
		if (out[0] == '\0' || packfmt_vercmp(de->d_name, out) > 0)
			snprintf(out, outlen, "%s", de->d_name);
	}
	closedir(d);
}

pb_err
packinst_current(const char *packs_dir, const char *id, char *ver, size_t verlen,
    char vdir[PATH_MAX], char *err, size_t errlen)
{
	char iddir[PATH_MAX], path[PATH_MAX], cur[PATH_MAX];
	long v[3];
	ssize_t n;

	if (packfmt_join(iddir, packs_dir, id) < 0 ||
	    packfmt_join(path, iddir, "current.tmp") < 0 ||
	    packfmt_join(cur, iddir, "current") < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "path too long");
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s", path);
	if ((n = readlink(cur, ver, verlen - 1)) < 0)
		return packfmt_fail(err, errlen, PB_ERR_NOTFOUND, "no current version: %s",
		    strerror(errno));
	ver[n] = '\0';
	if (packfmt_parse_version(ver, v) < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID,
		    "current -> %s is not a version", ver);
	if (packfmt_join(vdir, iddir, ver) < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "path too long");
	return PB_OK;
}

void
packinst_clean(const char *packs_dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(packs_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ".tmp-", 5) != 0 ||
		    packfmt_join(path, packs_dir, de->d_name) < 0)
			continue;
		log_info("removing unfinished install %s", path);
		if (fs_remove_tree(path) != PB_OK)
			log_warn("cannot remove %s", path);
	}
	closedir(d);
}

/* ---- installing ---- */

/* mkdir every parent of rel inside root. */
static int
packinst__mkparents(const char *root, const char *rel, int self)
{
	char path[PATH_MAX];
	size_t base = strlen(root) + 1, i, n;

	if (packfmt_join(path, root, rel) < 0)
		return -1;
	n = strlen(path);
	for (i = base; i <= n; i++) {
		if (path[i] != '/' && !(self && path[i] == '\0'))
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		if (i < n)
			path[i] = '/';
	}
	return 0;
}

/* Copy the current entry's data to root/rel, hashing it. */
static pb_err
packinst__extract_file(struct archive *a, const char *root, const char *rel,
    unsigned long long *total, struct packinst__files *got, char *err, size_t errlen)
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char path[PATH_MAX], hex[65];
	static char buf[65536]; /* installs are serialized by the callers (packinst.h) */
	unsigned long long size = 0;
	pb_err rc = PB_ERR_IO;
	int fd = -1;

	if (packinst__mkparents(root, rel, 0) < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: cannot create: %s", rel,
		    strerror(errno));
	if (packfmt_join(path, root, rel) < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: path too long", rel);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644)) < 0) {
		if (errno == EEXIST)
			return packfmt_fail(err, errlen, PB_ERR_INVALID, "duplicate entry %s",
			    rel);
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: cannot create: %s", rel,
		    strerror(errno));
	}
	crypto_hash_sha256_init(&st);
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
		const char *p = buf;
		size_t left;

		if (n == 0)
			break;
		if (n < 0) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: %s", rel,
			    packinst__aerr(a));
			goto out;
		}
		size += (unsigned long long)n;
		*total += (unsigned long long)n;
		if (*total > PACKINST_MAX_TOTAL) {
			rc = packfmt_fail(err, errlen, PB_ERR_LIMIT,
			    "pack is larger than %llu MB unpacked", PACKINST_MAX_TOTAL >> 20);
			goto out;
		}
		crypto_hash_sha256_update(&st, (const unsigned char *)buf,
		    (unsigned long long)n);
		for (left = (size_t)n; left > 0;) {
			ssize_t w = write(fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = packfmt_fail(err, errlen, PB_ERR_IO, "%s: write: %s", rel,
				    strerror(errno));
				goto out;
			}
			p += w;
			left -= (size_t)w;
		}
	}
	if (fsync(fd) < 0) {
		rc = packfmt_fail(err, errlen, PB_ERR_IO, "%s: fsync: %s", rel,
		    strerror(errno));
		goto out;
	}
	crypto_hash_sha256_final(&st, h);
	util_hex(hex, h, sizeof(h));
	if ((rc = packinst__files_add(got, rel, size, hex)) != PB_OK)
		packfmt_fail(err, errlen, rc, "out of memory");
out:
	if (close(fd) < 0 && rc == PB_OK)
		rc = packfmt_fail(err, errlen, PB_ERR_IO, "%s: close: %s", rel,
		    strerror(errno));
	return rc;
}

/* A pack opened for reading (gzip + tar), or NULL with the reason in err. */
static struct archive *
packinst__open(const char *pack, pb_err *rc, char *err, size_t errlen)
{
	struct archive *a;

	if ((a = archive_read_new()) == NULL) {
		*rc = packfmt_fail(err, errlen, PB_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK) {
		*rc = packfmt_fail(err, errlen, PB_ERR_STATE, "libarchive: %s",
		    packinst__aerr(a));
		archive_read_free(a);
		return NULL;
	}
	if (archive_read_open_filename(a, pack, 65536) != ARCHIVE_OK) {
		*rc = packfmt_fail(err, errlen, errno == ENOENT ? PB_ERR_NOTFOUND :
		    PB_ERR_INVALID, "cannot read pack: %s", packinst__aerr(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* What the first pass reads from a pack, in memory, before anything is
 * written: manifest.json and manifest.sig. */
struct packinst__head {
	char *man;      /* manifest.json (NUL-terminated) */
	size_t manlen;
	char *sig;      /* manifest.sig, NULL if the pack has none */
	size_t siglen;
};

static void
packinst__head_free(struct packinst__head *h)
{
	free(h->man);
	free(h->sig);
	memset(h, 0, sizeof(*h));
}

/* The current entry's data (at most max bytes) into a new buffer. */
static pb_err
packinst__read_entry(struct archive *a, struct archive_entry *e, size_t max,
    const char *rel, char **out, size_t *outlen, char *err, size_t errlen)
{
	la_int64_t size = archive_entry_size(e);
	size_t n = 0;
	char *buf;

	if (*out != NULL)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "duplicate entry %s", rel);
	if (size < 0 || (unsigned long long)size > max)
		return packfmt_fail(err, errlen, PB_ERR_LIMIT, "%s: too large", rel);
	if ((buf = malloc((size_t)size + 1)) == NULL)
		return packfmt_fail(err, errlen, PB_ERR_NOMEM, "out of memory");
	while (n < (size_t)size) {
		la_ssize_t r = archive_read_data(a, buf + n, (size_t)size - n);

		if (r < 0) {
			free(buf);
			return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: %s", rel,
			    packinst__aerr(a));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n != (size_t)size) {
		free(buf);
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: the pack ends early",
		    rel);
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return PB_OK;
}

/* First pass: read manifest.json and manifest.sig into memory, writing
 * nothing; the entries before them are skipped (their declared sizes count
 * against the unpacked cap, so a bomb is refused without being inflated to
 * disk). Stops once both are read. */
static pb_err
packinst__read_head(const char *pack, struct packinst__head *h, char *err, size_t errlen)
{
	struct archive *a;
	struct archive_entry *e;
	unsigned long long skipped = 0;
	int nentries = 0, r;
	pb_err rc = PB_OK;

	memset(h, 0, sizeof(*h));
	if ((a = packinst__open(pack, &rc, err, errlen)) == NULL)
		return rc;
	while (h->man == NULL || h->sig == NULL) {
		const char *name, *p;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "not a valid pack: %s",
			    packinst__aerr(a));
			goto out;
		}
		if (++nentries > PACKINST_MAX_ENTRIES) {
			rc = packfmt_fail(err, errlen, PB_ERR_LIMIT, "more than %d entries",
			    PACKINST_MAX_ENTRIES);
			goto out;
		}
		if ((name = archive_entry_pathname(e)) == NULL)
			name = "";
		p = strncmp(name, "./", 2) == 0 ? name + 2 : name;
		if (archive_entry_filetype(e) == AE_IFREG && strcmp(p, "manifest.json") == 0)
			rc = packinst__read_entry(a, e, PACKFMT_MAX_JSON, p, &h->man,
			    &h->manlen, err, errlen);
		else if (archive_entry_filetype(e) == AE_IFREG &&
		    strcmp(p, "manifest.sig") == 0)
			rc = packinst__read_entry(a, e, 4096, p, &h->sig, &h->siglen, err,
			    errlen);
		else if (archive_entry_size(e) > 0 &&
		    (skipped += (unsigned long long)archive_entry_size(e)) >
		    PACKINST_MAX_TOTAL)
			rc = packfmt_fail(err, errlen, PB_ERR_LIMIT,
			    "pack is larger than %llu MB unpacked", PACKINST_MAX_TOTAL >> 20);
		if (rc != PB_OK)
			goto out;
	}
	if (h->man == NULL)
		rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "manifest.json missing");
out:
	archive_read_free(a);
	if (rc != PB_OK)
		packinst__head_free(h);
	return rc;
}

/* Unpack pack into root (an empty dir), refusing anything unsafe. The files
 * written, with sizes and hashes, go into got (sorted by path). */
static pb_err
packinst__extract(const char *pack, const char *root, struct packinst__manifest *m,
    const struct packinst__head *h, struct packinst__files *got, char *err, size_t errlen)
{
	struct archive *a;
	struct archive_entry *e;
	unsigned long long total = 0, want;
	char rel[PACKFMT_MAX_RELPATH + 8];
	int nentries = 0, r;
	pb_err rc = PB_OK;

	if ((a = packinst__open(pack, &rc, err, errlen)) == NULL)
		return rc;
	for (;;) {
		const char *name, *p;
		size_t len;
		int isdir;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "not a valid pack: %s",
			    packinst__aerr(a));
			goto out;
		}
		if (++nentries > PACKINST_MAX_ENTRIES) {
			rc = packfmt_fail(err, errlen, PB_ERR_LIMIT, "more than %d entries",
			    PACKINST_MAX_ENTRIES);
			goto out;
		}
		if ((name = archive_entry_pathname(e)) == NULL) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "entry without a name");
			goto out;
		}
		p = strncmp(name, "./", 2) == 0 ? name + 2 : name;
		isdir = archive_entry_filetype(e) == AE_IFDIR;
		len = strlen(p);
		if (len >= sizeof(rel)) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "unsafe path %.64s...", p);
			goto out;
		}
		memcpy(rel, p, len + 1);
		while (isdir && len > 0 && rel[len - 1] == '/')
			rel[--len] = '\0';
		if (isdir && len == 0)
			continue; /* "./" */
		if (!packfmt_safe_path(rel)) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "unsafe path %s",
			    packinst__ename(name));
			goto out;
		}
		if (archive_entry_hardlink(e) != NULL || archive_entry_symlink(e) != NULL ||
		    (!isdir && archive_entry_filetype(e) != AE_IFREG)) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID,
			    "unsafe entry %s: not a regular file or directory", rel);
			goto out;
		}
		if (!packinst__allowed_path(rel, isdir)) {
			rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "unexpected file %s", rel);
			goto out;
		}
		if (isdir) {
			if (packinst__mkparents(root, rel, 1) < 0) {
				rc = packfmt_fail(err, errlen, PB_ERR_INVALID,
				    "%s: cannot create: %s", rel, strerror(errno));
				goto out;
			}
			continue;
		}
		if (archive_entry_size(e) < 0 ||
		    total + (unsigned long long)archive_entry_size(e) > PACKINST_MAX_TOTAL) {
			rc = packfmt_fail(err, errlen, PB_ERR_LIMIT,
			    "pack is larger than %llu MB unpacked", PACKINST_MAX_TOTAL >> 20);
			goto out;
		}
		/* only what the verified manifest lists, at its size: nothing
		 * else is ever written */
		if (strcmp(rel, "manifest.json") == 0) {
			want = h->manlen;
		} else if (strcmp(rel, "manifest.sig") == 0) {
			want = h->sig != NULL ? h->siglen : 0;
		} else {
			struct packinst__file *f = packinst__files_find(&m->files, rel);

			if (f == NULL) {
				rc = packfmt_fail(err, errlen, PB_ERR_INVALID,
				    "%s: not in the manifest", rel);
				goto out;
			}
			want = f->size;
		}
		if ((unsigned long long)archive_entry_size(e) != want) {
			rc = packfmt_fail(err, errlen, PB_ERR_CRYPTO,
			    "%s: size mismatch (manifest %llu, pack %lld)", rel, want,
			    (long long)archive_entry_size(e));
			goto out;
		}
		if ((rc = packinst__extract_file(a, root, rel, &total, got, err, errlen)) !=
		    PB_OK)
			goto out;
	}
	if (got->n > 1)
		qsort(got->v, got->n, sizeof(*got->v), packinst__file_cmp);
	rc = PB_OK;
out:
	archive_read_free(a);
	return rc;
}

static pb_err
packinst__parse_manifest(const struct packinst__head *h, struct packinst__manifest *m,
    char *err, size_t errlen)
{
	json_t *j = NULL, *files, *fmt, *dev;
	unsigned long long total = 0;
	size_t i;
	pb_err rc;

	if ((rc = packfmt_parse_json(h->man, h->manlen, "manifest.json", &j, err, errlen)) !=
	    PB_OK)
		return rc;
	rc = PB_ERR_INVALID;
	fmt = json_object_get(j, "format");
	dev = json_object_get(j, "dev");
	files = json_object_get(j, "files");
	if (!json_is_integer(fmt) || json_integer_value(fmt) != 1) {
		packfmt_fail(err, errlen, rc, "manifest.json: unsupported format");
		goto out;
	}
	if ((rc = packfmt_id_version(j, "manifest.json", m->id, sizeof(m->id), m->version,
	    sizeof(m->version), err, errlen)) != PB_OK)
		goto out;
	rc = PB_ERR_INVALID;
	if (dev != NULL && !json_is_boolean(dev)) {
		packfmt_fail(err, errlen, rc, "manifest.json: dev must be true or false");
		goto out;
	}
	m->dev = json_is_true(dev);
	if (!json_is_array(files)) {
		packfmt_fail(err, errlen, rc, "manifest.json: files missing");
		goto out;
	}
	for (i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i), *size = json_object_get(f, "size");
		const char *path = packfmt_jstr(f, "path"), *sha = packfmt_jstr(f, "sha256");
		unsigned char raw[32];

		if (path == NULL || !packfmt_safe_path(path) ||
		    !packinst__allowed_path(path, 0) || packinst__is_manifest(path) ||
		    !json_is_integer(size) || json_integer_value(size) < 0 || sha == NULL ||
		    strlen(sha) != 64 || util_unhex(raw, sizeof(raw), sha) != PB_OK) {
			packfmt_fail(err, errlen, rc, "manifest.json: file %zu (%s) is malformed",
			    i + 1, path ? path : "?");
			goto out;
		}
		total += (unsigned long long)json_integer_value(size);
		if (total > PACKINST_MAX_TOTAL) {
			rc = packfmt_fail(err, errlen, PB_ERR_LIMIT, "manifest.json: the files "
			    "are larger than %llu MB", PACKINST_MAX_TOTAL >> 20);
			goto out;
		}
		if (packinst__files_add(&m->files, path,
		    (unsigned long long)json_integer_value(size), sha) != PB_OK) {
			rc = packfmt_fail(err, errlen, PB_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (m->files.n > 1) /* for packinst__files_find while unpacking */
		qsort(m->files.v, m->files.n, sizeof(*m->files.v), packinst__file_cmp);
	rc = PB_OK;
out:
	json_decref(j);
	return rc;
}

/* Check manifest.sig against the trusted keys (or accept a dev pack). */
static pb_err
packinst__check_signature(const struct packinst_opts *o, const struct packinst__head *h,
    const struct packinst__manifest *m, char *err, size_t errlen)
{
	unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
	char sigtxt[4097], *keys = NULL, *line, *save;
	size_t siglen;
	int nkeys = 0;
	pb_err rc = PB_ERR_CRYPTO;

	if (m->dev && o->dev_mode) {
		log_info("pack %s %s: development pack, signature not checked", m->id,
		    m->version);
		return PB_OK;
	}
	if (h->sig == NULL) {
		return packfmt_fail(err, errlen, PB_ERR_CRYPTO, "pack is not signed%s",
		    m->dev ? " (development pack; the box is not in development mode)" : "");
	}
	siglen = h->siglen < sizeof(sigtxt) - 1 ? h->siglen : sizeof(sigtxt) - 1;
	memcpy(sigtxt, h->sig, siglen);
	sigtxt[siglen] = '\0';
	while (siglen > 0 && strchr(" \t\r\n", sigtxt[siglen - 1]) != NULL)
		sigtxt[--siglen] = '\0';
	if (util_unhex(sig, sizeof(sig), sigtxt) != PB_OK) {
		packfmt_fail(err, errlen, rc, "manifest.sig: not a hex Ed25519 signature");
		goto out;
	}
	if (o->trusted_keys == NULL ||
	    fs_read_file(o->trusted_keys, 1 << 20, &keys, NULL) != PB_OK) {
		packfmt_fail(err, errlen, rc, "signature does not verify (no trusted keys)");
		goto out;
	}
	for (line = strtok_r(keys, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *end;

		if (hash != NULL)
			*hash = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && strchr(" \t\r", end[-1]) != NULL)
			*--end = '\0';
		if (*line == '\0')
			continue;
		if (util_unhex(pk, sizeof(pk), line) != PB_OK) {
			log_warnx("%s: ignoring a line that is not a hex Ed25519 key",
			    o->trusted_keys);
			continue;
		}
		nkeys++;
		if (crypto_sign_verify_detached(sig, (const unsigned char *)h->man, h->manlen,
		    pk) == 0) {
			rc = PB_OK;
			goto out;
		}
	}
	packfmt_fail(err, errlen, rc, "signature does not verify%s",
	    nkeys == 0 ? " (no trusted keys)" : "");
out:
	free(keys);
	return rc;
}

/* Every manifest file unpacked with its size and hash; nothing else unpacked. */
static pb_err
packinst__check_files(struct packinst__manifest *m, struct packinst__files *got, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < m->files.n; i++) {
		struct packinst__file *want = &m->files.v[i];
		struct packinst__file *f = packinst__files_find(got, want->path);

		if (f == NULL)
			return packfmt_fail(err, errlen, PB_ERR_INVALID, "%s: missing",
			    want->path);
		if (f->seen)
			return packfmt_fail(err, errlen, PB_ERR_INVALID,
			    "manifest.json: %s listed twice", want->path);
		f->seen = 1;
		if (f->size != want->size)
			return packfmt_fail(err, errlen, PB_ERR_CRYPTO,
			    "%s: size mismatch (manifest %llu, pack %llu)", want->path,
			    want->size, f->size);
		if (strcasecmp(f->sha, want->sha) != 0)
			return packfmt_fail(err, errlen, PB_ERR_CRYPTO, "%s: SHA-256 mismatch",
			    want->path);
	}
	for (i = 0; i < got->n; i++)
		if (!got->v[i].seen && !packinst__is_manifest(got->v[i].path))
			return packfmt_fail(err, errlen, PB_ERR_INVALID,
			    "%s: not in the manifest", got->v[i].path);
	return PB_OK;
}

static int
packinst__sync_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int fd, r;

	(void)st;
	(void)ftw;
	if (flag != FTW_D && flag != FTW_DP)
		return 0;
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Move the verified tree tmp into place as packs_dir/id/version and point
 * current at it. On failure nothing served has changed. */
static pb_err
packinst__commit(const struct packinst_opts *o, const char *tmp,
    const struct packinst__manifest *m, char vdir[PATH_MAX], char *err, size_t errlen)
{
	char iddir[PATH_MAX], link[PATH_MAX], cur[PATH_MAX];
	struct stat st;

	if (nftw(tmp, packinst__sync_one, 16, FTW_PHYS | FTW_DEPTH) != 0)
		return packfmt_fail(err, errlen, PB_ERR_IO, "fsync: %s", strerror(errno));
	if (packfmt_join(iddir, o->packs_dir, m->id) < 0 ||
	    packfmt_join(vdir, iddir, m->version) < 0 ||
	    packfmt_join(link, iddir, "current.tmp") < 0 ||
	    packfmt_join(cur, iddir, "current") < 0)
		return packfmt_fail(err, errlen, PB_ERR_INVALID, "path too long");
	if (fs_mkdirs(iddir, 0755) != PB_OK)
		return packfmt_fail(err, errlen, PB_ERR_IO, "%s: %s", iddir, strerror(errno));
	if (lstat(vdir, &st) == 0) {
		/* a stale dir (never current: current is older), e.g. a crash
		 * between rename and the symlink swap */
		log_info("removing stale %s", vdir);
		if (fs_remove_tree(vdir) != PB_OK)
			return packfmt_fail(err, errlen, PB_ERR_IO, "%s: %s", vdir,
			    strerror(errno));
	}
	if (rename(tmp, vdir) < 0)
		return packfmt_fail(err, errlen, PB_ERR_IO, "rename to %s: %s", vdir,
		    strerror(errno));
	if (fs_sync_dir(o->packs_dir) != PB_OK)
		goto fail;
	if ((unlink(link) < 0 && errno != ENOENT) || symlink(m->version, link) < 0 ||
	    rename(link, cur) < 0)
		goto fail;
	if (fs_sync_dir(iddir) != PB_OK)
		log_warn("fsync %s", iddir); /* the swap happened; keep it */
	return PB_OK;
fail:
	packfmt_fail(err, errlen, PB_ERR_IO, "cannot switch %s to %s: %s", m->id, m->version,
	    strerror(errno));
	unlink(link);
	fs_remove_tree(vdir);
	return PB_ERR_IO;
}

/* The manifest.json unpacked is the one whose signature was checked. */
static pb_err
packinst__same_manifest(const struct packinst__head *h, struct packinst__files *got,
    char *err, size_t errlen)
{
	unsigned char d[crypto_hash_sha256_BYTES];
	struct packinst__file *f = packinst__files_find(got, "manifest.json");
	char hex[65];

	crypto_hash_sha256(d, (const unsigned char *)h->man, h->manlen);
	util_hex(hex, d, sizeof(d));
	if (f == NULL || strcmp(f->sha, hex) != 0)
		return packfmt_fail(err, errlen, PB_ERR_CRYPTO,
		    "manifest.json changed while the pack was read");
	return PB_OK;
}

pb_err
packinst_install(const struct packinst_opts *o, const char *pack_path,
    const struct packinst_hooks *h, char vdir[PATH_MAX], char *err, size_t errlen)
{
	struct packinst__manifest m;
	struct packinst__files got;
	struct packinst__head head;
	char tmp[PATH_MAX];
	int have_tmp = 0;
	pb_err rc;

	memset(&m, 0, sizeof(m));
	memset(&got, 0, sizeof(got));
	memset(&head, 0, sizeof(head));
	/* Signature and version first, from the manifest alone: a pack that is
	 * not trusted or not wanted is never unpacked. */
	if ((rc = packinst__read_head(pack_path, &head, err, errlen)) != PB_OK ||
	    (rc = packinst__parse_manifest(&head, &m, err, errlen)) != PB_OK ||
	    (rc = packinst__check_signature(o, &head, &m, err, errlen)) != PB_OK)
		goto out;
	if (h != NULL && h->want != NULL &&
	    (rc = h->want(h->arg, m.id, m.version, err, errlen)) != PB_OK)
		goto out;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", o->packs_dir) >=
	    sizeof(tmp)) {
		rc = packfmt_fail(err, errlen, PB_ERR_INVALID, "path too long");
		goto out;
	}
	if (mkdtemp(tmp) == NULL || chmod(tmp, 0755) < 0) {
		rc = packfmt_fail(err, errlen, PB_ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	have_tmp = 1;
	if ((rc = packinst__extract(pack_path, tmp, &m, &head, &got, err, errlen)) != PB_OK ||
	    (rc = packinst__same_manifest(&head, &got, err, errlen)) != PB_OK ||
	    (rc = packinst__check_files(&m, &got, err, errlen)) != PB_OK)
		goto out;
	if (h != NULL && h->check != NULL &&
	    (rc = h->check(h->arg, tmp, m.id, m.version, err, errlen)) != PB_OK)
		goto out;
	if ((rc = packinst__commit(o, tmp, &m, vdir, err, errlen)) != PB_OK)
		goto out;
	have_tmp = 0;
	rc = PB_OK;
out:
	if (have_tmp && fs_remove_tree(tmp) != PB_OK)
		log_warn("cannot remove %s", tmp);
	packinst__head_free(&head);
	packinst__files_free(&m.files);
	packinst__files_free(&got);
	return rc;
}
