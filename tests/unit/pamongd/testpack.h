/* testpack.h — content packs made for the unit tests of packinst and the
 * catalog, and a scratch packs dir to install them into.
 * Packs are made here with libarchive + jansson + libsodium (not with
 * pamong-pack), so each test can build exactly the broken pack it needs.
 * Like tap.h: static helpers, one copy per test program. */
#ifndef TESTPACK_H
#define TESTPACK_H

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "util.h"

static char root[64];       /* scratch dir for this run */
static char packs[96];      /* root/packs: where packs are installed */
static char keys[96];       /* root/trusted.keys */
static unsigned char sk_good[crypto_sign_SECRETKEYBYTES];
static unsigned char sk_bad[crypto_sign_SECRETKEYBYTES];

/* What a test pack holds and how it is broken. */
struct tpack {
	const char *id, *version, *title;
	int dev;                   /* manifest "dev": true */
	const unsigned char *sk;   /* sign with this key; NULL = unsigned */
	const char *tamper;        /* this file's bytes change after hashing */
	const char *extra;         /* a file in the archive, not in the manifest */
	const char *evil;          /* an extra raw entry with this name */
	int evil_type;             /* AE_IFREG, AE_IFLNK or AE_IFDIR; 0 = hardlink */
	const char *course;        /* course.json text instead of the good one */
	const char *quiz;          /* quiz.json text instead of the good one */
	int nokey;                 /* manifest.sig without the signer's key line (older packs) */
	const unsigned char *claim; /* name this secret key's public key as the signer */
};

struct tfile {
	const char *path;
	char *data;
	size_t len;
};

__attribute__((unused)) static char *
course_json(const struct tpack *p)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:[{s:s, s:s, s:i, "
	    "s:s, s:[s]}, {s:s, s:s, s:i, s:s}], s:{s:i}}",
	    "id", p->id, "title", p->title ? p->title : "Administrasi Desa",
	    "summary", "Tugas kepala desa.", "language", "id", "version", p->version,
	    "passing_score", 70, "feedback", "end", "minutes", 12,
	    "lessons",
	    "id", "kepala-desa", "title", "Tugas Kepala Desa", "minutes", 5,
	    "file", "lessons/kepala-desa.html", "media", "media/struktur.svg",
	    "id", "bpd", "title", "Badan Permusyawaratan Desa", "minutes", 7,
	    "file", "lessons/bpd.html",
	    "quiz", "questions", 2);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

__attribute__((unused)) static char *
quiz_json(void)
{
	json_t *j = json_pack("{s:[{s:s, s:s, s:s, s:[{s:s, s:s, s:b}, {s:s, s:s, s:b}, "
	    "{s:s, s:s, s:b}], s:s}, {s:s, s:s, s:s, s:[{s:s, s:b}, {s:s, s:b}, "
	    "{s:s, s:b}], s:s}]}",
	    "questions",
	    "id", "q1", "type", "single", "text", "Siapa yang memimpin desa?",
	    "choices", "id", "a", "text", "Camat", "correct", 0,
	    "id", "b", "text", "Kepala desa", "correct", 1,
	    "id", "c", "text", "Ketua BPD", "correct", 0,
	    "explanation", "Kepala desa memimpin pemerintahan desa.",
	    "id", "q2", "type", "multiple", "text", "Tugas BPD?",
	    "choices", "text", "Membahas perdes", "correct", 1,
	    "text", "Memungut pajak", "correct", 0,
	    "text", "Menampung aspirasi", "correct", 1,
	    "explanation", "BPD membahas perdes dan menampung aspirasi.");
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

__attribute__((unused)) static void
add_entry(struct archive *a, const char *name, int type, const char *data, size_t len,
    const char *link)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_mtime(e, 0, 0);
	if (type == 0) {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_hardlink(e, link);
		archive_entry_set_size(e, 0);
	} else {
		archive_entry_set_filetype(e, (unsigned int)type);
		archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
		if (type == AE_IFLNK)
			archive_entry_set_symlink(e, link);
	}
	if (archive_write_header(a, e) != ARCHIVE_OK)
		fprintf(stderr, "write_header %s: %s\n", name, archive_error_string(a));
	if (type == AE_IFREG && len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len)
		fprintf(stderr, "write_data %s: %s\n", name, archive_error_string(a));
	archive_entry_free(e);
}

/* Write the pack described by p to out. Returns 0 on success. */
__attribute__((unused)) static int
make_pack(const char *out, const struct tpack *p)
{
	struct tfile files[] = {
		{"course.json", NULL, 0},
		{"lessons/bpd.html", NULL, 0},
		{"lessons/kepala-desa.html", NULL, 0},
		{"media/struktur.svg", NULL, 0},
		{"quiz.json", NULL, 0},
	};
	unsigned char sig[crypto_sign_BYTES];
	char sighex[2 * crypto_sign_BYTES + 2 * crypto_sign_PUBLICKEYBYTES + 3], sha[65];
	json_t *man, *list;
	struct archive *a;
	char *mtext;
	size_t i;

	files[0].data = p->course ? strdup(p->course) : course_json(p);
	files[1].data = strdup("<h2>BPD</h2><p>Badan Permusyawaratan Desa.</p>");
	files[2].data = strdup("<p>Kepala desa.</p><img src=\"../media/struktur.svg\" alt=\"\">");
	files[3].data = strdup("<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
	files[4].data = p->quiz ? strdup(p->quiz) : quiz_json();
	list = json_array();
	for (i = 0; i < PB_ARRAY_LEN(files); i++) {
		files[i].len = strlen(files[i].data);
		util_sha256_hex(sha, files[i].data, files[i].len);
		json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "path", files[i].path,
		    "size", (json_int_t)files[i].len, "sha256", sha));
		if (p->tamper != NULL && strcmp(p->tamper, files[i].path) == 0)
			files[i].data[0] ^= 1; /* same size, other hash */
	}
	man = json_pack("{s:i, s:s, s:s, s:s, s:b, s:o}", "format", 1, "id", p->id,
	    "version", p->version, "title", "Administrasi Desa", "dev", p->dev, "files", list);
	mtext = json_dumps(man, JSON_INDENT(2));
	json_decref(man);

	a = archive_write_new();
	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, out) != ARCHIVE_OK) {
		fprintf(stderr, "open %s: %s\n", out, archive_error_string(a));
		return -1;
	}
	if (p->evil != NULL)
		add_entry(a, p->evil, p->evil_type, "evil\n", 5, "/etc/passwd");
	for (i = 0; i < PB_ARRAY_LEN(files); i++)
		add_entry(a, files[i].path, AE_IFREG, files[i].data, files[i].len, NULL);
	add_entry(a, "manifest.json", AE_IFREG, mtext, strlen(mtext), NULL);
	if (p->sk != NULL) {
		crypto_sign_detached(sig, NULL, (const unsigned char *)mtext, strlen(mtext), p->sk);
		util_hex(sighex, sig, sizeof(sig));
		strcat(sighex, "\n");
		if (!p->nokey) {
			/* like pamong-pack: the signer's public key on the second line */
			const unsigned char *who = p->claim ? p->claim : p->sk;

			util_hex(sighex + strlen(sighex), who + 32, crypto_sign_PUBLICKEYBYTES);
			strcat(sighex, "\n");
		}
		add_entry(a, "manifest.sig", AE_IFREG, sighex, strlen(sighex), NULL);
	}
	if (p->extra != NULL)
		add_entry(a, p->extra, AE_IFREG, "extra\n", 6, NULL);
	archive_write_close(a);
	archive_write_free(a);
	for (i = 0; i < PB_ARRAY_LEN(files); i++)
		free(files[i].data);
	free(mtext);
	return 0;
}

/* Build p as root/<id>-<version>.pack; the pack's path goes in path. */
__attribute__((unused)) static int
build_pack(const struct tpack *p, char path[PATH_MAX])
{
	snprintf(path, PATH_MAX, "%s/%s-%s.pack", root, p->id, p->version);
	return make_pack(path, p);
}

/* The version packs/<id>/current names, or "(none)". */
__attribute__((unused)) static const char *
current_of(const char *id)
{
	static char buf[64];
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/current", packs, id);
	if ((n = readlink(path, buf, sizeof(buf) - 1)) < 0)
		return "(none)";
	buf[n] = '\0';
	return buf;
}

/* Whether a/b exists (not following a last symlink). */
__attribute__((unused)) static int
exists(const char *a, const char *b)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", a, b);
	return lstat(path, &st) == 0;
}

/* Number of .tmp-* entries left in packs_dir. */
__attribute__((unused)) static int
tmp_dirs(void)
{
	struct dirent *de;
	DIR *d = opendir(packs);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".tmp-", 5) == 0;
	closedir(d);
	return n;
}

__attribute__((unused)) static void
write_keys(void)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], pk_bad[crypto_sign_PUBLICKEYBYTES];
	char hex[2 * crypto_sign_PUBLICKEYBYTES + 1], text[512];

	crypto_sign_keypair(pk, sk_good);
	crypto_sign_keypair(pk_bad, sk_bad);
	util_hex(hex, pk, sizeof(pk));
	snprintf(text, sizeof(text), "# trusted course signers\n\n  %s  # central\n", hex);
	fs_write_atomic(keys, text, strlen(text), 0644);
}

/* Make /tmp/<name>.XXXXXX with the trusted keys file; packs is not made.
 * Returns 0 on success. */
__attribute__((unused)) static int
testpack_setup(const char *name)
{
	if (util_init() != PB_OK)
		return -1;
	snprintf(root, sizeof(root), "/tmp/%s.XXXXXX", name);
	if (mkdtemp(root) == NULL)
		return -1;
	snprintf(packs, sizeof(packs), "%s/packs", root);
	snprintf(keys, sizeof(keys), "%s/trusted.keys", root);
	write_keys();
	return 0;
}

#endif
