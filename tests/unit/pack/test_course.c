/* test_course.c — reading and checking course sources: a good course's
 * fields, and the diagnostics (file, line, message) for bad ones. The
 * fixtures live in tests/data/pack/ (tests run from the repository root). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "course.h"
#include "tap.h"

#define GOOD "tests/data/pack/kursus-contoh"
#define BAD "tests/data/pack/bad/"

static void
test_good_course(void)
{
	struct diags d = {0};
	struct course c;
	pb_err rc = course_load(GOOD, &c, &d);

	CHECK_EQ_INT(rc, PB_OK, "the good fixture course loads");
	CHECK_EQ_INT(diag_errors(&d), 0, "...with no error");
	CHECK(d.n == 1 && d.v[0].warning && d.v[0].line == 0 &&
	    strcmp(d.v[0].file, GOOD "/media/unused.txt") == 0 &&
	    strcmp(d.v[0].msg, "berkas media ini tidak dipakai materi mana pun, jadi tidak masuk paket") == 0,
	    "...and one warning: the media file no lesson uses");
	if (d.n != 1)
		diag_print(&d, stdout);
	CHECK_EQ_STR(c.id, "kursus-contoh", "id is read");
	CHECK_EQ_STR(c.title, "Kursus Contoh <script>alert(1)</script>", "title is read as written");
	CHECK_EQ_STR(c.version, "1.0.0", "version is read");
	CHECK_EQ_INT(c.passing_score, 70, "passing_score is read");
	CHECK_EQ_INT(c.feedback_end, 1, "feedback: end is read");
	CHECK_EQ_INT(c.minutes, 0, "minutes not given is 0");
	CHECK(c.summary != NULL && strchr(c.summary, '\n') == NULL, "a folded summary is one line");
	CHECK_EQ_INT(c.nlessons, 2, "both lessons are read");
	if (c.nlessons == 2) {
		CHECK_EQ_STR(c.lessons[0].id, "pengantar", "lessons keep their order");
		CHECK_EQ_INT(c.lessons[0].minutes, 5, "a lesson's minutes are read");
		CHECK(c.lessons[0].html != NULL && strstr(c.lessons[0].html, "<table>") != NULL,
		    "lessons are rendered while loading");
		CHECK_EQ_INT(c.lessons[1].nmedia, 4, "a lesson lists each media file once");
	}
	CHECK_EQ_INT(c.nmedia, 5, "the course lists every media file once");
	if (c.nmedia == 5) {
		CHECK_EQ_STR(c.media[0], "media/balai desa.png", "course media are sorted");
		CHECK_EQ_STR(c.media[4], "media/struktur.svg", "...to the last");
	}
	CHECK_EQ_INT(c.nquestions, 2, "both questions are read");
	if (c.nquestions == 2 && c.questions[1].nchoices == 3) {
		CHECK_EQ_INT(c.questions[1].multiple, 1, "type: multiple is read");
		CHECK_EQ_INT(c.questions[1].choices[1].correct, 1, "correct: true is read");
		CHECK_EQ_INT(c.questions[1].choices[2].correct, 0, "correct: false is read");
		CHECK_EQ_INT(c.questions[0].choices[2].correct, 0, "correct defaults to false");
	}
	course_free(&c);
	diag_free(&d);

	/* a trailing slash on the folder changes neither the id check nor the names */
	rc = course_load(GOOD "/", &c, &d);
	CHECK(rc == PB_OK && diag_errors(&d) == 0, "a folder given with a trailing slash loads too");
	course_free(&c);
	diag_free(&d);
}

/* One expected problem of a bad fixture. */
struct want {
	const char *file;  /* relative to the fixture */
	int line;
	const char *msg;
};

static void
check_bad(const char *name, const struct want *w, size_t nw)
{
	char dir[256], file[512];
	struct diags d = {0};
	struct course c;
	size_t i;
	pb_err rc;

	snprintf(dir, sizeof(dir), BAD "%s", name);
	rc = course_load(dir, &c, &d);
	CHECK_EQ_INT(rc, PB_ERR_INVALID, name);
	CHECK_EQ_INT(d.n, nw, "  ...reports every problem");
	for (i = 0; i < nw && i < d.n; i++) {
		snprintf(file, sizeof(file), "%s/%s", dir, w[i].file);
		CHECK_EQ_STR(d.v[i].file, file, "  ...in the file");
		CHECK_EQ_INT(d.v[i].line, w[i].line, "  ...on the line");
		CHECK_EQ_STR(d.v[i].msg, w[i].msg, "  ...with the message");
	}
	course_free(&c);
	diag_free(&d);
}

static void
test_bad_courses(void)
{
	static const struct want unknown[] = {
		{"course.yaml", 2, "unknown key: titel"},
		{"course.yaml", 12, "unknown key: menit"},
		{"quiz.yaml", 8, "unknown key: benar"},
	};
	static const struct want missing[] = {
		{"course.yaml", 1, "missing required key: title"},
		{"course.yaml", 1, "missing required key: passing_score"},
		{"course.yaml", 6, "missing required key: file"},
		{"quiz.yaml", 2, "missing required key: explanation"},
		{"quiz.yaml", 8, "missing required key: text"},
	};
	static const struct want dup[] = {
		{"course.yaml", 3, "duplicate key: title (first on line 2)"},
		{"course.yaml", 12, "duplicate lesson id: satu (first on line 9)"},
		{"quiz.yaml", 8, "same choice text as line 6"},
		{"quiz.yaml", 10, "duplicate question id: q1 (first on line 2)"},
	};
	static const struct want correct[] = {
		{"quiz.yaml", 2, "question has no correct choice (mark it with correct: true)"},
		{"quiz.yaml", 10, "a single question must have exactly one correct choice (has 2)"},
		{"quiz.yaml", 19, "question has no correct choice (mark it with correct: true)"},
	};
	static const struct want mismatch[] = {
		{"course.yaml", 1, "id 'kursus-lain' does not match the folder name 'id-mismatch'"},
	};
	static const struct want utf8[] = {
		{"lessons/01.md", 4, "not valid UTF-8 text (or a control character)"},
		{"quiz.yaml", 4, "not valid UTF-8 text (or a control character)"},
	};
	static const struct want yaml[] = {
		{"quiz.yaml", 4, "bad YAML: this line is indented differently from the key above it; "
		    "use the same number of spaces at the start of the line (mapping values are not "
		    "allowed in this context)"},
	};
	static const struct want colon[] = {
		{"course.yaml", 3, "bad YAML: a colon and space inside an unquoted value; put the value in "
		    "quotes, write summary: \"Pasal 27: setiap warga negara bersamaan kedudukannya.\" "
		    "(mapping values are not allowed in this context)"},
	};

	diag_english = 1;
	check_bad("unknown-key", unknown, PB_ARRAY_LEN(unknown));
	check_bad("missing-keys", missing, PB_ARRAY_LEN(missing));
	check_bad("duplicate-ids", dup, PB_ARRAY_LEN(dup));
	check_bad("correct-answers", correct, PB_ARRAY_LEN(correct));
	check_bad("id-mismatch", mismatch, PB_ARRAY_LEN(mismatch));
	check_bad("non-utf8", utf8, PB_ARRAY_LEN(utf8));
	check_bad("bad-yaml-quiz", yaml, PB_ARRAY_LEN(yaml));
	check_bad("yaml-colon", colon, PB_ARRAY_LEN(colon));
	diag_english = 0;
}

static void
test_helpers(void)
{
	CHECK(course_id_ok("desa-administrasi", 3, 48), "a kebab-case id is valid");
	CHECK(!course_id_ok("ab", 3, 48), "a 2-character course id is too short");
	CHECK(!course_id_ok("Desa", 1, 48), "upper case is not allowed in ids");
	CHECK(!course_id_ok("desa_adm", 1, 48), "'_' is not allowed in ids");
	CHECK(course_version_ok("1.2.0"), "1.2.0 is a version");
	CHECK(course_version_ok("10.0.12"), "10.0.12 is a version");
	CHECK(!course_version_ok("1.2"), "1.2 is not a version");
	CHECK(!course_version_ok("1.02.0"), "leading zeros are not allowed");
	CHECK(!course_version_ok("1.2.0-beta"), "suffixes are not allowed");
	CHECK_EQ_INT(course_bad_utf8_line("a\nb\n", 4), 0, "valid UTF-8 has no bad line");
	CHECK_EQ_INT(course_bad_utf8_line("a\nb\n\xc3\x28\n", 6), 3, "the first bad line is found");
	CHECK_EQ_INT(course_bad_utf8_line("a\n\x01", 3), 2, "a control character counts as bad text");
	CHECK_EQ_INT(course_bad_utf8_line("a\r\n\tb", 5), 0, "CR and tab are fine");
}

/* course.yaml with a title nested 1,000 flow levels deep (`[[[[…`):
 * refused before libyaml loads it (its scanner's work per token grows with
 * the depth: 8,000 levels took 1.6 s, a few MB would take hours), at the
 * line, in one message. The folder is made in /tmp. */
static void
test_deep_yaml(void)
{
	char dir[64] = "/tmp/test_course.XXXXXX", course[96], file[128];
	struct diags d = {0};
	struct course c;
	FILE *f;
	int i;

	if (!CHECK(mkdtemp(dir) != NULL, "a scratch dir"))
		return;
	snprintf(course, sizeof(course), "%s/dalam", dir);
	mkdir(course, 0755);
	snprintf(file, sizeof(file), "%s/course.yaml", course);
	if ((f = fopen(file, "w")) != NULL) {
		fputs("id: dalam\ntitle:\n  ", f);
		for (i = 0; i < 1000; i++)
			fputc('[', f);
		fputc('x', f);
		for (i = 0; i < 1000; i++)
			fputc(']', f);
		fputc('\n', f);
		fclose(f);
	}
	diag_english = 1;
	CHECK_EQ_INT(course_load(course, &c, &d), PB_ERR_INVALID, "YAML nested 1,000 deep is refused");
	CHECK_EQ_INT(d.n, 1, "  ...in one message");
	if (d.n > 0) {
		CHECK_EQ_STR(d.v[0].file, file, "  ...in the file");
		CHECK_EQ_INT(d.v[0].line, 3, "  ...on the line it gets too deep");
		CHECK_EQ_STR(d.v[0].msg, "bad YAML: nested more than 64 levels deep", "  ...saying so");
	}
	diag_english = 0;
	course_free(&c);
	diag_free(&d);
	unlink(file);
	rmdir(course);
	rmdir(dir);
}

int
main(void)
{
	test_good_course();
	test_bad_courses();
	test_helpers();
	test_deep_yaml();
	return TAP_DONE();
}
