/* test_packfile.c — building a pack from the good fixture course: its
 * files and JSON, the deterministic tar.gz (same bytes twice, tar header
 * fields, gzip header), reading it back, refusing unsafe entries. */
#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "fsutil.h"
#include "tap.h"
#include "util.h"

#define GOOD "tests/data/pack/kursus-contoh"

static char tmp[] = "/tmp/pb-test-pack-XXXXXX";

/* Build the good course into path; 0 on success. */
static int
build_to(const char *path, int dev)
{
	struct diags d = {0};
	struct pack p = {0};
	struct course c;
	char err[256];
	int rc = -1;

	if (course_load(GOOD, &c, &d) == PB_OK && build_pack(&c, GOOD, dev, &p, err, sizeof(err)) == PB_OK &&
	    pack_write(&p, path, err, sizeof(err)) == PB_OK)
		rc = 0;
	pack_free(&p);
	course_free(&c);
	diag_free(&d);
	return rc;
}

static json_t *
entry_json(const struct pack *p, const char *path)
{
	const struct pack_entry *e = pack_find(p, path);

	return e != NULL ? json_loadb((const char *)e->data, e->len, 0, NULL) : NULL;
}

static void
test_contents(const char *path)
{
	static const char *names[] = {
		"course.json", "lessons/media-lengkap.html", "lessons/pengantar.html", "manifest.json",
		"media/balai desa.png", "media/contoh.mp4", "media/permendagri.pdf",
		"media/ringkasan.mp3", "media/struktur.svg", "quiz.json",
	};
	struct pack p;
	char err[256];
	json_t *m = NULL, *c = NULL, *q = NULL, *f;
	size_t i;

	CHECK_EQ_INT(pack_read(path, &p, err, sizeof(err)), PB_OK, "the written pack reads back");
	CHECK_EQ_INT(p.n, PB_ARRAY_LEN(names), "it holds exactly the expected files");
	for (i = 0; i < p.n && i < PB_ARRAY_LEN(names); i++)
		CHECK_EQ_STR(p.v[i].path, names[i], "entries are sorted by path");
	CHECK(pack_find(&p, "media/unused.txt") == NULL, "media no lesson uses stay out of the pack");
	m = entry_json(&p, "manifest.json");
	c = entry_json(&p, "course.json");
	q = entry_json(&p, "quiz.json");
	CHECK(m != NULL && c != NULL && q != NULL, "manifest, course and quiz are JSON");
	if (m != NULL) {
		CHECK_EQ_INT(json_integer_value(json_object_get(m, "format")), 1, "manifest format is 1");
		CHECK_EQ_STR(json_string_value(json_object_get(m, "id")), "kursus-contoh", "manifest id");
		CHECK(json_is_false(json_object_get(m, "dev")), "a normal build is not dev");
		CHECK_EQ_INT(json_array_size(json_object_get(m, "files")), 9,
		    "the manifest lists every file but itself");
		f = json_array_get(json_object_get(m, "files"), 0);
		CHECK_EQ_STR(json_string_value(json_object_get(f, "path")), "course.json", "files are sorted");
		if (pack_find(&p, "course.json") != NULL) {
			char hex[65];

			util_sha256_hex(hex, pack_find(&p, "course.json")->data, pack_find(&p, "course.json")->len);
			CHECK_EQ_STR(json_string_value(json_object_get(f, "sha256")), hex,
			    "the manifest carries each file's SHA-256");
			CHECK_EQ_INT(json_integer_value(json_object_get(f, "size")),
			    pack_find(&p, "course.json")->len, "...and size");
		}
	}
	if (c != NULL) {
		json_t *l0 = json_array_get(json_object_get(c, "lessons"), 0);

		CHECK_EQ_STR(json_string_value(json_object_get(c, "feedback")), "end", "course.json feedback");
		CHECK_EQ_INT(json_integer_value(json_object_get(c, "minutes")), 5,
		    "course minutes default to the lessons' sum");
		CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(c, "quiz"), "questions")), 2,
		    "course.json counts the questions");
		CHECK(pack_find(&p, "course.json") != NULL &&
		    memmem(pack_find(&p, "course.json")->data, pack_find(&p, "course.json")->len,
		    "correct", 7) == NULL, "course.json carries no answers");
		CHECK_EQ_STR(json_string_value(json_object_get(l0, "file")), "lessons/pengantar.html",
		    "a lesson's file is lessons/<id>.html");
		CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(l0, "media"), 0)),
		    "media/struktur.svg", "a lesson lists its media");
	}
	if (q != NULL) {
		json_t *ch = json_array_get(json_object_get(json_array_get(json_object_get(q, "questions"), 0),
		    "choices"), 1);

		CHECK_EQ_STR(json_string_value(json_object_get(ch, "id")), "b", "choices are named a, b, c");
		CHECK(json_is_false(json_object_get(ch, "correct")), "a choice's correct flag is explicit");
	}
	json_decref(m);
	json_decref(c);
	json_decref(q);
	pack_free(&p);
}

static void
test_tar_fields(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int ok = 1, n = 0;

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 10240) != ARCHIVE_OK)
		ok = 0;
	while (ok && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		n++;
		if (archive_entry_mtime(e) != 0 || archive_entry_uid(e) != 0 || archive_entry_gid(e) != 0 ||
		    archive_entry_perm(e) != 0644 || archive_entry_filetype(e) != AE_IFREG) {
			printf("# %s: mtime %lld uid %lld gid %lld mode %o\n", archive_entry_pathname(e),
			    (long long)archive_entry_mtime(e), (long long)archive_entry_uid(e),
			    (long long)archive_entry_gid(e), archive_entry_perm(e));
			ok = 0;
		}
	}
	archive_read_free(a);
	CHECK(ok && n == 10, "every entry is a regular file with mtime 0, uid/gid 0, mode 0644");
}

static void
test_gzip_header(const char *path)
{
	unsigned char h[10] = {0};
	FILE *f = fopen(path, "rb");
	size_t got = f != NULL ? fread(h, 1, sizeof(h), f) : 0;

	if (f != NULL)
		fclose(f);
	CHECK(got == 10 && h[0] == 0x1f && h[1] == 0x8b, "the pack is gzip");
	CHECK(h[3] == 0, "the gzip header has no file name (flags 0)");
	CHECK(h[4] == 0 && h[5] == 0 && h[6] == 0 && h[7] == 0, "the gzip header has no timestamp");
}

static void
test_deterministic(const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	size_t xl = 0, yl = 0;

	CHECK(fs_read_file(a, 1 << 24, &x, &xl) == PB_OK && fs_read_file(b, 1 << 24, &y, &yl) == PB_OK &&
	    xl == yl && memcmp(x, y, xl) == 0, "building the same sources twice gives the same bytes");
	free(x);
	free(y);
}

static void
test_unsafe_entries(void)
{
	static const char *bad[] = {"../evil", "/abs", "a//b", "./x"};
	char path[512], err[256];
	struct archive *a;
	struct archive_entry *e;
	struct pack p;
	size_t i;

	for (i = 0; i < PB_ARRAY_LEN(bad); i++) {
		snprintf(path, sizeof(path), "%s/bad%zu.pack", tmp, i);
		a = archive_write_new();
		e = archive_entry_new();
		archive_write_set_format_pax_restricted(a);
		archive_write_add_filter_gzip(a);
		archive_write_open_filename(a, path);
		archive_entry_set_pathname(e, bad[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, 1);
		archive_write_header(a, e);
		archive_write_data(a, "x", 1);
		archive_entry_free(e);
		archive_write_close(a);
		archive_write_free(a);
		CHECK_EQ_INT(pack_read(path, &p, err, sizeof(err)), PB_ERR_INVALID, bad[i]);
		CHECK(strstr(err, "unsafe path") != NULL, "  ...refused as an unsafe path");
	}
}

int
main(void)
{
	char a[512], b[512], d[512];

	diag_english = 1;
	if (util_init() != PB_OK || mkdtemp(tmp) == NULL)
		return 1;
	snprintf(a, sizeof(a), "%s/a.pack", tmp);
	snprintf(b, sizeof(b), "%s/b.pack", tmp);
	snprintf(d, sizeof(d), "%s/d.pack", tmp);
	CHECK(build_to(a, 0) == 0, "the good course builds");
	CHECK(build_to(b, 0) == 0, "...and builds again");
	CHECK(access(d, F_OK) != 0 && build_to(d, 1) == 0, "...and builds as a dev pack");
	test_deterministic(a, b);
	test_contents(a);
	test_tar_fields(a);
	test_gzip_header(a);
	test_unsafe_entries();
	{
		struct pack p;
		char err[256];
		json_t *m;

		if (pack_read(d, &p, err, sizeof(err)) == PB_OK) {
			m = entry_json(&p, "manifest.json");
			CHECK(json_is_true(json_object_get(m, "dev")), "--dev marks the manifest dev: true");
			json_decref(m);
			pack_free(&p);
		}
	}
	fs_remove_tree(tmp);
	return TAP_DONE();
}
