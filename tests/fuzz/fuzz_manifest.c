/* fuzz_manifest — a pack's JSON files through pamongd's real packfmt.c,
 * catalog.c and packinst.c, without the fuzzer having to make tar files:
 *
 *   first byte even: the rest is course.json, a NUL, then quiz.json. They
 *     are put in an installed tree (packs/demo/1.0.0 with its lesson and
 *     media files, `current` pointing at it) and catalog_open() loads it.
 *   first byte odd: the rest is manifest.json. A pack is made here from it
 *     and fixed good course files (the seeds list their sizes and hashes)
 *     and installed with catalog_install(), in development mode.
 *
 * A course that loads must be served; lookups in it must find what it
 * lists. PB_FUZZ_VERBOSE=1 prints why an install was refused. */
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "fuzz.h"
#include "log.h"
#include "util.h"

/* The fixed files of a good course; tests/fuzz/corpus/manifest/ lists
 * their sizes and SHA-256. */
static const struct {
	const char *path, *data;
} files[] = {
	{ "course.json", "{\"id\":\"demo\",\"version\":\"1.0.0\",\"title\":\"Demo\","
	    "\"summary\":\"S\",\"language\":\"id\",\"passing_score\":70,\"feedback\":\"end\","
	    "\"minutes\":12,\"lessons\":[{\"id\":\"kepala-desa\",\"title\":\"Kepala\","
	    "\"minutes\":5,\"file\":\"lessons/kepala-desa.html\",\"media\":"
	    "[\"media/struktur.svg\"]},{\"id\":\"bpd\",\"title\":\"BPD\",\"file\":"
	    "\"lessons/bpd.html\"}],\"quiz\":{\"questions\":1}}" },
	{ "lessons/bpd.html", "<h2>BPD</h2>" },
	{ "lessons/kepala-desa.html", "<p>Kepala desa.</p>" },
	{ "media/struktur.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>" },
	{ "quiz.json", "{\"questions\":[{\"id\":\"q1\",\"type\":\"single\",\"text\":\"Siapa?\","
	    "\"choices\":[{\"text\":\"Camat\"},{\"text\":\"Kepala desa\",\"correct\":true}],"
	    "\"explanation\":\"E\"}]}" },
};

static char tree[PATH_MAX], installed[PATH_MAX], packs[PATH_MAX], pack_path[PATH_MAX];

static void
put(const char *dir, const char *rel, const char *data, size_t len)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, rel) >= (int)sizeof(path))
		abort();
	fuzz_write(path, data, len);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[PATH_MAX], link[PATH_MAX];
	size_t i;

	(void)argc;
	(void)argv;
	log_init("fuzz", 1, 0);
	if (util_init() != PB_OK)
		abort();
	fuzz_scratch("manifest");
	fuzz_path(installed, "installed");
	fuzz_path(tree, "installed/demo/1.0.0");
	fuzz_path(packs, "packs");
	fuzz_path(pack_path, "in.pack");
	fuzz_path(dir, "installed/demo/1.0.0/lessons");
	if (fs_mkdirs(dir, 0755) != PB_OK)
		abort();
	fuzz_path(dir, "installed/demo/1.0.0/media");
	if (fs_mkdirs(dir, 0755) != PB_OK)
		abort();
	for (i = 1; i < 4; i++)
		put(tree, files[i].path, files[i].data, strlen(files[i].data));
	fuzz_path(link, "installed/demo/current");
	if (symlink("1.0.0", link) < 0)
		abort();
	return 0;
}

static void
walk(struct catalog *cat)
{
	const struct cat_snapshot *snap = catalog_acquire(cat);
	int i, k;

	for (i = 0; i < snap->ncourses; i++) {
		const struct cat_course *c = snap->courses[i];

		if (cat_course_find(snap, c->id) != c)
			abort();
		for (k = 0; k < c->nlessons; k++)
			if (cat_lesson_index(c, c->lessons[k].id) != k)
				abort();
		for (k = 0; k < c->nquestions; k++)
			if (cat_question_find(c, c->questions[k].id) != &c->questions[k])
				abort();
	}
	catalog_release(cat, snap);
}

static void
add(struct archive *a, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len))
		abort();
	archive_entry_free(e);
}

static void
install(const uint8_t *manifest, size_t len)
{
	struct catalog_opts o = { packs, NULL, 1, NULL };
	struct archive *a = archive_write_new();
	struct catalog *cat = NULL;
	char err[256];
	pb_err rc;
	size_t i;

	if (a == NULL || archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, pack_path) != ARCHIVE_OK)
		abort();
	for (i = 0; i < PB_ARRAY_LEN(files); i++)
		add(a, files[i].path, files[i].data, strlen(files[i].data));
	add(a, "manifest.json", manifest, len);
	if (archive_write_close(a) != ARCHIVE_OK)
		abort();
	archive_write_free(a);
	if (catalog_open(&o, &cat) != PB_OK)
		abort();
	rc = catalog_install(cat, pack_path, err, sizeof(err));
	if (getenv("PB_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "install: %s\n", rc == PB_OK ? "ok" : err);
	if (rc == PB_OK)
		walk(cat);
	catalog_close(cat);
	if (fs_remove_tree(packs) != PB_OK)
		abort();
}

static void
load(const uint8_t *data, size_t size)
{
	struct catalog_opts o = { installed, NULL, 0, NULL };
	struct catalog *cat = NULL;
	struct fuzz_part p[2];

	fuzz_split(data, size, p, 2);
	put(tree, "course.json", p[0].data, p[0].len);
	put(tree, "quiz.json", p[1].data, p[1].len);
	if (catalog_open(&o, &cat) != PB_OK)
		abort();
	walk(cat);
	catalog_close(cat);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		load(data + 1, size - 1);
	else
		install(data + 1, size - 1);
	return 0;
}
