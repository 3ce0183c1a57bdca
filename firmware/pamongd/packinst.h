/* packinst.h — verifying content packs and installing them on disk.
 *
 * Layout under packs_dir:
 *   <id>/<version>/...      an installed version (the pack's files)
 *   <id>/current -> <version>
 *   .tmp-XXXXXX/            a pack being unpacked
 *
 * packinst_install() first reads only manifest.json and manifest.sig from the
 * pack, into memory, writing nothing: it checks the Ed25519 signature over
 * manifest.json against the trusted keys (unsigned dev packs only in dev
 * mode) and asks the caller whether it wants this id and version. Only a
 * trusted, wanted pack is unpacked, into a temporary dir under packs_dir,
 * with libarchive and its own checks on every entry (only regular files and
 * directories under the names the format allows, no absolute paths, no "..",
 * no links, and only files the manifest lists, at their listed sizes, so
 * what is written is bounded by the signed manifest), hashing each file
 * while writing it; then every file's SHA-256 is checked, the tree fsynced,
 * renamed into place and `current` swapped atomically. A refused pack leaves
 * every current version as it was, and its temporary dir is removed.
 *
 * It knows nothing of who reads the installed packs: the caller decides
 * through hooks which packs it wants and what the unpacked tree must hold.
 * One install at a time per process (it unpacks through one static buffer):
 * callers serialize. */
#ifndef PACKINST_H
#define PACKINST_H

#include <limits.h>
#include <stddef.h>

#include "pb.h"

struct packinst_opts {
	const char *packs_dir;    /* absolute path of the installed packs */
	const char *trusted_keys; /* file of hex Ed25519 public keys, one per line; may be NULL */
	int dev_mode;             /* accept unsigned packs built with --dev */
};

/* The caller's say in an install; any hook may be NULL (accept). An error
 * from a hook refuses the pack with that code and the reason in err. */
struct packinst_hooks {
	/* Once manifest.json is signed by a trusted key (or a dev pack in dev
	 * mode), before anything is unpacked: is this id and version wanted? */
	pb_err (*want)(void *arg, const char *id, const char *version, char *err,
	    size_t errlen);
	/* Once every file is verified, before anything outside the temporary dir
	 * changes: check the unpacked tree at root (the manifest's id and
	 * version are given again). */
	pb_err (*check)(void *arg, const char *root, const char *id, const char *version,
	    char *err, size_t errlen);
	void *arg;                /* passed to both */
};

/* Verify pack_path and install it as packs_dir/<id>/<version>, the new
 * current version; its dir goes in vdir. h may be NULL. On refusal returns
 * an error with the reason in err. */
pb_err packinst_install(const struct packinst_opts *o, const char *pack_path,
    const struct packinst_hooks *h, char vdir[PATH_MAX], char *err, size_t errlen);

/* The version packs_dir/<id>/current names (into ver) and its dir (into
 * vdir); removes a current.tmp an interrupted swap left. PB_ERR_NOTFOUND
 * when there is no current version, PB_ERR_INVALID when it is not a version. */
pb_err packinst_current(const char *packs_dir, const char *id, char *ver, size_t verlen,
    char vdir[PATH_MAX], char *err, size_t errlen);

/* The highest installed version of id below cur, into out (empty if none). */
void packinst_previous(const char *packs_dir, const char *id, const char *cur, char *out,
    size_t outlen);

/* Remove every installed version of id except keep1 and keep2 (may be NULL). */
void packinst_prune(const char *packs_dir, const char *id, const char *keep1,
    const char *keep2);

/* Remove the temporary dirs of installs that never finished (a crash). */
void packinst_clean(const char *packs_dir);

#endif
