/* test_area.c — area: loading the region list, filtering by the configured
 * codes, ordering, lookup, rejected codes, and the positions table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "area.h"
#include "tap.h"

static char tmpdir[64];
static char fixture[128];

/* A small region file in the same shape as content/area/wilayah.tsv.gz. */
static const char fixture_text[] =
    "33\tJawa Tengah\n"
    "33.01\tKabupaten Cilacap\n"
    "33.01.01\tDayeuhluhur\n"
    "33.01.01.2001\tHanum\n"
    "33.01.01.2002\tMatenggeng\n"
    "33.02\tKabupaten Banyumas\n"
    "33.02.01\tLumbir\n"
    "33.02.01.2001\tCirahab\n"
    "33.02.01.2002\tCanduk\n"
    "33.02.01.2005\tKaranggayam\n"
    "33.02.01.2007\tLumbir\n"
    "33.02.02\tWangon\n"
    "33.02.02.2001\tjambu\n"
    "33.02.02.2003\tCikakak\n"
    "33.02.02.2005\tKaranggayam\n"
    "33.02.03\tKosong\n"
    "34\tDaerah Istimewa Yogyakarta\n"
    "34.01\tKabupaten Kulon Progo\n"
    "34.01.01\tTemon\n"
    "34.01.01.2001\tJangkaran\n"
    "34.01.01.2002\tSindutan\n";

static int
write_gz(const char *path, const char *text, size_t len)
{
	gzFile gz = gzopen(path, "wb9");

	if (gz == NULL)
		return -1;
	if (gzwrite(gz, text, (unsigned)len) != (int)len) {
		gzclose(gz);
		return -1;
	}
	return gzclose(gz) == Z_OK ? 0 : -1;
}

/* The codes of all loaded villages in area_village_at order, comma-separated. */
static const char *
village_codes(const struct area *a)
{
	static char buf[1024];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < area_nvillages(a); i++) {
		if (i)
			strcat(buf, ",");
		strcat(buf, area_village_at(a, i)->code);
	}
	return buf;
}

static const char *
village_names(const struct area *a)
{
	static char buf[1024];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < area_nvillages(a); i++) {
		if (i)
			strcat(buf, ",");
		strcat(buf, area_village_at(a, i)->name);
	}
	return buf;
}

static void
test_regency(void)
{
	struct area *a = NULL;
	const struct area_village *v;
	char err[256] = "";
	pb_err rc;

	rc = area_load(fixture, "33.02", &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "a regency code loads");
	if (rc != PB_OK) {
		printf("#   err: %s\n", err);
		return;
	}
	CHECK_EQ_INT(area_nvillages(a), 7, "a regency keeps exactly its 7 villages");
	CHECK_EQ_STR(village_names(a),
	    "Canduk,Cikakak,Cirahab,jambu,Karanggayam,Karanggayam,Lumbir",
	    "villages are sorted by name, ignoring case");
	CHECK_EQ_STR(village_codes(a),
	    "33.02.01.2002,33.02.02.2003,33.02.01.2001,33.02.02.2001,33.02.01.2005,"
	    "33.02.02.2005,33.02.01.2007",
	    "villages with the same name are ordered by code");
	CHECK_EQ_INT(area_nunits(a), 1, "one configured unit");
	CHECK_EQ_STR(area_unit_at(a, 0)->code, "33.02", "the unit's code");
	CHECK_EQ_STR(area_unit_at(a, 0)->name, "Kabupaten Banyumas", "the unit's name");
	CHECK(area_unit_at(a, 1) == NULL, "area_unit_at past the end is NULL");
	CHECK(area_village_at(a, 7) == NULL, "area_village_at past the end is NULL");

	v = area_village_find(a, "33.02.02.2005");
	CHECK(v != NULL, "area_village_find finds a village by code");
	if (v != NULL) {
		CHECK_EQ_STR(v->code, "33.02.02.2005", "found village's code");
		CHECK_EQ_STR(v->name, "Karanggayam", "found village's name");
		CHECK_EQ_STR(v->district, "Wangon", "found village's district");
		CHECK_EQ_STR(v->regency, "Kabupaten Banyumas", "found village's regency");
		CHECK_EQ_STR(v->province, "Jawa Tengah", "found village's province");
	}
	v = area_village_find(a, "33.02.01.2001");
	CHECK(v != NULL && strcmp(v->name, "Cirahab") == 0 &&
	    strcmp(v->district, "Lumbir") == 0, "another village resolves with its district");
	CHECK(area_village_find(a, "33.01.01.2001") == NULL,
	    "a village outside the configured area is not found");
	CHECK(area_village_find(a, "33.02.01.2099") == NULL, "an unknown village is not found");
	CHECK(area_village_find(a, "33.02.01") == NULL, "a district code is not a village");
	CHECK(area_village_find(a, "") == NULL, "an empty code is not found");
	CHECK(area_village_find(a, NULL) == NULL, "a NULL code is not found");
	area_free(a);
}

static void
test_district_and_lists(void)
{
	struct area *a = NULL;
	char err[256] = "";
	pb_err rc;

	rc = area_load(fixture, "33.02.02", &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "a district code loads");
	if (rc == PB_OK) {
		CHECK_EQ_STR(village_codes(a), "33.02.02.2003,33.02.02.2001,33.02.02.2005",
		    "a district keeps only its own villages, sorted by name");
		CHECK_EQ_STR(area_unit_at(a, 0)->name, "Wangon", "the district unit's name");
		CHECK_EQ_STR(area_village_find(a, "33.02.02.2001")->regency, "Kabupaten Banyumas",
		    "a district's villages still know their regency");
		CHECK(area_village_find(a, "33.02.01.2001") == NULL,
		    "a village of a sibling district is not loaded");
	}
	area_free(a);

	a = NULL;
	rc = area_load(fixture, " 34 , 33.01.01,33.01.01", &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "a list with a province, a district, spaces and a repeat loads");
	if (rc == PB_OK) {
		CHECK_EQ_STR(village_codes(a),
		    "33.01.01.2001,34.01.01.2001,33.01.01.2002,34.01.01.2002",
		    "villages of all listed areas, merged and sorted by name");
		CHECK_EQ_INT(area_nunits(a), 2, "a repeated code is one unit");
		CHECK_EQ_STR(area_unit_at(a, 0)->name, "Daerah Istimewa Yogyakarta",
		    "units keep the config order (first)");
		CHECK_EQ_STR(area_unit_at(a, 1)->name, "Dayeuhluhur",
		    "units keep the config order (second)");
		CHECK_EQ_STR(area_village_find(a, "34.01.01.2002")->province,
		    "Daerah Istimewa Yogyakarta", "a province's village knows its province");
	}
	area_free(a);

	a = NULL;
	rc = area_load(fixture, "33.02,33.02.01", &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "overlapping codes load");
	if (rc == PB_OK)
		CHECK_EQ_INT(area_nvillages(a), 7, "overlapping codes do not repeat villages");
	area_free(a);

	a = NULL;
	rc = area_load(fixture, "33.02.03", &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "a district without villages loads");
	if (rc == PB_OK) {
		CHECK_EQ_INT(area_nvillages(a), 0, "a district without villages has none");
		CHECK(area_village_find(a, "33.02.01.2001") == NULL, "find on an empty area");
	}
	area_free(a);
}

static void
test_rejected_codes(void)
{
	static const struct {
		const char *codes;
		const char *in_err; /* the message must contain this */
	} cases[] = {
		{ "33.2", "\"33.2\" is malformed" },
		{ "3302", "\"3302\" is malformed" },
		{ "33.02.01.2001", "\"33.02.01.2001\" is malformed" },
		{ "33.02.", "\"33.02.\" is malformed" },
		{ "3a.02", "\"3a.02\" is malformed" },
		{ "Banyumas", "\"Banyumas\" is malformed" },
		{ "", "empty code" },
		{ "33.02,,34", "empty code" },
		{ "33.02,", "empty code" },
		{ "33.99", "\"33.99\" is not in the list" },
		{ "33.02,35", "\"35\" is not in the list" },
		{ "33.02.09", "\"33.02.09\" is not in the list" },
	};
	struct area *a;
	char err[256], what[128];
	size_t i;
	pb_err rc;

	for (i = 0; i < PB_ARRAY_LEN(cases); i++) {
		a = (struct area *)&i; /* must be reset to NULL on failure */
		err[0] = '\0';
		rc = area_load(fixture, cases[i].codes, &a, err, sizeof(err));
		snprintf(what, sizeof(what), "codes \"%s\" are rejected as invalid",
		    cases[i].codes);
		CHECK_EQ_INT(rc, PB_ERR_INVALID, what);
		snprintf(what, sizeof(what), "codes \"%s\": message says %s", cases[i].codes,
		    cases[i].in_err);
		if (!CHECK(strstr(err, cases[i].in_err) != NULL, "%s", what))
			printf("#   got \"%s\"\n", err);
		CHECK(a == NULL, "codes \"%s\": no area is returned", cases[i].codes);
		if (rc == PB_OK)
			area_free(a);
	}
	a = NULL;
	rc = area_load(fixture, NULL, &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_ERR_INVALID, "NULL codes are rejected");
}

static void
test_bad_files(void)
{
	static const char bad_line[] = "33\tJawa Tengah\n33.02 Kabupaten Banyumas\n";
	static const char bad_code[] = "33\tJawa Tengah\n33.2\tKabupaten Banyumas\n";
	static const char orphan[] = "33\tJawa Tengah\n33.02\tKabupaten Banyumas\n"
	    "33.02.01.2001\tCirahab\n";
	struct area *a = NULL;
	char path[160], err[256];
	gzFile gz;
	pb_err rc;

	rc = area_load("/nonexistent/wilayah.tsv.gz", "33.02", &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_ERR_IO, "a missing file is an I/O error");
	CHECK(strstr(err, "/nonexistent/wilayah.tsv.gz") != NULL, "the message names the file");

	snprintf(path, sizeof(path), "%s/bad.tsv.gz", tmpdir);
	CHECK(write_gz(path, bad_line, sizeof(bad_line) - 1) == 0, "write bad-line fixture");
	rc = area_load(path, "33.02", &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_ERR_INVALID, "a line without a tab is rejected");
	if (!CHECK(strstr(err, ":2:") != NULL, "the message gives the line number"))
		printf("#   got \"%s\"\n", err);

	CHECK(write_gz(path, bad_code, sizeof(bad_code) - 1) == 0, "write bad-code fixture");
	rc = area_load(path, "33", &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_ERR_INVALID, "a malformed code in the file is rejected");

	CHECK(write_gz(path, orphan, sizeof(orphan) - 1) == 0, "write orphan fixture");
	rc = area_load(path, "33.02", &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_ERR_INVALID, "a village without its district is rejected");

	/* A gzip stream cut in the middle. */
	gz = gzopen(path, "wb9");
	CHECK(gz != NULL, "open truncated fixture");
	if (gz != NULL) {
		char line[64];
		unsigned i;
		FILE *f;
		long size;

		gzwrite(gz, fixture_text, sizeof(fixture_text) - 1);
		for (i = 0; i < 5000; i++) {
			/* Names that do not compress away, so the cut hits the data. */
			snprintf(line, sizeof(line), "34.01.01.%04u\tDesa %08x\n", 3000 + i,
			    i * 2654435761u);
			gzputs(gz, line);
		}
		gzclose(gz);
		f = fopen(path, "r+");
		CHECK(f != NULL && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 40 &&
		    ftruncate(fileno(f), size / 2) == 0, "truncate the fixture in the middle");
		if (f != NULL)
			fclose(f);
		rc = area_load(path, "33.02", &a, err, sizeof(err));
		CHECK_EQ_INT(rc, PB_ERR_INVALID, "a truncated gzip file is rejected");
		if (!CHECK(strstr(err, "unexpected end of file") != NULL, "the message says "
		    "the file is cut short"))
			printf("#   got \"%s\"\n", err);
	}
	unlink(path);
}

static void
test_positions(void)
{
	const struct area_position *p;
	size_t i, k, n = area_npositions();
	int ok = 1;

	CHECK(n >= 14, "at least 14 positions (got %zu)", n);
	CHECK_EQ_STR(area_position_at(0)->id, "kepala-desa", "the village head comes first");
	CHECK_EQ_STR(area_position_at(n - 1)->id, "lainnya", "\"other\" comes last");
	CHECK(area_position_at(n) == NULL, "area_position_at past the end is NULL");

	p = area_position_find("sekretaris-desa");
	CHECK(p != NULL, "find sekretaris-desa");
	if (p != NULL) {
		CHECK_EQ_STR(p->label_id, "Sekretaris Desa", "Indonesian label");
		CHECK_EQ_STR(p->label_en, "Village Secretary", "English label");
	}
	p = area_position_find("kaur-tata-usaha-umum");
	CHECK(p != NULL && strcmp(p->label_id, "Kepala Urusan Tata Usaha dan Umum") == 0,
	    "kaur-tata-usaha-umum has its full Indonesian name");
	static const char *const required[] = { "kepala-desa", "sekretaris-desa",
		"kaur-tata-usaha-umum", "kaur-keuangan", "kaur-perencanaan", "kasi-pemerintahan",
		"kasi-kesejahteraan", "kasi-pelayanan", "kepala-dusun", "staf-desa", "ketua-bpd",
		"anggota-bpd", "pendamping-desa", "lainnya" };
	for (i = 0; i < PB_ARRAY_LEN(required); i++)
		CHECK(area_position_find(required[i]) != NULL, "position %s exists", required[i]);
	CHECK(area_position_find("Kepala-Desa") == NULL, "ids are case-sensitive");
	CHECK(area_position_find("bupati") == NULL, "an unknown id is not found");
	CHECK(area_position_find("") == NULL, "an empty id is not found");
	CHECK(area_position_find(NULL) == NULL, "a NULL id is not found");

	for (i = 0; i < n; i++) {
		p = area_position_at(i);
		if (area_position_find(p->id) != p || p->label_id[0] == '\0' ||
		    p->label_en[0] == '\0' || strspn(p->id, "abcdefghijklmnopqrstuvwxyz-") !=
		    strlen(p->id))
			ok = 0;
		for (k = 0; k < i; k++)
			if (strcmp(area_position_at(k)->id, p->id) == 0)
				ok = 0;
	}
	CHECK(ok, "every position has a unique [a-z-] id and both labels");
}

/* The shipped list: Kabupaten Banyumas (33.02). */
static void
test_real_data(void)
{
	const char *path = getenv("PB_WILAYAH");
	const struct area_village *v;
	struct area *a = NULL;
	char err[256] = "";
	size_t i;
	int sorted = 1, inside = 1;
	pb_err rc;

	if (path == NULL)
		path = "content/area/wilayah.tsv.gz";
	rc = area_load(path, "33.02", &a, err, sizeof(err));
	CHECK_EQ_INT(rc, PB_OK, "the shipped region list loads for 33.02");
	if (rc != PB_OK) {
		printf("#   err: %s (run from the repository root)\n", err);
		return;
	}
	CHECK_EQ_INT(area_nvillages(a), 331, "Kabupaten Banyumas has 331 villages");
	CHECK_EQ_STR(area_unit_at(a, 0)->name, "Kabupaten Banyumas", "33.02 is Banyumas");
	v = area_village_find(a, "33.02.06.2015");
	CHECK(v != NULL, "village 33.02.06.2015 is found");
	if (v != NULL) {
		CHECK_EQ_STR(v->name, "Karangsalam", "33.02.06.2015 is Karangsalam");
		CHECK_EQ_STR(v->district, "Kemranjen", "in the district of Kemranjen");
		CHECK_EQ_STR(v->regency, "Kabupaten Banyumas", "in Kabupaten Banyumas");
		CHECK_EQ_STR(v->province, "Jawa Tengah", "in Jawa Tengah");
	}
	v = area_village_find(a, "33.02.01.2001");
	CHECK(v != NULL && strcmp(v->name, "Cirahab") == 0 && strcmp(v->district, "Lumbir") == 0,
	    "33.02.01.2001 is Cirahab in Lumbir");
	CHECK(area_village_find(a, "33.04.01.2010") == NULL,
	    "a village of another regency is not loaded");
	for (i = 0; i < area_nvillages(a); i++) {
		v = area_village_at(a, i);
		if (strncmp(v->code, "33.02.", 6) != 0)
			inside = 0;
		if (i > 0 && strcasecmp(area_village_at(a, i - 1)->name, v->name) > 0)
			sorted = 0;
		if (area_village_find(a, v->code) != v)
			inside = 0;
	}
	CHECK(inside, "every loaded village is in 33.02 and found by its code");
	CHECK(sorted, "the real villages are sorted by name");
	area_free(a);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pb-test-area.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(fixture, sizeof(fixture), "%s/wilayah.tsv.gz", tmpdir);
	if (write_gz(fixture, fixture_text, sizeof(fixture_text) - 1) != 0) {
		perror("write fixture");
		return 1;
	}
	test_regency();
	test_district_and_lists();
	test_rejected_codes();
	test_bad_files();
	test_positions();
	test_real_data();
	unlink(fixture);
	rmdir(tmpdir);
	return TAP_DONE();
}
