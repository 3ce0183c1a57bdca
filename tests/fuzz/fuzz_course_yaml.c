/* fuzz_course_yaml — a course's sources through pamong-pack's real
 * course_load(): course.yaml and quiz.yaml with libyaml (ydoc.c, course.c)
 * and the lessons they name, rendered (render.c, relpath.c).
 *
 * The input is course.yaml, a NUL, quiz.yaml, a NUL, then two lessons
 * separated by a NUL, written as lessons/01-pengantar.md and
 * lessons/02-media.md of a course folder named kursus-contoh (like
 * tests/data/pack/kursus-contoh, whose media files are there too). An
 * absent piece is an absent file. A course that loads without problems
 * must hold what course.h promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "course.h"
#include "fuzz.h"
#include "log.h"
#include "relpath.h"
#include "util.h"

static char dir[PATH_MAX];

static const char *const media[] = {
	"media/balai desa.png", "media/contoh.mp4", "media/permendagri.pdf",
	"media/ringkasan.mp3", "media/struktur.svg", "media/unused.txt",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[PATH_MAX];
	size_t i;

	(void)argc;
	(void)argv;
	log_init("fuzz", 1, 0);
	diag_english = 1;
	if (util_init() != PB_OK)
		abort();
	fuzz_scratch("course");
	fuzz_path(dir, "kursus-contoh");
	fuzz_path(path, "kursus-contoh/lessons");
	if (fs_mkdirs(path, 0755) != PB_OK)
		abort();
	fuzz_path(path, "kursus-contoh/media");
	if (fs_mkdirs(path, 0755) != PB_OK)
		abort();
	for (i = 0; i < PB_ARRAY_LEN(media); i++) {
		fuzz_path(path, "kursus-contoh");
		strcat(path, "/");
		strcat(path, media[i]);
		fuzz_write(path, "media\n", 6);
	}
	return 0;
}

/* What a course without problems promises (course.h). */
static void
check(const struct course *c)
{
	size_t i, j;

	if (c->id == NULL || c->title == NULL || c->version == NULL ||
	    !course_id_ok(c->id, 3, 48) || !course_version_ok(c->version) ||
	    c->nlessons < 1 || c->nquestions < 1 || c->quiz == NULL ||
	    c->passing_score < 1 || c->passing_score > 100)
		abort();
	for (i = 0; i < c->nlessons; i++) {
		const struct course_lesson *l = &c->lessons[i];

		if (l->id == NULL || l->file == NULL || l->html == NULL ||
		    !relpath_is_safe(l->file))
			abort();
		for (j = 0; j < l->nmedia; j++)
			if (!relpath_is_safe(l->media[j]))
				abort();
	}
	for (i = 0; i < c->nquestions; i++) {
		const struct course_question *q = &c->questions[i];
		size_t ncorrect = 0;

		if (q->id == NULL || q->text == NULL || q->nchoices < 2)
			abort();
		for (j = 0; j < q->nchoices; j++)
			ncorrect += q->choices[j].correct != 0;
		if (ncorrect == 0 || (!q->multiple && ncorrect != 1))
			abort();
	}
	for (i = 1; i < c->nmedia; i++)
		if (strcmp(c->media[i - 1], c->media[i]) >= 0)
			abort(); /* sorted, no repeats */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part p[4];
	struct diags d = {0};
	struct course c;
	pb_err rc;

	fuzz_split(data, size, p, 4);
	fuzz_put_part("kursus-contoh/course.yaml", &p[0]);
	fuzz_put_part("kursus-contoh/quiz.yaml", &p[1]);
	fuzz_put_part("kursus-contoh/lessons/01-pengantar.md", &p[2]);
	fuzz_put_part("kursus-contoh/lessons/02-media.md", &p[3]);
	rc = course_load(dir, &c, &d);
	if (rc == PB_OK) {
		if (diag_errors(&d) != 0)
			abort();
		check(&c);
	} else if (rc == PB_ERR_INVALID && diag_errors(&d) == 0) {
		abort(); /* refused without saying why */
	}
	course_free(&c);
	diag_free(&d);
	return 0;
}
