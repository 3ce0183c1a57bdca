/* scaffold.h — `pamong-pack new DIR`: a small valid course to start from
 * (course.yaml, two lessons with a table and a picture, a quiz, media/),
 * which validates, builds and previews as it is. */
#ifndef SCAFFOLD_H
#define SCAFFOLD_H

#include <stddef.h>

#include "pb.h"

/* Write the starter course into dir, whose last path part becomes the
 * course id. Refuses (err says why and what to do) an id that is not
 * [a-z0-9-] of 3..48 characters and a dir that exists and is not empty;
 * never overwrites a file. */
pb_err scaffold_write(const char *dir, char *err, size_t errlen);

#endif
