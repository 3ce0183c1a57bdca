/* area.h — the villages this box serves and the positions (jabatan) a
 * learner can register with.
 *
 * The official list of Indonesian regions (Kemendagri codes, from the
 * idn-area-data package, ODbL) ships as content/area/wilayah.tsv.gz; the box
 * loads only the provinces/regencies/districts named in its config. */
#ifndef AREA_H
#define AREA_H

#include <stddef.h>

#include "pb.h"

struct area_village {
	char code[16];     /* PP.RR.DD.VVVV */
	const char *name;
	const char *district;
	const char *regency;
	const char *province;
};

struct area_unit {
	char code[16];     /* one configured area: PP, PP.RR or PP.RR.DD */
	const char *name;
};

struct area_position {
	const char *id;       /* stable id, e.g. "kepala-desa" */
	const char *label_id; /* Bahasa Indonesia label */
	const char *label_en; /* English label */
};

struct area;

/* Load from the region file the villages inside the comma-separated codes
 * (e.g. "33.02,33.03.05"). PB_ERR_INVALID with a message in err if a code is
 * malformed or unknown. */
pb_err area_load(const char *path, const char *codes, struct area **out, char *err,
    size_t errlen);
void area_free(struct area *a);

size_t area_nvillages(const struct area *a);
const struct area_village *area_village_at(const struct area *a, size_t i); /* sorted by name */
const struct area_village *area_village_find(const struct area *a, const char *code);
size_t area_nunits(const struct area *a);
const struct area_unit *area_unit_at(const struct area *a, size_t i);

/* The fixed list of positions. */
size_t area_npositions(void);
const struct area_position *area_position_at(size_t i);
const struct area_position *area_position_find(const char *id);

#endif
