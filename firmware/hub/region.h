/* region.h — names of Indonesian regions by Kemendagri code (PP, PP.RR,
 * PP.RR.DD, PP.RR.DD.VVVV), from content/area/wilayah.tsv.gz (gzip TSV,
 * CODE<TAB>NAME; idn-area-data, ODbL). Read-only after load. */
#ifndef HUB_REGION_H
#define HUB_REGION_H

#include <stddef.h>

#include "pb.h"

struct region;

/* Load the file; PB_ERR_IO if it cannot be read, PB_ERR_INVALID with
 * "path:line: message" in err on a malformed line. */
pb_err region_load(const char *path, struct region **out, char *err, size_t errlen);
void region_free(struct region *r);
/* The name of a code, or NULL (also when r is NULL). */
const char *region_name(const struct region *r, const char *code);
size_t region_count(const struct region *r);
/* Non-zero if code has the shape of a region code at some level. */
int region_code_valid(const char *code);
/* Length of the codes one level below one of length len (0 = provinces);
 * 0 below villages. */
size_t region_child_len(size_t len);
/* Call fn for every code of length len (2, 5, 8 or 13) that starts with
 * prefix ("" = all), in code order; returns how many. */
size_t region_each(const struct region *r, const char *prefix, size_t len,
    void (*fn)(const char *code, const char *name, void *arg), void *arg);
/* The time zone of the province of code: "WIB" (UTC+7), "WITA" (UTC+8) or
 * "WIT" (UTC+9), with its offset in seconds; the whole country ("") and
 * unknown provinces are WIB, as national offices keep Jakarta time. */
const char *region_zone(const char *code, int *offset_s);

#endif
