/* fuzz_pack — a whole content pack file (gzip'd tar) as it arrives on a USB
 * stick, through pamongd's real installer: catalog_install() runs
 * packinst.c (libarchive with our checks on every entry, manifest.json,
 * the signature, every file's size and SHA-256) and the catalog's own
 * checks of course.json and quiz.json, then swaps the pack in.
 *
 * The box is in development mode (unsigned packs with "dev": true install)
 * and trusts one fixed test key (secret seed: 32 bytes of 0x33; make-seeds.sh
 * signs the seed packs with it), so both kinds of pack reach the catalog. Every run starts with an
 * empty packs dir; an installed pack is loaded back with catalog_open() and
 * must be served. PB_FUZZ_VERBOSE=1 prints why an install was refused. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "fuzz.h"
#include "log.h"
#include "util.h"

static char pack_path[PATH_MAX], packs_dir[PATH_MAX], keys_path[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[32], pk[32], sk[64];
	char line[66];

	(void)argc;
	(void)argv;
	log_init("fuzz", 1, 0);
	if (util_init() != PB_OK)
		abort();
	memset(seed, 0x33, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	util_hex(line, pk, sizeof(pk));
	strcat(line, "\n");
	fuzz_scratch("pack");
	fuzz_path(pack_path, "in.pack");
	fuzz_path(packs_dir, "packs");
	fuzz_path(keys_path, "trusted.keys");
	fuzz_write(keys_path, line, strlen(line));
	return 0;
}

/* Every lookup a request can make in what was installed. */
static void
walk(struct catalog *cat, const char *want_id)
{
	const struct cat_snapshot *snap = catalog_acquire(cat);
	const struct cat_course *c;
	int i;

	if (want_id != NULL && cat_course_find(snap, want_id) == NULL)
		abort(); /* installed, then not served after a restart */
	for (i = 0; i < snap->ncourses; i++) {
		int k;

		c = snap->courses[i];
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog_opts o = { packs_dir, keys_path, 1, NULL };
	struct catalog *cat = NULL;
	char err[256], id[64] = "";
	pb_err rc;

	fuzz_write(pack_path, data, size);
	if (catalog_open(&o, &cat) != PB_OK)
		abort();
	rc = catalog_install(cat, pack_path, err, sizeof(err));
	if (getenv("PB_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "install: %s\n", rc == PB_OK ? "ok" : err);
	if (rc == PB_OK) {
		const struct cat_snapshot *snap = catalog_acquire(cat);

		if (snap->ncourses != 1)
			abort();
		snprintf(id, sizeof(id), "%s", snap->courses[0]->id);
		catalog_release(cat, snap);
	}
	catalog_close(cat);
	if (rc == PB_OK) {
		if (catalog_open(&o, &cat) != PB_OK)
			abort();
		walk(cat, id);
		catalog_close(cat);
	}
	if (fs_remove_tree(packs_dir) != PB_OK)
		abort();
	return 0;
}
