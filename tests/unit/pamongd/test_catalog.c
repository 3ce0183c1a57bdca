/* test_catalog.c — serving content packs: courses parsed from installed
 * packs, refcounted snapshots, and installs through the catalog (only newer
 * versions, courses that parse, the old version served until the swap).
 * How packs are verified and unpacked is test_packinst.c's. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "packinst.h"
#include "fsutil.h"
#include "log.h"
#include "tap.h"
#include "testpack.h"

/* Build p as root/<id>-<version>.pack and install it. */
static pb_err
install(struct catalog *cat, const struct tpack *p, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (build_pack(p, path) < 0)
		return PB_ERR_IO;
	return catalog_install(cat, path, err, errlen);
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

/* An install and an inspection called from a thread with a small stack
 * (smaller than what they use, with a guard zone larger than any frame so
 * that running over it faults): the catalog does the work on a stack of
 * its own, as it must for CivetWeb's 100 KiB workers. */
#define SMALL_STACK (40 * 1024)

struct small_call {
	struct catalog *cat;
	const char *pack;
	pb_err install_rc, inspect_rc;
	struct packinst_info info;
	char err[256];
};

static void *
small_call_main(void *arg)
{
	struct small_call *sc = arg;
	char installed[32];

	sc->inspect_rc = catalog_inspect(sc->cat, sc->pack, &sc->info, installed,
	    sizeof(installed), sc->err, sizeof(sc->err));
	sc->install_rc = catalog_install(sc->cat, sc->pack, sc->err, sizeof(sc->err));
	return NULL;
}

static void
check_small_stack(struct catalog *cat)
{
	struct small_call sc;
	struct tpack p = {.id = "demo", .version = "1.10.6", .sk = sk_good};
	char path[PATH_MAX];
	pthread_attr_t attr;
	pthread_t th;
	int started;

	memset(&sc, 0, sizeof(sc));
	if (!CHECK(build_pack(&p, path) == 0, "pack for the small-stack call built"))
		return;
	sc.cat = cat;
	sc.pack = path;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SMALL_STACK);
	pthread_attr_setguardsize(&attr, 256 * 1024);
	started = pthread_create(&th, &attr, small_call_main, &sc) == 0;
	pthread_attr_destroy(&attr);
	if (!CHECK(started, "thread with a %d KiB stack started", SMALL_STACK / 1024))
		return;
	pthread_join(th, NULL);
	CHECK_EQ_INT(sc.inspect_rc, PB_OK, "inspect from a thread with a 40 KiB stack");
	CHECK_EQ_STR(sc.info.version, "1.10.6", "the inspection read the pack");
	CHECK_EQ_INT(sc.install_rc, PB_OK, "install from a thread with a 40 KiB stack");
	CHECK_EQ_STR(served_version(cat, "demo"), "1.10.6", "and it is served");
}

int
main(void)
{
	struct catalog_opts opts = {0};
	struct catalog *cat = NULL, *dev = NULL;
	const struct cat_snapshot *snap, *held;
	const struct cat_course *c;
	struct tpack p;
	char err[256], path[PATH_MAX];
	pb_err rc;
	int n;

	log_init("test_catalog", 1, 1);
	if (testpack_setup("test_catalog") < 0)
		return 1;

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

	/* refusals, by packinst or by the catalog: each leaves 1.0.0 served */
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_bad};
	check_refused(cat, &p, PB_ERR_CRYPTO, "signed by an unknown author key",
	    "pack signed with an untrusted key refused");
	p = (struct tpack){.id = "demo", .version = "1.1.0", .sk = sk_good,
	    .tamper = "quiz.json"};
	check_refused(cat, &p, PB_ERR_CRYPTO, "quiz.json: SHA-256 mismatch",
	    "tampered quiz refused for its hash before it is parsed");
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

	check_small_stack(cat);

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
