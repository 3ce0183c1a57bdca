/* courses.h — course titles by course id, from a TSV file (ID<TAB>TITLE,
 * gzip or plain; `[courses] file`, made from content/<id>/course.yaml by
 * `make`). Courses the file does not name are shown by their id.
 * Read-only after load. */
#ifndef HUB_COURSES_H
#define HUB_COURSES_H

#include <stddef.h>

#include "pb.h"

struct courses;

/* Load the file; PB_ERR_IO if it cannot be read, PB_ERR_INVALID with
 * "path:line: message" in err on a malformed line. */
pb_err courses_load(const char *path, struct courses **out, char *err, size_t errlen);
void courses_free(struct courses *cs);
/* The title of id, or NULL (also when cs is NULL). */
const char *courses_title(const struct courses *cs, const char *id);
size_t courses_count(const struct courses *cs);
/* The i-th known id in id order (i < courses_count). */
const char *courses_id(const struct courses *cs, size_t i);

#endif
