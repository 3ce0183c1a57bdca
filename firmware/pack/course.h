/* course.h — a course's sources (course.yaml, lessons, quiz.yaml, media)
 * read and checked against content/FORMAT.md. Every problem found goes to a
 * diags list as "file:line: message"; the course is usable only when the
 * list stays empty. Lessons are rendered while checking, because their media
 * references are only known after parsing the Markdown. */
#ifndef COURSE_H
#define COURSE_H

#include <stddef.h>

#include "diag.h"

#define COURSE_MAX_TEXT  (4u << 20)   /* course.yaml, quiz.yaml, a lesson */
#define COURSE_MAX_MEDIA (512u << 20) /* one media file */
#define COURSE_MINUTES_MAX 1000       /* course or lesson estimate */
#define COURSE_MEDIA_BUDGET (2u << 20) /* bytes of one media file before a warning */
#define COURSE_PATH_MAX  255          /* a path in the pack: bytes and parts, as the */
#define COURSE_PATH_PARTS 16          /* box allows (PACKFMT_MAX_RELPATH, _MAX_DEPTH) */

struct course_lesson {
	char *id;        /* [a-z0-9-], unique in the course */
	char *title;
	char *file;      /* course-relative path of the Markdown source */
	int minutes;     /* estimate; 0 when not given */
	char *html;      /* rendered fragment */
	char **media;    /* pack paths ("media/x.svg") in first-reference order */
	size_t nmedia;
};

struct course_choice {
	char *text;
	int correct;     /* 1 if this choice is right */
};

struct course_question {
	char *id;        /* [a-z0-9-], unique in the quiz */
	int multiple;    /* 0: single, 1: multiple */
	char *text;
	char *explanation;
	struct course_choice *choices;
	size_t nchoices;
};

struct course {
	char *id, *title, *summary, *language, *version;
	int passing_score;    /* percent 1..100 */
	int feedback_end;     /* 1: feedback: end */
	int minutes;          /* as given; 0 when not given */
	struct course_lesson *lessons;
	size_t nlessons;
	char *quiz;           /* course-relative path of quiz.yaml (the final quiz: the post-test) */
	struct course_question *questions;
	size_t nquestions;
	char *pretest;        /* course-relative path of the pre-test's questions, or NULL */
	int pretest_skippable; /* 1: the learner may skip the pre-test (the default) */
	struct course_question *pre_questions;
	size_t npre;
	char **media;         /* every media file used, no repeats, sorted */
	size_t nmedia;
};

/* What course_load_with may be told. */
struct course_opts {
	unsigned long long media_budget; /* warn of a media file larger than this
	                                  * (bytes); 0: COURSE_MEDIA_BUDGET */
};

/* Read and check the course in dir (a path as given by the user; it is
 * also the prefix of every file name in d). Returns PB_OK when there was
 * no error (d may hold warnings), PB_ERR_INVALID when d got errors,
 * PB_ERR_NOMEM. The course
 * must be freed in every case. */
pb_err course_load(const char *dir, struct course *c, struct diags *d);

/* course_load with options (o may be NULL). Besides errors it warns, at the
 * media file itself: of a file in media/ that no lesson uses (left out of
 * the pack), a media file over the budget, and one whose first bytes are not
 * what its extension says (png jpg webp gif svg mp3 m4a ogg opus mp4 webm
 * pdf); each warning says what to do. */
pb_err course_load_with(const char *dir, const struct course_opts *o, struct course *c,
    struct diags *d);
void course_free(struct course *c);

/* Non-zero if s is an id of [a-z0-9-] with min..max characters. */
int course_id_ok(const char *s, size_t min, size_t max);

/* Non-zero if s is MAJOR.MINOR.PATCH (digits, no leading zeros). */
int course_version_ok(const char *s);

/* Line (1-based) of the first line of buf that is not valid UTF-8 text,
 * or 0 if all is valid. */
int course_bad_utf8_line(const char *buf, size_t len);

#endif
