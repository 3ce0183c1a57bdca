/* catalog.h — the installed content packs and what the box knows of them.
 *
 * Packs are installed under <packs_dir>/<course-id>/<version>/ with a
 * <packs_dir>/<course-id>/current symlink naming the version being served;
 * packinst.h owns that layout and verifies and installs packs into it. The
 * catalog parses the current version's course.json and quiz.json into a
 * cat_course (a course that does not parse is logged and not served).
 *
 * Installing checks the pack's manifest first (Ed25519 signature over
 * manifest.json against the trusted keys; unsigned dev packs only in dev
 * mode) and the catalog accepts only a version newer than the one it serves,
 * both before anything is unpacked; then the pack is unpacked into a
 * temporary directory and every file's size and SHA-256 verified (packinst.h
 * has the details), and the course must parse; then packinst renames the tree into place
 * and swaps `current` atomically, and the catalog publishes the course. Until
 * then the old version keeps being served. A refused pack is logged with the
 * reason and changes nothing.
 *
 * Readers take a snapshot (refcounted, immutable) and release it when done;
 * an install publishes a new snapshot. Thread-safe. */
#ifndef CATALOG_H
#define CATALOG_H

#include <stddef.h>

#include "pb.h"

struct cat_choice {
	char id[4];        /* "a", "b", … in file order */
	char *text;
	int correct;
};

struct cat_question {
	char id[64];
	int multiple;      /* 0 = single choice, 1 = multiple choice */
	char *text;
	char *explanation;
	struct cat_choice *choices;
	int nchoices;
};

struct cat_lesson {
	char id[64];
	char *title;
	int minutes;
	char *file;        /* pack-relative, e.g. "lessons/kepala-desa.html" */
};

struct cat_course {
	char id[64];
	char version[32];
	char language[8];
	char *title;
	char *summary;
	int passing_score; /* percent */
	int feedback_end;  /* 1: explanations only at the end of the quiz */
	int minutes;
	struct cat_lesson *lessons;
	int nlessons;
	struct cat_question *questions;
	int nquestions;
	char *dir;         /* absolute path of the installed version's root */
};

struct cat_snapshot {
	struct cat_course **courses; /* sorted by id */
	int ncourses;
};

struct catalog_opts {
	const char *packs_dir;    /* where packs are installed */
	const char *trusted_keys; /* file of hex Ed25519 public keys, one per line; may be NULL */
	int dev_mode;             /* accept unsigned packs built with --dev */
};

struct catalog;

/* Load the installed packs (re-verifying nothing but the files' presence). */
pb_err catalog_open(const struct catalog_opts *opts, struct catalog **out);
void catalog_close(struct catalog *cat);

/* Verify and install one pack file. On refusal returns an error with the
 * reason in err and leaves the installed packs unchanged. A pack whose
 * version is not newer than the installed one is PB_ERR_EXISTS. */
pb_err catalog_install(struct catalog *cat, const char *pack_path, char *err, size_t errlen);

/* Install every *.pack file in dir that is newer than what is installed;
 * logs each refusal. Returns the number installed (or -1 if dir is unreadable). */
int catalog_install_dir(struct catalog *cat, const char *dir);

/* Snapshots for readers. */
const struct cat_snapshot *catalog_acquire(struct catalog *cat);
void catalog_release(struct catalog *cat, const struct cat_snapshot *snap);

/* Lookups inside a snapshot/course; NULL or -1 when absent. */
const struct cat_course *cat_course_find(const struct cat_snapshot *snap, const char *id);
int cat_lesson_index(const struct cat_course *c, const char *lesson_id);
const struct cat_question *cat_question_find(const struct cat_course *c, const char *qid);

#endif
