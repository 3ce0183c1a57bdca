/* jsonin.h — JSON that comes from outside (phones, boxes, the hub, packs).
 *
 * jansson parses recursively and allows 2,048 levels of nesting; a CivetWeb
 * worker has a stack of about 100 KiB, so a 2 KB body of `[[[[…` would
 * overflow it and kill the whole process. Every parse of outside input goes
 * through jsonin_parse, which counts the nesting with a cheap linear scan
 * first and refuses anything deeper than JSONIN_MAX_DEPTH without parsing. */
#ifndef JSONIN_H
#define JSONIN_H

#include <jansson.h>
#include <stddef.h>

#define JSONIN_MAX_DEPTH 32 /* arrays/objects inside each other */

/* Deepest nesting of arrays and objects in buf (brackets inside strings do
 * not count). Stops counting and returns limit + 1 as soon as the nesting
 * exceeds limit. */
int jsonin_depth(const char *buf, size_t len, int limit);

/* json_loadb(buf, len, flags, err) when the nesting is at most
 * JSONIN_MAX_DEPTH; otherwise NULL with err->text saying the body nests too
 * deeply (err may be NULL). */
json_t *jsonin_parse(const char *buf, size_t len, size_t flags, json_error_t *err);

/* Non-zero if err came from the depth check rather than the parser. */
int jsonin_too_deep(const json_error_t *err);

#endif
