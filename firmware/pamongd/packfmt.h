/* packfmt.h — the rules of the content-pack format that both the installer
 * (packinst.h) and the catalog (catalog.h) apply to a pack's contents.
 *
 * Ids are lower-case ASCII letters, digits and '-'; versions are
 * MAJOR.MINOR.PATCH, compared numerically; paths inside a pack are relative,
 * without empty, "." or ".." components, backslashes or control characters,
 * at most PACKFMT_MAX_RELPATH bytes and PACKFMT_MAX_DEPTH components.
 * A pack's JSON files are objects without duplicate keys, at most
 * PACKFMT_MAX_JSON bytes. Knows nothing of where packs are installed or of
 * who reads them; nothing here writes a file or keeps state. */
#ifndef PACKFMT_H
#define PACKFMT_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

#include "pb.h"

#define PACKFMT_MAX_JSON    (8 * 1024 * 1024) /* manifest/course/quiz JSON */
#define PACKFMT_MAX_RELPATH 255               /* pack-relative path length */
#define PACKFMT_MAX_DEPTH   16                /* components of a pack-relative path:
                                               * the installer walks the unpacked
                                               * tree with nftw() on a CivetWeb
                                               * worker's 100 KiB stack, ~420 bytes
                                               * a level (255 bytes of "a/a/…" were
                                               * 127 levels, 36 KiB) */

/* Format a reason into err (if err is not NULL and errlen > 0); returns rc. */
__attribute__((format(printf, 4, 5))) pb_err
packfmt_fail(char *err, size_t errlen, pb_err rc, const char *fmt, ...);

/* out = a/b; -1 if it does not fit in PATH_MAX. */
int packfmt_join(char out[PATH_MAX], const char *a, const char *b);

/* Non-zero if s is an id of 1..max characters. */
int packfmt_valid_id(const char *s, size_t max);
/* Parse MAJOR.MINOR.PATCH (decimal, at most 9 digits each); -1 if s is not one. */
int packfmt_parse_version(const char *s, long v[3]);
/* <0, 0, >0 like strcmp; both must parse. */
int packfmt_vercmp(const char *a, const char *b);
/* Non-zero if p is a safe relative path (see above) of at most
 * PACKFMT_MAX_DEPTH components. */
int packfmt_safe_path(const char *p);
/* Whether root/rel is a regular file (not a link). */
int packfmt_is_file(const char *root, const char *rel);

/* Read root/name as a JSON object into *out (the caller json_decref()s it).
 * On failure *out is NULL and err says why, prefixed with name. */
pb_err packfmt_load_json(const char *root, const char *name, json_t **out, char *err,
    size_t errlen);
/* The same for len bytes of JSON text already in memory (named name in
 * err). */
pb_err packfmt_parse_json(const char *text, size_t len, const char *name, json_t **out,
    char *err, size_t errlen);
/* A string member; NULL when absent or not a string. */
const char *packfmt_jstr(const json_t *o, const char *key);
/* Check the "id" and "version" members of o, read from the file name, and
 * copy them into id and version (each must fit with its NUL). On failure
 * PB_ERR_INVALID with "<name>: bad or missing id" (or version) in err. */
pb_err packfmt_id_version(const json_t *o, const char *name, char *id, size_t idlen,
    char *version, size_t verlen, char *err, size_t errlen);

#endif
