/* build.h — a checked course turned into the files of its pack
 * (content/FORMAT.md "Content packs"): course.json, quiz.json,
 * lessons/<id>.html, media/..., and manifest.json over all of them. */
#ifndef BUILD_H
#define BUILD_H

#include <stddef.h>

#include "course.h"
#include "packfile.h"

#define BUILD_FORMAT 1  /* manifest.json "format" */

/* Fill p with every file of the pack for course c read from dir (where the
 * media files are), manifest.json included. dev marks a development pack. */
pb_err build_pack(const struct course *c, const char *dir, int dev, struct pack *p,
    char *err, size_t errlen);

/* The text of manifest.json for the files now in p (all but manifest.json
 * and manifest.sig), sorted by path. *out is malloc'd. */
pb_err build_manifest(const struct pack *p, const char *id, const char *version,
    const char *title, int dev, char **out, size_t *outlen);

/* How many files of p the manifest lists: all but manifest.json and
 * manifest.sig (the count build and verify print). */
size_t build_manifest_count(const struct pack *p);

/* course.json, quiz.json and (a course with a pre-test) pretest.json
 * texts; malloc'd. */
pb_err build_course_json(const struct course *c, char **out, size_t *outlen);
pb_err build_quiz_json(const struct course *c, char **out, size_t *outlen);
pb_err build_pretest_json(const struct course *c, char **out, size_t *outlen);

#endif
