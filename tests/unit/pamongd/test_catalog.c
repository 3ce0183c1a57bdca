/* test_catalog.c — installing, refusing and serving content packs.
 * Packs are made here with libarchive + jansson + libsodium (not with
 * pamong-pack), so each test can build exactly the broken pack it needs. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "fsutil.h"
#include "log.h"
#include "tap.h"
#include "util.h"

static char root[64];       /* scratch dir for this run */
static char packs[96];      /* root/packs: the catalog's packs_dir */
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
};

struct tfile {
	const char *path;
	char *data;
	size_t len;
};

static char *
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

static char *
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

static void
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
static int
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
	char sighex[2 * crypto_sign_BYTES + 2], sha[65];
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

/* Build p as root/<name>.pack and install it; the pack path goes in path. */
static pb_err
install(struct catalog *cat, const struct tpack *p, char *err, size_t errlen)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s-%s.pack", root, p->id, p->version);
	if (make_pack(path, p) < 0)
		return PB_ERR_IO;
	return catalog_install(cat, path, err, errlen);
}

static const char *
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

static const char *
served_version(struct catalog *cat, const char *id)
{
	static char buf[32];
	const struct cat_snapshot *s = catalog_acquire(cat);
	const struct cat_course *c = cat_course_find(s, id);

	snprintf(buf, sizeof(buf), "%s", c ? c->version : "(none)");
	catalog_release(cat, s);
	return buf;
}

/* Whether a/b exists (not following a last symlink). */
static int
exists(const char *a, const char *b)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", a, b);
	return lstat(path, &st) == 0;
}

/* Number of .tmp-* entries left in packs_dir. */
static int
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

static void
check_course(const struct cat_course *c, const char *version, const char *what)
{
	const struct cat_question *q;
	char dir[PATH_MAX];

	printf("# %s\n", what);
	if (!CHECK(c != NULL, "%s: course is in the snapshot", what))
		return;
	CHECK_EQ_STR(c->version, version, "course version");
	CHECK_EQ_STR(c->title, "Administrasi Desa", "course title");
	CHECK_EQ_STR(c->language, "id", "course language");
	CHECK_EQ_INT(c->passing_score, 70, "passing score");
	CHECK_EQ_INT(c->feedback_end, 1, "feedback: end");
	CHECK_EQ_INT(c->minutes, 12, "course minutes");
	snprintf(dir, sizeof(dir), "%s/demo/%s", packs, version);
	CHECK_EQ_STR(c->dir, dir, "course dir is the version's dir");
	CHECK_EQ_INT(c->nlessons, 2, "two lessons");
	if (c->nlessons == 2) {
		CHECK_EQ_STR(c->lessons[0].id, "kepala-desa", "lesson 1 id");
		CHECK_EQ_STR(c->lessons[1].file, "lessons/bpd.html", "lesson 2 file");
		CHECK_EQ_STR(c->lessons[1].title, "Badan Permusyawaratan Desa", "lesson 2 title");
		CHECK_EQ_INT(c->lessons[1].minutes, 7, "lesson 2 minutes");
	}
	CHECK_EQ_INT(cat_lesson_index(c, "bpd"), 1, "cat_lesson_index finds lesson 2");
	CHECK_EQ_INT(cat_lesson_index(c, "nope"), -1, "cat_lesson_index: absent is -1");
	CHECK_EQ_INT(c->nquestions, 2, "two questions");
	q = cat_question_find(c, "q1");
	if (CHECK(q != NULL, "q1 found") && q->nchoices == 3) {
		CHECK_EQ_INT(q->multiple, 0, "q1 is single choice");
		CHECK_EQ_STR(q->choices[1].id, "b", "q1 choice 2 id");
		CHECK_EQ_STR(q->choices[1].text, "Kepala desa", "q1 choice 2 text");
		CHECK(!q->choices[0].correct && q->choices[1].correct && !q->choices[2].correct,
		    "q1: only b is correct");
		CHECK_EQ_STR(q->explanation, "Kepala desa memimpin pemerintahan desa.",
		    "q1 explanation");
	}
	q = cat_question_find(c, "q2");
	if (CHECK(q != NULL, "q2 found") && q->nchoices == 3) {
		CHECK_EQ_INT(q->multiple, 1, "q2 is multiple choice");
		CHECK_EQ_STR(q->choices[2].id, "c", "q2 choices get ids by position");
		CHECK(q->choices[0].correct && !q->choices[1].correct && q->choices[2].correct,
		    "q2: a and c are correct");
	}
	CHECK(cat_question_find(c, "q9") == NULL, "absent question is NULL");
}

static void
check_refused(struct catalog *cat, const struct tpack *p, pb_err want, const char *msg,
    const char *what)
{
	char err[256] = "", vdir[64];
	pb_err rc = install(cat, p, err, sizeof(err));

	CHECK_EQ_INT(rc, want, what);
	if (!CHECK(strstr(err, msg) != NULL, "%s: message names the reason", what))
		printf("#   expected \"%s\" in \"%s\"\n", msg, err);
	CHECK_EQ_STR(served_version(cat, "demo"), "1.0.0", "old version still served");
	CHECK_EQ_STR(current_of("demo"), "1.0.0", "current unchanged");
	snprintf(vdir, sizeof(vdir), "demo/%s", p->version);
	if (strcmp(p->version, "1.0.0") != 0)
		CHECK(!exists(packs, vdir), "no dir for the refused version");
	CHECK_EQ_INT(tmp_dirs(), 0, "temp dir removed");
}

/* Reader threads: acquire, read the demo course, release, until told to stop. */
static volatile int readers_stop;

struct reader {
	struct catalog *cat;
	long reads, bad;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;

	while (!__atomic_load_n(&readers_stop, __ATOMIC_ACQUIRE)) {
		const struct cat_snapshot *s = catalog_acquire(r->cat);
		const struct cat_course *c = cat_course_find(s, "demo");

		if (c == NULL || c->nlessons != 2 || strcmp(c->lessons[1].title,
		    "Badan Permusyawaratan Desa") != 0 || cat_question_find(c, "q2") == NULL)
			r->bad++;
		r->reads++;
		catalog_release(r->cat, s);
	}
	return NULL;
}

static void
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

int
main(void)
{
	struct catalog_opts opts = {0};
	struct catalog *cat = NULL, *dev = NULL;
	const struct cat_snapshot *snap, *held;
	const struct cat_course *c;
	struct tpack p;
	char err[256], path[PATH_MAX], evil_abs[128];
	pb_err rc;
	int n;

	log_init("test_catalog", 1, 1);
	if (util_init() != PB_OK)
		return 1;
	snprintf(root, sizeof(root), "/tmp/test_catalog.XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;
	snprintf(packs, sizeof(packs), "%s/packs", root);
	snprintf(keys, sizeof(keys), "%s/trusted.keys", root);
	write_keys();

	opts.packs_dir = packs;
	opts.trusted_keys = keys;
	rc = catalog_open(&opts, &cat);
	CHECK_EQ_INT(rc, PB_OK, "catalog_open creates a missing packs dir");
	if (cat == NULL)
		return TAP_DONE();
	snap = catalog_acquire(cat);
	CHECK_EQ_INT(snap->ncourses, 0, "empty catalog has no courses");
	catalog_release(cat, snap);

	/* a good signed pack */
	p = (struct tpack){.id = "demo", .version = "1.0.0", .sk = sk_good};
	err[0] = '\0';
	rc = install(cat, &p, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "good signed pack installs");
	if (rc != PB_OK)
		printf("#   err: %s\n", err);
	CHECK_EQ_STR(current_of("demo"), "1.0.0", "current -> 1.0.0");
	snap = catalog_acquire(cat);
	CHECK_EQ_INT(snap->ncourses, 1, "one course served");
	check_course(cat_course_find(snap, "demo"), "1.0.0", "after install");
	CHECK(cat_course_find(snap, "other") == NULL, "absent course is NULL");
	catalog_release(cat, snap);

	/* reopen */
	catalog_close(cat);
	cat = NULL;
	rc = catalog_open(&opts, &cat);
	CHECK_EQ_INT(rc, PB_OK, "reopen");
	if (cat == NULL)
		return TAP_DONE();
	snap = catalog_acquire(cat);
	check_course(cat_course_find(snap, "demo"), "1.0.0", "after reopen");
	catalog_release(cat, snap);

	/* refusals: each leaves 1.0.0 served */
	p = (struct tpack){.id = "demo", .version = "1.1.0"};
	check_refused(cat, &p, PB_ERR_CRYPTO, "not signed", "unsigned pack refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .dev = 1};
	check_refused(cat, &p, PB_ERR_CRYPTO, "not signed",
	    "unsigned dev pack refused outside dev mode");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_bad};
	check_refused(cat, &p, PB_ERR_CRYPTO, "signature does not verify",
	    "pack signed with an untrusted key refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .tamper = "media/struktur.svg"};
	check_refused(cat, &p, PB_ERR_CRYPTO, "media/struktur.svg: SHA-256 mismatch",
	    "tampered media file refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .tamper = "quiz.json"};
	check_refused(cat, &p, PB_ERR_CRYPTO, "quiz.json: SHA-256 mismatch",
	    "tampered quiz refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .extra = "lessons/extra.html"};
	check_refused(cat, &p, PB_ERR_INVALID, "lessons/extra.html: not in the manifest",
	    "file not in the manifest refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .evil = "../evil", .evil_type = AE_IFREG};
	check_refused(cat, &p, PB_ERR_INVALID, "unsafe path ../evil", "../evil entry refused");
	CHECK(!exists(root, "evil") && !exists(packs, "evil"),
	    "nothing written outside for ../evil");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .evil = "lessons/../../evil2", .evil_type = AE_IFREG};
	check_refused(cat, &p, PB_ERR_INVALID, "unsafe path", "lessons/../../ entry refused");
	CHECK(!exists(root, "evil2"), "nothing written outside for lessons/../..");
	snprintf(evil_abs, sizeof(evil_abs), "%s/abs-evil", root);
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .evil = evil_abs, .evil_type = AE_IFREG};
	check_refused(cat, &p, PB_ERR_INVALID, "unsafe path /", "absolute path entry refused");
	CHECK(!exists(root, "abs-evil"), "nothing written at the absolute path");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .evil = "media/link.svg", .evil_type = AE_IFLNK};
	check_refused(cat, &p, PB_ERR_INVALID, "unsafe entry media/link.svg",
	    "symlink entry refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .evil = "media/hard.svg", .evil_type = 0};
	check_refused(cat, &p, PB_ERR_INVALID, "unsafe entry media/hard.svg",
	    "hardlink entry refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .evil = "bin/run.sh", .evil_type = AE_IFREG};
	check_refused(cat, &p, PB_ERR_INVALID, "unexpected file bin/run.sh",
	    "file outside lessons/ and media/ refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .quiz = "{\"questions\": [{\"id\": \"q1\", \"type\": \"single\", "
	    "\"text\": \"?\", \"explanation\": \"!\", \"choices\": "
	    "[{\"text\": \"x\"}, {\"text\": \"y\", \"correct\": false}]}]}"};
	check_refused(cat, &p, PB_ERR_INVALID, "q1: no correct choice",
	    "signed pack with a question without a correct choice refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .course = "{\"id\": \"demo\", \"version\": \"1.1.0\", \"title\": \"T\", "
	    "\"lessons\": [{\"id\": \"l1\", \"title\": \"L\", "
	    "\"file\": \"lessons/missing.html\"}]}"};
	check_refused(cat, &p, PB_ERR_INVALID, "lessons/missing.html missing",
	    "signed pack whose lesson file is missing refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .course = "{\"id\": \"lain\", \"version\": \"1.1.0\", \"title\": \"T\", "
	    "\"lessons\": [{\"id\": \"l1\", \"title\": \"L\", "
	    "\"file\": \"lessons/bpd.html\"}]}"};
	check_refused(cat, &p, PB_ERR_INVALID, "does not match manifest.json",
	    "signed pack whose course id differs from the manifest refused");
	snprintf(path, sizeof(path), "%s/not-a-pack.pack", root);
	fs_write_atomic(path, "hello", 5, 0644);
	rc = catalog_install(cat, path, err, sizeof(err));
	CHECK(rc != PB_OK, "a file that is not a pack is refused (%s)", err);
	CHECK_EQ_INT(tmp_dirs(), 0, "temp dir removed");

	/* not newer */
	p = (struct tpack){.id = "demo", .version = "1.0.0", .sk = sk_good};
	check_refused(cat, &p, PB_ERR_EXISTS, "not newer", "same version is PB_ERR_EXISTS");
	p = (struct tpack){.id = "demo", .version = "0.9.9", .sk = sk_good};
	check_refused(cat, &p, PB_ERR_EXISTS, "not newer", "older version is PB_ERR_EXISTS");

	/* newer versions; a held snapshot keeps its course */
	held = catalog_acquire(cat);
	p = (struct tpack){.id = "demo", .version = "1.9.0", .sk = sk_good};
	rc = install(cat, &p, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "1.9.0 installs over 1.0.0");
	CHECK_EQ_STR(current_of("demo"), "1.9.0", "current -> 1.9.0");
	CHECK_EQ_STR(served_version(cat, "demo"), "1.9.0", "new snapshot serves 1.9.0");
	p = (struct tpack){.id = "demo", .version = "1.10.0", .sk = sk_good};
	rc = install(cat, &p, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "1.10.0 is newer than 1.9.0 (numeric compare)");
	CHECK_EQ_STR(current_of("demo"), "1.10.0", "current -> 1.10.0");
	check_course(cat_course_find(held, "demo"), "1.0.0",
	    "snapshot taken before the installs still reads 1.0.0");
	catalog_release(cat, held);
	CHECK(exists(packs, "demo/1.10.0") && exists(packs, "demo/1.9.0"),
	    "current and previous version dirs kept");
	CHECK(!exists(packs, "demo/1.0.0"), "older version dir removed");

	/* installs while readers hold and release snapshots on other threads */
	{
		struct reader rd[4];
		pthread_t th[4];
		int i, started = 0, ok = 1;
		char ver[16];

		memset(rd, 0, sizeof(rd));
		for (i = 0; i < 4; i++) {
			rd[i].cat = cat;
			if (pthread_create(&th[i], NULL, reader_main, &rd[i]) == 0)
				started++;
		}
		for (i = 0; i < 5; i++) {
			snprintf(ver, sizeof(ver), "1.10.%d", i + 1);
			p = (struct tpack){.id = "demo", .version = ver, .sk = sk_good};
			ok &= install(cat, &p, err, sizeof(err)) == PB_OK;
		}
		__atomic_store_n(&readers_stop, 1, __ATOMIC_RELEASE);
		for (i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		CHECK_EQ_INT(started, 4, "reader threads started");
		CHECK(ok, "five installs while readers run");
		for (i = 0; i < started; i++)
			CHECK_EQ_INT(rd[i].bad, 0, "reader saw a complete course every time");
		CHECK_EQ_STR(served_version(cat, "demo"), "1.10.5", "last install served");
	}

	/* dev packs in dev mode */
	snprintf(path, sizeof(path), "%s/devpacks", root);
	opts.packs_dir = path;
	opts.dev_mode = 1;
	rc = catalog_open(&opts, &dev);
	CHECK_EQ_INT(rc, PB_OK, "open a dev-mode catalog");
	if (dev != NULL) {
		p = (struct tpack){.id = "demo", .version = "1.0.0", .dev = 1};
		rc = install(dev, &p, err, sizeof(err));
		CHECK_EQ_INT(rc, PB_OK, "unsigned dev pack installs in dev mode");
		p = (struct tpack){.id = "demo", .version = "1.1.0"};
		rc = install(dev, &p, err, sizeof(err));
		CHECK_EQ_INT(rc, PB_ERR_CRYPTO, "unsigned non-dev pack refused in dev mode");
		catalog_close(dev);
	}
	opts.packs_dir = packs;
	opts.dev_mode = 0;

	/* install_dir: sorted, newer only; reopen cleans up and skips broken packs */
	{
		char inc[128], pk[PATH_MAX];

		snprintf(inc, sizeof(inc), "%s/incoming", root);
		fs_mkdirs(inc, 0755);

		p = (struct tpack){.id = "demo", .version = "2.0.0", .sk = sk_good};
		snprintf(pk, sizeof(pk), "%s/a.pack", inc);
		make_pack(pk, &p);
		p = (struct tpack){.id = "kedua", .version = "1.0.0", .sk = sk_good};
		snprintf(pk, sizeof(pk), "%s/b.pack", inc);
		make_pack(pk, &p);
		p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good};
		snprintf(pk, sizeof(pk), "%s/c.pack", inc);
		make_pack(pk, &p);
		p = (struct tpack){.id = "ketiga", .version = "1.0.0"};
		snprintf(pk, sizeof(pk), "%s/d.pack", inc);
		make_pack(pk, &p);
		snprintf(pk, sizeof(pk), "%s/readme.txt", inc);
		fs_write_atomic(pk, "x", 1, 0644);
		n = catalog_install_dir(cat, inc);
	}
	CHECK_EQ_INT(n, 2, "install_dir installs the two newer packs");
	snap = catalog_acquire(cat);
	CHECK_EQ_INT(snap->ncourses, 2, "two courses served");
	if (snap->ncourses == 2) {
		CHECK_EQ_STR(snap->courses[0]->id, "demo", "courses sorted by id (1)");
		CHECK_EQ_STR(snap->courses[1]->id, "kedua", "courses sorted by id (2)");
	}
	CHECK_EQ_STR(served_version(cat, "demo"), "2.0.0", "demo 2.0.0 served");
	catalog_release(cat, snap);
	CHECK_EQ_INT(catalog_install_dir(cat, "/nonexistent-dir"), -1,
	    "install_dir of a missing dir is -1");
	catalog_close(cat);
	cat = NULL;

	snprintf(path, sizeof(path), "%s/.tmp-abcdef/lessons", packs);
	fs_mkdirs(path, 0755);
	snprintf(path, sizeof(path), "%s/kedua/1.0.0/quiz.json", packs);
	fs_write_atomic(path, "{broken", 7, 0644);
	rc = catalog_open(&opts, &cat);
	CHECK_EQ_INT(rc, PB_OK, "reopen with a broken pack");
	if (cat == NULL)
		return TAP_DONE();
	CHECK_EQ_INT(tmp_dirs(), 0, "leftover temp dir removed at open");
	snap = catalog_acquire(cat);
	CHECK_EQ_INT(snap->ncourses, 1, "broken pack skipped, the other still served");
	c = cat_course_find(snap, "demo");
	CHECK_EQ_STR(c ? c->version : "(none)", "2.0.0", "demo 2.0.0 still served");
	catalog_release(cat, snap);
	catalog_close(cat);

	fs_remove_tree(root);
	return TAP_DONE();
}
