/* api_console_courses.c — the console's course packs (docs/API.md,
 * "Console: courses"): the installed courses, packs on USB sticks, packs
 * uploaded from the facilitator's browser, the trusted author keys.
 *
 * A pack is always shown before it is installed: it is read once without
 * writing anything (catalog_inspect: signature, signer, every file's hash),
 * and only a pack that verifies can be installed. Uploads are streamed to a
 * file under data_dir/uploads and kept there, named by a random id, until
 * installed, dropped or an hour old. */
#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "api_int.h"
#include "fsutil.h"
#include "keyring.h"
#include "log.h"
#include "packfmt.h"
#include "packinst.h"
#include "util.h"

#define CC__UPLOADS     "uploads"
#define CC__UPLOAD_AGE  3600 /* seconds an uploaded pack waits to be installed */
#define CC__UPLOADS_MAX 4    /* uploaded packs kept at once */
#define CC__USB_MAX     64   /* packs listed from sticks */
#define CC__ERRLEN      256

/* Packs on sticks already read, by path, size and mtime: reading a large
 * pack takes seconds, and the list is asked for whenever the page opens. */
struct cc__seen {
	char path[PATH_MAX];
	off_t size;
	time_t mtime;
	json_t *json;
};
static struct cc__seen cc__cache[CC__USB_MAX];
static pthread_mutex_t cc__cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- what a pack is ---- */

static const char *
cc__state(const struct packinst_info *in, const char *installed)
{
	int cmp;

	if (!in->verified)
		return "refused";
	if (installed[0] == '\0')
		return "new";
	cmp = packfmt_vercmp(in->version, installed);
	return cmp > 0 ? "newer" : cmp == 0 ? "same" : "older";
}

/* Why a pack was refused, as a code the console translates. */
static const char *
cc__refusal(const struct packinst_info *in, const char *err)
{
	if (in->fp[0] != '\0' && !in->key_known)
		return "unknown_key";
	if (strncmp(err, "pack is not signed", 18) == 0)
		return "not_signed";
	return "bad_pack";
}

static json_t *
cc__pack_json(const struct packinst_info *in, const char *installed,
    unsigned long long file_size, const char *err)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:s, s:s}",
	    "id", in->id, "title", in->title, "version", in->version,
	    "fingerprint", in->fp, "key_known", in->key_known, "dev", in->dev,
	    "size", (json_int_t)file_size, "unpacked_size", (json_int_t)in->size,
	    "installed_version", installed, "state", cc__state(in, installed));

	if (o != NULL && !in->verified)
		json_object_set_new(o, "refusal", json_pack("{s:s, s:s}", "code",
		    cc__refusal(in, err), "message", err));
	return o;
}

/* Inspect the pack at path; the answer's JSON into *out (NULL: no memory). */
static void
cc__inspect(struct req *r, const char *path, struct packinst_info *in, char *installed,
    size_t installedlen, json_t **out)
{
	char err[CC__ERRLEN];
	struct stat st;

	err[0] = '\0';
	(void)catalog_inspect(r->app->catalog, path, in, installed, installedlen, err,
	    sizeof(err));
	if (!in->verified && err[0] == '\0')
		snprintf(err, sizeof(err), "cannot read the pack");
	*out = cc__pack_json(in, installed, stat(path, &st) == 0 ? (unsigned long long)st.st_size
	    : 0, err);
}

/* Install a pack already inspected (in), answering the request. from says
 * where it came from, for the audit log. */
static void
cc__install(struct req *r, const char *path, const struct packinst_info *in,
    const char *installed, json_t *info, const char *from)
{
	const char *state = cc__state(in, installed);
	json_t *confirm = json_object_get(r->body, "confirm_older");
	char err[CC__ERRLEN], detail[256];
	pb_err rc;

	if (confirm != NULL && !json_is_boolean(confirm)) {
		api__field_error(r, "confirm_older", "confirm_older must be true or false");
		goto out;
	}
	if (!in->verified) {
		json_t *ref = json_object_get(info, "refusal");

		http_send_json(r->conn, 422, json_pack("{s:s, s:s, s:O}", "error",
		    json_string_value(json_object_get(ref, "code")), "message",
		    json_string_value(json_object_get(ref, "message")), "pack", info), NULL);
		goto out;
	}
	if (strcmp(state, "same") == 0) {
		http_send_json(r->conn, 409, json_pack("{s:s, s:s, s:O}", "error",
		    "already_installed", "message", "this version is already installed",
		    "pack", info), NULL);
		goto out;
	}
	if (strcmp(state, "older") == 0 && !json_is_true(confirm)) {
		http_send_json(r->conn, 409, json_pack("{s:s, s:s, s:O}", "error",
		    "older_version", "message",
		    "this version is older than the installed one; confirm to go back",
		    "pack", info), NULL);
		goto out;
	}
	rc = catalog_install_force(r->app->catalog, path, strcmp(state, "older") == 0, err,
	    sizeof(err));
	snprintf(detail, sizeof(detail), "%s %s (key %s) from %s%s", in->id, in->version,
	    in->fp[0] ? in->fp : "-", from, rc == PB_OK ? "" : ": refused");
	api__audit(r, "course_install", detail);
	if (rc == PB_ERR_EXISTS) {
		http_send_json(r->conn, 409, json_pack("{s:s, s:s, s:O}", "error",
		    "already_installed", "message", err, "pack", info), NULL);
	} else if (rc != PB_OK) {
		http_send_json(r->conn, 422, json_pack("{s:s, s:s, s:O}", "error", "bad_pack",
		    "message", err, "pack", info), NULL);
	} else {
		json_object_set_new(info, "state", json_string("installed"));
		json_object_set_new(info, "previous_version", json_string(installed));
		http_send_json(r->conn, 200, json_pack("{s:O}", "installed", info), NULL);
	}
out:
	json_decref(info);
}

/* ---- installed courses ---- */

/* The signer's fingerprint from an installed version's manifest.sig. */
static void
cc__installed_fp(const char *dir, char fp[KEYRING_FPLEN])
{
	unsigned char pk[KEYRING_PKLEN];
	char path[PATH_MAX], *txt = NULL, *nl;

	fp[0] = '\0';
	if (packfmt_join(path, dir, "manifest.sig") < 0 ||
	    fs_read_file(path, 4096, &txt, NULL) != PB_OK)
		return;
	if ((nl = strchr(txt, '\n')) != NULL && strlen(nl + 1) >= 2 * KEYRING_PKLEN) {
		nl[1 + 2 * KEYRING_PKLEN] = '\0';
		if (util_unhex(pk, sizeof(pk), nl + 1) == PB_OK)
			keyring_fingerprint(pk, fp);
	}
	free(txt);
}

/* Bytes of an installed version's files, from its manifest. */
static json_int_t
cc__installed_size(const char *dir)
{
	json_t *m = NULL, *f;
	json_int_t sum = 0;
	size_t i;

	if (packfmt_load_json(dir, "manifest.json", &m, NULL, 0) != PB_OK)
		return 0;
	json_array_foreach(json_object_get(m, "files"), i, f)
		sum += json_integer_value(json_object_get(f, "size"));
	json_decref(m);
	return sum;
}

void
api__console_courses(struct req *r)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < r->snap->ncourses; i++) {
		const struct cat_course *c = r->snap->courses[i];
		char fp[KEYRING_FPLEN];

		cc__installed_fp(c->dir, fp);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:i, s:I}", "id", c->id,
		    "title", c->title, "version", c->version, "fingerprint", fp, "lessons",
		    c->nlessons, "size", cc__installed_size(c->dir)));
	}
	http_send_json(r->conn, 200, json_pack("{s:o}", "courses", a), NULL);
}

/* ---- packs on USB sticks ---- */

static int
cc__is_pack_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && len < 200 && strcmp(name + len - 5, ".pack") == 0 &&
	    packfmt_safe_path(name) && strchr(name, '/') == NULL;
}

/* Every *.pack in dir (relative rel under usb_dir) into names. */
static void
cc__scan(const char *usb, const char *rel, json_t *names)
{
	char dir[PATH_MAX], sub[PATH_MAX], full[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (rel[0] == '\0')
		snprintf(dir, sizeof(dir), "%s", usb);
	else if (packfmt_join(dir, usb, rel) < 0)
		return;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && json_array_size(names) < CC__USB_MAX) {
		struct stat st;

		if (!cc__is_pack_name(de->d_name))
			continue;
		if (rel[0] == '\0')
			snprintf(sub, sizeof(sub), "%s", de->d_name);
		else if (packfmt_join(sub, rel, de->d_name) < 0)
			continue;
		if (packfmt_join(full, usb, sub) < 0 || stat(full, &st) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		json_array_append_new(names, json_string(sub));
	}
	closedir(d);
}

/* The packs on the sticks: NAME.pack in usb_dir, in usb_dir/STICK and in
 * usb_dir/STICK/pamong, as paths relative to usb_dir, sorted. */
static json_t *
cc__usb_names(const char *usb)
{
	json_t *names = json_array();
	char rel[PATH_MAX];
	struct dirent *de;
	DIR *d;

	cc__scan(usb, "", names);
	if ((d = opendir(usb)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			char path[PATH_MAX];

			if (de->d_name[0] == '.' || packfmt_join(path, usb, de->d_name) < 0 ||
			    stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
				continue;
			cc__scan(usb, de->d_name, names);
			if (packfmt_join(rel, de->d_name, "pamong") == 0)
				cc__scan(usb, rel, names);
		}
		closedir(d);
	}
	/* sorted, so the list does not jump about */
	{
		size_t n = json_array_size(names), i, j;

		for (i = 1; i < n; i++)
			for (j = i; j > 0 && strcmp(json_string_value(json_array_get(names, j - 1)),
			    json_string_value(json_array_get(names, j))) > 0; j--) {
				json_t *t = json_incref(json_array_get(names, j));

				json_array_set(names, j, json_array_get(names, j - 1));
				json_array_set_new(names, j - 1, t);
			}
	}
	return names;
}

/* A stick's pack, read once per size and mtime: its JSON (a new reference). */
static json_t *
cc__usb_pack(struct req *r, const char *rel, struct packinst_info *in, char *installed,
    size_t installedlen, int fresh)
{
	char path[PATH_MAX];
	struct stat st;
	json_t *j = NULL;
	size_t i, slot = 0;

	if (packfmt_join(path, r->app->cfg->usb_dir, rel) < 0 || stat(path, &st) < 0)
		return NULL;
	pthread_mutex_lock(&cc__cache_lock);
	for (i = 0; !fresh && i < CC__USB_MAX; i++) {
		struct cc__seen *s = &cc__cache[i];

		if (s->json != NULL && strcmp(s->path, path) == 0 && s->size == st.st_size &&
		    s->mtime == st.st_mtime) {
			j = json_deep_copy(s->json);
			break;
		}
	}
	pthread_mutex_unlock(&cc__cache_lock);
	if (j != NULL) {
		/* what is installed may have changed since */
		const struct cat_course *c = cat_course_find(r->snap,
		    json_string_value(json_object_get(j, "id")));
		const char *ver = json_string_value(json_object_get(j, "version"));
		int cmp;

		if (json_object_get(j, "refusal") == NULL) {
			cmp = c ? packfmt_vercmp(ver, c->version) : 1;
			json_object_set_new(j, "installed_version", json_string(c ? c->version : ""));
			json_object_set_new(j, "state", json_string(c == NULL ? "new" : cmp > 0 ?
			    "newer" : cmp == 0 ? "same" : "older"));
		}
		return j;
	}
	cc__inspect(r, path, in, installed, installedlen, &j);
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "file", json_string(rel));
	pthread_mutex_lock(&cc__cache_lock);
	for (i = 0; i < CC__USB_MAX; i++) {
		if (cc__cache[i].json == NULL || strcmp(cc__cache[i].path, path) == 0) {
			slot = i;
			break;
		}
		if (cc__cache[i].mtime < cc__cache[slot].mtime)
			slot = i;
	}
	json_decref(cc__cache[slot].json);
	snprintf(cc__cache[slot].path, sizeof(cc__cache[slot].path), "%s", path);
	cc__cache[slot].size = st.st_size;
	cc__cache[slot].mtime = st.st_mtime;
	cc__cache[slot].json = json_deep_copy(j);
	pthread_mutex_unlock(&cc__cache_lock);
	return j;
}

void
api__console_usb(struct req *r)
{
	json_t *names = cc__usb_names(r->app->cfg->usb_dir), *packs = json_array(), *n;
	struct packinst_info in;
	char installed[32];
	size_t i;

	json_array_foreach(names, i, n) {
		json_t *j = cc__usb_pack(r, json_string_value(n), &in, installed,
		    sizeof(installed), 0);

		if (j != NULL)
			json_array_append_new(packs, j);
	}
	json_decref(names);
	http_send_json(r->conn, 200, json_pack("{s:s, s:o}", "usb_dir", r->app->cfg->usb_dir,
	    "packs", packs), NULL);
}

void
api__console_usb_install(struct req *r)
{
	const char *file = api__str(r, "file");
	json_t *names, *n, *info;
	struct packinst_info in;
	char installed[32], path[PATH_MAX], from[PATH_MAX + 8];
	size_t i;
	int found = 0;

	if (file == NULL) {
		api__field_error(r, "file", "file is required");
		return;
	}
	/* only a pack the list shows: no path from the request is opened */
	names = cc__usb_names(r->app->cfg->usb_dir);
	json_array_foreach(names, i, n)
		found |= strcmp(json_string_value(n), file) == 0;
	json_decref(names);
	if (!found || packfmt_join(path, r->app->cfg->usb_dir, file) < 0) {
		api__error(r, 404, "not_found", "no such pack on the USB sticks");
		return;
	}
	/* read it again: the stick may have been swapped since it was listed */
	cc__inspect(r, path, &in, installed, sizeof(installed), &info);
	if (info == NULL) {
		api__error(r, 503, "unavailable", "out of memory");
		return;
	}
	json_object_set_new(info, "file", json_string(file));
	snprintf(from, sizeof(from), "usb:%s", file);
	cc__install(r, path, &in, installed, info, from);
}

/* ---- packs uploaded from the browser ---- */

static int
cc__upload_dir(struct req *r, char dir[PATH_MAX])
{
	return packfmt_join(dir, r->app->cfg->data_dir, CC__UPLOADS) == 0 &&
	    fs_mkdirs(dir, 0700) == PB_OK;
}

/* Remove uploads older than CC__UPLOAD_AGE and all but the newest
 * CC__UPLOADS_MAX - 1, making room for one more. */
static void
cc__upload_prune(const char *dir)
{
	struct { char name[64]; time_t mtime; } v[32];
	struct dirent *de;
	size_t n = 0, i, oldest;
	time_t now = time(NULL);
	char path[PATH_MAX];
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strlen(de->d_name) >= sizeof(v[0].name) ||
		    packfmt_join(path, dir, de->d_name) < 0 || stat(path, &st) < 0)
			continue;
		if (de->d_name[0] == '.') {
			/* an upload a crash or a dropped link left half-written */
			if (now - st.st_mtime > CC__UPLOAD_AGE)
				unlink(path);
			continue;
		}
		if (now - st.st_mtime > CC__UPLOAD_AGE || n == PB_ARRAY_LEN(v)) {
			unlink(path);
			continue;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		v[n++].mtime = st.st_mtime;
	}
	closedir(d);
	while (n >= CC__UPLOADS_MAX) {
		for (oldest = 0, i = 1; i < n; i++)
			if (v[i].mtime < v[oldest].mtime)
				oldest = i;
		if (packfmt_join(path, dir, v[oldest].name) == 0)
			unlink(path);
		v[oldest] = v[--n];
	}
}

/* An upload's id is 32 hex digits: its file is uploads/<id>.pack. */
static int
cc__upload_path(struct req *r, const char *id, char path[PATH_MAX])
{
	char dir[PATH_MAX], name[64];
	size_t i;

	if (strlen(id) != 32)
		return 0;
	for (i = 0; i < 32; i++)
		if (util_hexval(id[i]) < 0 || (id[i] >= 'A' && id[i] <= 'F'))
			return 0;
	snprintf(name, sizeof(name), "%s.pack", id);
	return cc__upload_dir(r, dir) && packfmt_join(path, dir, name) == 0 &&
	    access(path, R_OK) == 0;
}

void
api__console_upload(struct req *r)
{
	const struct config *cfg = r->app->cfg;
	const struct mg_request_info *ri = mg_get_request_info(r->conn);
	unsigned long long max = (unsigned long long)cfg->max_upload_mb << 20, len = 0;
	char dir[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX], id[33], installed[32];
	char detail[128];
	struct packinst_info in;
	struct statvfs vfs;
	json_t *info;
	int fd = -1;
	pb_err rc;

	if (!cc__upload_dir(r, dir)) {
		log_warn("cannot create the uploads dir under %s", cfg->data_dir);
		api__error(r, 503, "unavailable", "cannot store uploads");
		return;
	}
	if (ri->content_length > (long long)max) {
		mg_disable_connection_keep_alive(r->conn);
		api__error(r, 413, "too_large", "the pack is larger than the box accepts");
		return;
	}
	if (statvfs(dir, &vfs) == 0 && ri->content_length > 0 &&
	    (unsigned long long)ri->content_length * 3 >
	    (unsigned long long)vfs.f_bavail * vfs.f_frsize) {
		mg_disable_connection_keep_alive(r->conn);
		api__error(r, 507, "disk_full", "not enough free space on the box for this pack");
		return;
	}
	cc__upload_prune(dir);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.part-XXXXXX", dir) >= sizeof(tmp) ||
	    (fd = mkstemp(tmp)) < 0) {
		log_warn("%s: cannot create an upload", dir);
		api__error(r, 503, "unavailable", "cannot store uploads");
		return;
	}
	rc = http_read_body_fd(r->conn, fd, max, cfg->upload_timeout_s * 1000,
	    cfg->body_timeout_ms, &len);
	if (rc == PB_OK && fsync(fd) < 0)
		rc = PB_ERR_IO;
	close(fd);
	if (rc != PB_OK) {
		unlink(tmp);
		if (rc == PB_ERR_LIMIT)
			api__error(r, 413, "too_large", "the pack is larger than the box accepts");
		else if (rc == PB_ERR_TIMEOUT)
			api__error(r, 408, "too_slow", "the upload did not arrive in time");
		else
			api__error(r, 400, "bad_request", "the upload broke off");
		return;
	}
	util_token(id, 16);
	snprintf(detail, sizeof(detail), "%s.pack", id);
	if (len == 0 || packfmt_join(path, dir, detail) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		api__error(r, 400, "bad_request", len == 0 ? "the upload is empty" :
		    "cannot store the upload");
		return;
	}
	cc__inspect(r, path, &in, installed, sizeof(installed), &info);
	if (info == NULL) {
		unlink(path);
		api__error(r, 503, "unavailable", "out of memory");
		return;
	}
	snprintf(detail, sizeof(detail), "%s %s, %llu bytes%s", in.id[0] ? in.id : "?",
	    in.version, len, in.verified ? "" : ", refused");
	api__audit(r, "course_upload", detail);
	if (!in.verified)
		unlink(path); /* a refused pack is not kept */
	else
		json_object_set_new(info, "upload", json_string(id));
	http_send_json(r->conn, 201, info, NULL);
}

void
api__console_upload_install(struct req *r)
{
	char path[PATH_MAX], installed[32], from[64];
	struct packinst_info in;
	json_t *info;

	if (!cc__upload_path(r, r->seg[2], path)) {
		api__error(r, 404, "not_found", "no such upload (uploads wait an hour)");
		return;
	}
	cc__inspect(r, path, &in, installed, sizeof(installed), &info);
	if (info == NULL) {
		api__error(r, 503, "unavailable", "out of memory");
		return;
	}
	json_object_set_new(info, "upload", json_string(r->seg[2]));
	snprintf(from, sizeof(from), "upload %.8s", r->seg[2]);
	cc__install(r, path, &in, installed, info, from);
	if (strcmp(cc__state(&in, installed), "older") != 0 ||
	    json_is_true(json_object_get(r->body, "confirm_older")))
		unlink(path); /* kept only while it waits for a confirmation */
}

void
api__console_upload_drop(struct req *r)
{
	char path[PATH_MAX];

	if (!cc__upload_path(r, r->seg[2], path)) {
		api__error(r, 404, "not_found", "no such upload");
		return;
	}
	unlink(path);
	http_send_empty(r->conn, 204, NULL);
}

/* ---- trusted author keys ---- */

static pthread_mutex_t cc__keys_lock = PTHREAD_MUTEX_INITIALIZER;

/* Forget the packs read from sticks: whether they verify depends on the keys. */
static void
cc__cache_clear(void)
{
	size_t i;

	pthread_mutex_lock(&cc__cache_lock);
	for (i = 0; i < CC__USB_MAX; i++) {
		json_decref(cc__cache[i].json);
		cc__cache[i].json = NULL;
	}
	pthread_mutex_unlock(&cc__cache_lock);
}

void
api__console_keys(struct req *r)
{
	struct keyring kr;
	json_t *a = json_array();
	size_t i;

	if (keyring_load(&kr, r->app->cfg->trusted_keys, r->app->local_keys) != PB_OK) {
		json_decref(a);
		api__error(r, 503, "unavailable", "cannot read the trusted keys");
		return;
	}
	for (i = 0; i < kr.n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "fingerprint", kr.v[i].fp,
		    "name", kr.v[i].name, "builtin", kr.v[i].builtin));
	keyring_free(&kr);
	http_send_json(r->conn, 200, json_pack("{s:o}", "keys", a), NULL);
}

void
api__console_key_add(struct req *r)
{
	const char *text = api__str(r, "key"), *name = api__str(r, "name");
	unsigned char pk[KEYRING_PKLEN];
	char fp[KEYRING_FPLEN], detail[128];
	pb_err rc;

	if (text == NULL || keyring_parse_pub(text, strlen(text), pk) != PB_OK) {
		api__field_error(r, "key",
		    "not an author's public key (the .pub file pamong-pack keygen makes)");
		return;
	}
	if (name != NULL && (util_utf8_len(name) > KEYRING_NAMELEN - 1 ||
	    strlen(name) > KEYRING_NAMELEN - 1)) {
		api__field_error(r, "name", "name is too long");
		return;
	}
	keyring_fingerprint(pk, fp);
	pthread_mutex_lock(&cc__keys_lock);
	rc = keyring_add(r->app->cfg->trusted_keys, r->app->local_keys, pk, name);
	pthread_mutex_unlock(&cc__keys_lock);
	cc__cache_clear();
	if (rc == PB_ERR_EXISTS) {
		api__error(r, 409, "exists", "the box trusts this key already");
		return;
	}
	if (rc == PB_ERR_LIMIT) {
		api__error(r, 409, "too_many", "the box holds as many keys as it can");
		return;
	}
	if (rc != PB_OK) {
		log_warn("cannot write %s", r->app->local_keys);
		api__error(r, 503, "unavailable", "cannot store the key");
		return;
	}
	snprintf(detail, sizeof(detail), "%s %s", fp, name ? name : "");
	api__audit(r, "key_add", detail);
	http_send_json(r->conn, 201, json_pack("{s:s, s:s, s:b}", "fingerprint", fp, "name",
	    name ? name : "", "builtin", 0), NULL);
}

void
api__console_key_remove(struct req *r)
{
	const char *fp = r->seg[2];
	pb_err rc;

	if (strlen(fp) != KEYRING_FPLEN - 1) {
		api__error(r, 404, "not_found", "no such key");
		return;
	}
	pthread_mutex_lock(&cc__keys_lock);
	rc = keyring_remove(r->app->cfg->trusted_keys, r->app->local_keys, fp);
	pthread_mutex_unlock(&cc__keys_lock);
	cc__cache_clear();
	if (rc == PB_ERR_NOTFOUND) {
		api__error(r, 404, "not_found", "no such key");
		return;
	}
	if (rc == PB_ERR_DENIED) {
		api__error(r, 409, "builtin",
		    "this key comes with the box's system and cannot be removed here");
		return;
	}
	if (rc != PB_OK) {
		log_warn("cannot write %s", r->app->local_keys);
		api__error(r, 503, "unavailable", "cannot store the keys");
		return;
	}
	api__audit(r, "key_remove", fp);
	http_send_empty(r->conn, 204, NULL);
}
