/* test_packinst.c — verifying, refusing and installing content packs on
 * disk, on their own: no catalog, only the hooks a caller would give. */
#include <archive_entry.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"
#include "log.h"
#include "packinst.h"
#include "tap.h"
#include "testpack.h"

static struct packinst_opts opts;

/* What the hooks saw, and what they answer. */
struct seen {
	int wants, checks;     /* calls */
	char want_id[64], want_version[32];
	char check_root[PATH_MAX], check_id[64], check_version[32];
	int check_had_course;  /* root/course.json was there */
	int tmp_at_want;       /* temporary dirs when want was asked */
	pb_err want_rc, check_rc;
};

static pb_err
hook_want(void *arg, const char *id, const char *version, char *err, size_t errlen)
{
	struct seen *s = arg;

	s->wants++;
	s->tmp_at_want = tmp_dirs();
	snprintf(s->want_id, sizeof(s->want_id), "%s", id);
	snprintf(s->want_version, sizeof(s->want_version), "%s", version);
	if (s->want_rc != PB_OK)
		snprintf(err, errlen, "not wanted");
	return s->want_rc;
}

static pb_err
hook_check(void *arg, const char *dir, const char *id, const char *version, char *err,
    size_t errlen)
{
	struct seen *s = arg;

	s->checks++;
	snprintf(s->check_root, sizeof(s->check_root), "%s", dir);
	snprintf(s->check_id, sizeof(s->check_id), "%s", id);
	snprintf(s->check_version, sizeof(s->check_version), "%s", version);
	s->check_had_course = exists(dir, "course.json");
	if (s->check_rc != PB_OK)
		snprintf(err, errlen, "course does not parse");
	return s->check_rc;
}

/* Build p and install it with hooks h (may be NULL). */
static pb_err
install(const struct tpack *p, const struct packinst_hooks *h, char vdir[PATH_MAX],
    char *err, size_t errlen)
{
	char path[PATH_MAX];

	err[0] = '\0';
	if (build_pack(p, path) < 0)
		return PB_ERR_IO;
	return packinst_install(&opts, path, h, vdir, err, errlen);
}

/* p is refused with want and a message containing msg; demo's current is
 * still 1.0.0 and nothing of p is left. */
static void
check_refused(const struct tpack *p, const struct packinst_hooks *h, pb_err want,
    const char *msg, const char *what)
{
	char err[256], vdir[PATH_MAX], rel[64];
	pb_err rc = install(p, h, vdir, err, sizeof(err));

	CHECK_EQ_INT(rc, want, what);
	if (!CHECK(strstr(err, msg) != NULL, "%s: message names the reason", what))
		printf("#   expected \"%s\" in \"%s\"\n", msg, err);
	CHECK_EQ_STR(current_of("demo"), "1.0.0", "current unchanged");
	snprintf(rel, sizeof(rel), "demo/%s", p->version);
	if (strcmp(p->version, "1.0.0") != 0)
		CHECK(!exists(packs, rel), "no dir for the refused version");
	CHECK_EQ_INT(tmp_dirs(), 0, "temp dir removed");
}

/* Installer refusals: one row a broken pack, its code and reason. */
struct refusal {
	struct tpack p;
	pb_err rc;
	const char *msg;
	const char *what;
};

static void
test_refusals(void)
{
	static char evil_abs[128];
	const struct refusal rows[] = {
		{{.version = "1.1.0"}, PB_ERR_CRYPTO, "not signed", "unsigned pack refused"},
		{{.version = "1.1.0", .dev = 1}, PB_ERR_CRYPTO, "not signed",
		    "unsigned dev pack refused outside dev mode"},
		{{.version = "1.1.0", .sk = sk_bad}, PB_ERR_CRYPTO,
		    "signed by an unknown author key ", "pack signed with an untrusted key "
		    "refused, naming the key"},
		{{.version = "1.1.0", .sk = sk_bad, .nokey = 1}, PB_ERR_CRYPTO,
		    "signature does not verify with any trusted key",
		    "an older pack that does not name its key, signed by an untrusted key, refused"},
		{{.version = "1.1.0", .sk = sk_bad, .claim = sk_good}, PB_ERR_CRYPTO,
		    "signature does not verify (key ",
		    "a pack naming a trusted key it was not signed with refused"},
		{{.version = "1.1.0", .sk = sk_good, .tamper = "media/struktur.svg"},
		    PB_ERR_CRYPTO, "media/struktur.svg: SHA-256 mismatch",
		    "tampered media file refused"},
		{{.version = "1.1.0", .sk = sk_good, .tamper = "quiz.json"}, PB_ERR_CRYPTO,
		    "quiz.json: SHA-256 mismatch", "tampered quiz refused"},
		{{.version = "1.1.0", .sk = sk_good, .extra = "lessons/extra.html"},
		    PB_ERR_INVALID, "lessons/extra.html: not in the manifest",
		    "file not in the manifest refused"},
		{{.version = "1.1.0", .sk = sk_good, .evil = "../evil", .evil_type = AE_IFREG},
		    PB_ERR_INVALID, "unsafe path ../evil", "../evil entry refused"},
		{{.version = "1.1.0", .sk = sk_good, .evil = "lessons/../../evil2",
		    .evil_type = AE_IFREG}, PB_ERR_INVALID, "unsafe path",
		    "lessons/../../ entry refused"},
		{{.version = "1.1.0", .sk = sk_good, .evil = evil_abs, .evil_type = AE_IFREG},
		    PB_ERR_INVALID, "unsafe path /", "absolute path entry refused"},
		{{.version = "1.1.0", .sk = sk_good, .evil = "media/link.svg",
		    .evil_type = AE_IFLNK}, PB_ERR_INVALID, "unsafe entry media/link.svg",
		    "symlink entry refused"},
		{{.version = "1.1.0", .sk = sk_good, .evil = "media/hard.svg", .evil_type = 0},
		    PB_ERR_INVALID, "unsafe entry media/hard.svg", "hardlink entry refused"},
		{{.version = "1.1.0", .sk = sk_good, .evil = "lessons/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a",
		    .evil_type = AE_IFDIR}, PB_ERR_INVALID, "unsafe path lessons/a/a/a",
		    "a folder 17 levels deep refused (the installer's nftw() walks it on a "
		    "worker's stack)"},
		{{.version = "1.1.0", .sk = sk_good, .evil = "bin/run.sh",
		    .evil_type = AE_IFREG}, PB_ERR_INVALID, "unexpected file bin/run.sh",
		    "file outside lessons/ and media/ refused"},
	};
	char path[PATH_MAX], err[256], vdir[PATH_MAX];
	size_t i;
	pb_err rc;

	snprintf(evil_abs, sizeof(evil_abs), "%s/abs-evil", root);
	for (i = 0; i < PB_ARRAY_LEN(rows); i++) {
		struct tpack p = rows[i].p;

		p.id = "demo";
		check_refused(&p, NULL, rows[i].rc, rows[i].msg, rows[i].what);
	}
	CHECK(!exists(root, "evil") && !exists(packs, "evil"),
	    "nothing written outside for ../evil");
	CHECK(!exists(root, "evil2"), "nothing written outside for lessons/../..");
	CHECK(!exists(root, "abs-evil"), "nothing written at the absolute path");

	snprintf(path, sizeof(path), "%s/not-a-pack.pack", root);
	fs_write_atomic(path, "hello", 5, 0644);
	rc = packinst_install(&opts, path, NULL, vdir, err, sizeof(err));
	CHECK(rc != PB_OK, "a file that is not a pack is refused (%s)", err);
	CHECK_EQ_INT(tmp_dirs(), 0, "temp dir removed");
}

/* Inspecting reads a pack and writes nothing: what it is, who signed it. */
static void
test_inspect(void)
{
	struct tpack p = {.id = "peek", .version = "2.0.0", .sk = sk_good};
	struct packinst_info info;
	struct keyring kr;
	char path[PATH_MAX], err[256], fp[KEYRING_FPLEN];

	snprintf(path, sizeof(path), "%s/peek.pack", root);
	make_pack(path, &p);
	CHECK_EQ_INT(packinst_inspect(&opts, path, &info, err, sizeof(err)), PB_OK,
	    "a good pack inspects");
	CHECK_EQ_STR(info.id, "peek", "...its id");
	CHECK_EQ_STR(info.version, "2.0.0", "...its version");
	CHECK_EQ_STR(info.title, "Administrasi Desa", "...its title");
	keyring_fingerprint(sk_good + 32, fp);
	CHECK_EQ_STR(info.fp, fp, "...the signer's fingerprint");
	CHECK(info.key_known && info.verified && info.nfiles == 5 && info.size > 0,
	    "...a known key, verified, five files and their size");
	CHECK(!exists(packs, "peek") && tmp_dirs() == 0, "...and nothing is written");

	p.sk = sk_bad;
	make_pack(path, &p);
	keyring_fingerprint(sk_bad + 32, fp);
	CHECK_EQ_INT(packinst_inspect(&opts, path, &info, err, sizeof(err)), PB_ERR_CRYPTO,
	    "a pack signed by an unknown key does not inspect");
	CHECK(strstr(err, "signed by an unknown author key ") != NULL &&
	    strstr(err, fp) != NULL, "...saying so with the key's fingerprint (%s)", err);
	CHECK(!info.key_known && !info.verified && strcmp(info.fp, fp) == 0 &&
	    strcmp(info.id, "peek") == 0, "...and still what the pack is and who signed it");

	/* the facilitator trusts the key: it installs */
	snprintf(path + strlen(path) - 9, 16, "local.keys");
	opts.local_keys = path;
	CHECK_EQ_INT(keyring_add(keys, path, sk_bad + 32, "Penulis\tBaru # x"), PB_OK,
	    "a key is added to the facilitator's file");
	CHECK_EQ_INT(keyring_add(keys, path, sk_bad + 32, NULL), PB_ERR_EXISTS,
	    "...once");
	CHECK_EQ_INT(keyring_add(keys, path, sk_good + 32, NULL), PB_ERR_EXISTS,
	    "a built-in key is not added again");
	keyring_load(&kr, keys, path);
	CHECK(kr.n == 2 && kr.v[0].builtin && !kr.v[1].builtin &&
	    strcmp(kr.v[1].name, "Penulis Baru   x") == 0 && strcmp(kr.v[1].fp, fp) == 0,
	    "both keys load, the name one printable line without '#' (%s)",
	    kr.n == 2 ? kr.v[1].name : "?");
	keyring_free(&kr);
	snprintf(err, sizeof(err), "%s/peek.pack", root);
	CHECK_EQ_INT(packinst_inspect(&opts, err, &info, err, sizeof(err)), PB_OK,
	    "the pack of the added key inspects");
	keyring_fingerprint(sk_good + 32, fp);
	CHECK_EQ_INT(keyring_remove(keys, path, fp), PB_ERR_DENIED,
	    "a built-in key cannot be removed");
	CHECK_EQ_INT(keyring_remove(keys, path, info.fp), PB_OK, "an added key is removed");
	CHECK_EQ_INT(keyring_remove(keys, path, info.fp), PB_ERR_NOTFOUND, "...once");
	snprintf(err, sizeof(err), "%s/peek.pack", root);
	CHECK_EQ_INT(packinst_inspect(&opts, err, &info, err, sizeof(err)), PB_ERR_CRYPTO,
	    "...and its packs are refused again");
	opts.local_keys = NULL;
}

static void
test_hooks(void)
{
	struct seen s;
	struct packinst_hooks h = {hook_want, hook_check, &s};
	struct tpack p = {.id = "demo", .version = "1.2.0", .sk = sk_good};
	char err[256], vdir[PATH_MAX], tmp_prefix[PATH_MAX];

	memset(&s, 0, sizeof(s));
	s.want_rc = PB_ERR_EXISTS;
	check_refused(&p, &h, PB_ERR_EXISTS, "not wanted", "a pack want refuses is refused");
	CHECK_EQ_STR(s.want_id, "demo", "want is given the manifest's id");
	CHECK_EQ_STR(s.want_version, "1.2.0", "want is given the manifest's version");
	CHECK_EQ_INT(s.checks, 0, "check is not asked once want refuses");

	memset(&s, 0, sizeof(s));
	s.want_rc = PB_ERR_EXISTS;
	p.tamper = "quiz.json";
	check_refused(&p, &h, PB_ERR_EXISTS, "not wanted",
	    "want is asked before the files' hashes are checked");
	p.tamper = NULL;

	memset(&s, 0, sizeof(s));
	p.tamper = "media/struktur.svg";
	check_refused(&p, &h, PB_ERR_CRYPTO, "SHA-256 mismatch",
	    "a tampered pack is refused whatever want says");
	CHECK_EQ_INT(s.checks, 0, "check is not asked for a pack whose hashes fail");
	p.tamper = NULL;

	memset(&s, 0, sizeof(s));
	s.check_rc = PB_ERR_INVALID;
	check_refused(&p, &h, PB_ERR_INVALID, "course does not parse",
	    "a pack check refuses is refused");
	CHECK_EQ_INT(s.wants, 1, "want asked once");
	CHECK_EQ_INT(s.checks, 1, "check asked once");
	snprintf(tmp_prefix, sizeof(tmp_prefix), "%s/.tmp-", packs);
	CHECK(strncmp(s.check_root, tmp_prefix, strlen(tmp_prefix)) == 0,
	    "check is given the temporary dir (%s)", s.check_root);
	CHECK(s.check_had_course, "the temporary dir holds the pack's files");
	CHECK_EQ_STR(s.check_id, "demo", "check is given the manifest's id");
	CHECK_EQ_STR(s.check_version, "1.2.0", "check is given the manifest's version");

	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(install(&p, &h, vdir, err, sizeof(err)), PB_OK,
	    "a pack both hooks accept installs");
	CHECK_EQ_STR(current_of("demo"), "1.2.0", "current -> 1.2.0");
	CHECK(!exists(s.check_root, ""), "the dir check saw was moved into place");
}

static void
test_on_disk(void)
{
	char err[256], ver[64], vdir[PATH_MAX], want[PATH_MAX], prev[64], what[64];
	struct tpack p = {.id = "demo", .sk = sk_good};
	const char *const versions[] = {"1.9.0", "1.10.0", "2.0.0"};
	size_t i;
	pb_err rc;

	/* demo has 1.0.0 and 1.2.0 from the tests before */
	for (i = 0; i < PB_ARRAY_LEN(versions); i++) {
		p.version = versions[i];
		if (i == PB_ARRAY_LEN(versions) - 1) {
			/* a stale dir, as a crash before the swap would leave */
			snprintf(want, sizeof(want), "%s/demo/2.0.0", packs);
			fs_mkdirs(want, 0755);
			snprintf(want, sizeof(want), "%s/demo/2.0.0/stale", packs);
			fs_write_atomic(want, "x", 1, 0644);
		}
		snprintf(what, sizeof(what), "%s installs", versions[i]);
		CHECK_EQ_INT(install(&p, NULL, vdir, err, sizeof(err)), PB_OK, what);
	}
	CHECK(!exists(packs, "demo/2.0.0/stale") && exists(packs, "demo/2.0.0/course.json"),
	    "a stale dir of the version installed is replaced");

	snprintf(want, sizeof(want), "%s/demo/current.tmp", packs);
	fs_write_atomic(want, "x", 1, 0644);
	rc = packinst_current(packs, "demo", ver, sizeof(ver), vdir, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "packinst_current finds demo");
	CHECK_EQ_STR(ver, "2.0.0", "current version");
	snprintf(want, sizeof(want), "%s/demo/2.0.0", packs);
	CHECK_EQ_STR(vdir, want, "current version's dir");
	CHECK(!exists(packs, "demo/current.tmp"), "a stale current.tmp is removed");
	rc = packinst_current(packs, "nope", ver, sizeof(ver), vdir, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_ERR_NOTFOUND, "no current version of an unknown id");
	snprintf(want, sizeof(want), "%s/bad", packs);
	fs_mkdirs(want, 0755);
	snprintf(want, sizeof(want), "%s/bad/current", packs);
	CHECK(symlink("garbage", want) == 0, "make bad/current -> garbage");
	rc = packinst_current(packs, "bad", ver, sizeof(ver), vdir, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_ERR_INVALID, "a current that names no version is refused");

	packinst_previous(packs, "demo", "2.0.0", prev, sizeof(prev));
	CHECK_EQ_STR(prev, "1.10.0", "previous of 2.0.0 is 1.10.0 (numeric compare)");
	packinst_previous(packs, "demo", "1.0.0", prev, sizeof(prev));
	CHECK_EQ_STR(prev, "", "nothing before the first version");
	packinst_prune(packs, "demo", "2.0.0", "1.2.0");
	CHECK(exists(packs, "demo/2.0.0") && exists(packs, "demo/1.2.0"),
	    "prune keeps the two versions named");
	CHECK(!exists(packs, "demo/1.0.0") && !exists(packs, "demo/1.9.0") &&
	    !exists(packs, "demo/1.10.0"), "prune removes the other versions");
	CHECK(exists(packs, "demo/current"), "prune leaves current alone");

	snprintf(want, sizeof(want), "%s/.tmp-abcdef/lessons", packs);
	fs_mkdirs(want, 0755);
	packinst_clean(packs);
	CHECK_EQ_INT(tmp_dirs(), 0, "packinst_clean removes an unfinished install");
	CHECK(exists(packs, "demo/2.0.0"), "packinst_clean leaves installed packs alone");
}

static void
test_dev_mode(void)
{
	char err[256], vdir[PATH_MAX];
	struct tpack p = {.id = "devdemo", .version = "1.0.0", .dev = 1};

	opts.dev_mode = 1;
	CHECK_EQ_INT(install(&p, NULL, vdir, err, sizeof(err)), PB_OK,
	    "unsigned dev pack installs in dev mode");
	p = (struct tpack){.id = "devdemo", .version = "1.1.0"};
	CHECK_EQ_INT(install(&p, NULL, vdir, err, sizeof(err)), PB_ERR_CRYPTO,
	    "unsigned non-dev pack refused in dev mode");
	CHECK_EQ_STR(current_of("devdemo"), "1.0.0", "dev pack still current");
	opts.dev_mode = 0;
}

/* Bytes this process has passed to write() so far (/proc/self/io wchar). */
static long long
written(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[128];
	long long v = -1;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "wchar: %lld", &v) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return v;
}

/* A gzip bomb: lessons/bomb.html is mb MB of zeros (about 1/1000 of that
 * compressed) before manifest.json, which lists it at its true size and
 * hash, or at 10 bytes when lie; signed with sk. Returns 0 on success. */
static int
make_bomb(const char *out, size_t mb, int lie, const unsigned char *sk)
{
	static char zeros[1 << 20];
	crypto_hash_sha256_state hs;
	unsigned char d[crypto_hash_sha256_BYTES], sig[crypto_sign_BYTES];
	char sha[65], sighex[2 * crypto_sign_BYTES + 2], *mtext;
	struct archive_entry *e;
	struct archive *a;
	json_t *man;
	size_t i;

	crypto_hash_sha256_init(&hs);
	for (i = 0; i < mb; i++)
		crypto_hash_sha256_update(&hs, (const unsigned char *)zeros, sizeof(zeros));
	crypto_hash_sha256_final(&hs, d);
	util_hex(sha, d, sizeof(d));
	man = json_pack("{s:i, s:s, s:s, s:s, s:b, s:[{s:s, s:I, s:s}]}", "format", 1,
	    "id", "demo", "version", "9.0.0", "title", "Bom", "dev", 0, "files", "path",
	    "lessons/bomb.html", "size", (json_int_t)(lie ? 10 : mb << 20), "sha256", sha);
	mtext = json_dumps(man, JSON_INDENT(2));
	json_decref(man);
	a = archive_write_new();
	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, out) != ARCHIVE_OK)
		return -1;
	e = archive_entry_new();
	archive_entry_set_pathname(e, "lessons/bomb.html");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)(mb << 20));
	archive_write_header(a, e);
	for (i = 0; i < mb; i++)
		archive_write_data(a, zeros, sizeof(zeros));
	archive_entry_free(e);
	add_entry(a, "manifest.json", AE_IFREG, mtext, strlen(mtext), NULL);
	crypto_sign_detached(sig, NULL, (const unsigned char *)mtext, strlen(mtext), sk);
	util_hex(sighex, sig, sizeof(sig));
	strcat(sighex, "\n");
	add_entry(a, "manifest.sig", AE_IFREG, sighex, strlen(sighex), NULL);
	archive_write_close(a);
	archive_write_free(a);
	free(mtext);
	return 0;
}

/* Nothing is unpacked before the signature and the version are checked:
 * bytes written by the install measured with /proc/self/io. */
static void
test_checked_before_unpacking(void)
{
	const struct {
		int lie;
		const unsigned char *sk;
		pb_err rc;
		const char *msg, *what;
	} rows[] = {
		{0, sk_bad, PB_ERR_CRYPTO, "signature does not verify",
		    "a 64 MB gzip bomb signed by an untrusted key"},
		{1, sk_good, PB_ERR_CRYPTO, "size mismatch",
		    "a 64 MB entry its signed manifest lists at 10 bytes"},
	};
	struct tpack old = {.id = "demo", .version = "0.0.1", .sk = sk_good};
	struct seen s = {0};
	struct packinst_hooks h = {hook_want, hook_check, &s};
	char path[PATH_MAX], err[256], vdir[PATH_MAX];
	long long before, w;
	struct stat sb;
	size_t i;
	pb_err rc;

	for (i = 0; i < PB_ARRAY_LEN(rows); i++) {
		snprintf(path, sizeof(path), "%s/bomb%zu.pack", root, i);
		if (!CHECK(make_bomb(path, 64, rows[i].lie, rows[i].sk) == 0, "bomb built"))
			return;
		before = written();
		rc = packinst_install(&opts, path, NULL, vdir, err, sizeof(err));
		w = written() - before;
		CHECK(rc == rows[i].rc, "%s is refused (%d)", rows[i].what, rc);
		if (!CHECK(strstr(err, rows[i].msg) != NULL, "%s: the reason is given",
		    rows[i].what))
			printf("#   expected \"%s\" in \"%s\"\n", rows[i].msg, err);
		stat(path, &sb);
		printf("# %s (%lld bytes of gzip): %lld bytes written while refusing it\n",
		    rows[i].what, (long long)sb.st_size, w);
		CHECK(before >= 0 && w < 1024 * 1024, "%s: under 1 MB written (%lld bytes)",
		    rows[i].what, w);
		CHECK(tmp_dirs() == 0, "%s: no temp dir left", rows[i].what);
		unlink(path);
	}

	s.want_rc = PB_ERR_EXISTS;
	before = written();
	rc = install(&old, &h, vdir, err, sizeof(err));
	w = written() - before;
	CHECK_EQ_INT(rc, PB_ERR_EXISTS, "a pack that is not wanted (not newer) is skipped");
	CHECK_EQ_INT(s.tmp_at_want, 0, "the version is asked before anything is unpacked");
	CHECK_EQ_INT(s.checks, 0, "the tree check is never reached");
	printf("# a pack not newer than the installed one: %lld bytes written, of which "
	    "building it took the most\n", w);
}

int
main(void)
{
	struct tpack p = {.id = "demo", .version = "1.0.0", .sk = sk_good};
	char err[256], vdir[PATH_MAX], want[PATH_MAX];
	pb_err rc;

	log_init("test_packinst", 1, 1);
	if (testpack_setup("test_packinst") < 0 || fs_mkdirs(packs, 0755) != PB_OK)
		return 1;
	opts.packs_dir = packs;
	opts.trusted_keys = keys;

	rc = install(&p, NULL, vdir, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "good signed pack installs");
	if (rc != PB_OK)
		printf("#   err: %s\n", err);
	snprintf(want, sizeof(want), "%s/demo/1.0.0", packs);
	CHECK_EQ_STR(vdir, want, "the version's dir is given back");
	CHECK_EQ_STR(current_of("demo"), "1.0.0", "current -> 1.0.0");
	CHECK(exists(want, "lessons/bpd.html") && exists(want, "media/struktur.svg") &&
	    exists(want, "manifest.sig"), "the pack's files are in place");
	CHECK_EQ_INT(tmp_dirs(), 0, "no temp dir left");

	test_refusals();
	test_inspect();
	test_hooks();
	test_on_disk();
	test_dev_mode();
	test_checked_before_unpacking();

	fs_remove_tree(root);
	return TAP_DONE();
}
