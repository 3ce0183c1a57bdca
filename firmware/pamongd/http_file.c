/* http_file.c — static files, apart from the transport (OpenBSD httpd's
 * server_file.c): the learner app's webroot and the lessons and media of
 * installed packs, with ETag, Last-Modified, 304 and pre-compressed gzip;
 * and the .gz copies made beside compressible files. */
#include "http.h"

#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "http_int.h"
#include "http_reply.h"
#include "log.h"

/* ".html" at the end of path. */
static int
http__is_html(const char *path)
{
	size_t n = strlen(path);

	return n > 5 && strcmp(path + n - 5, ".html") == 0;
}

/* Pack files served: /packs/<course>/<version>/{lessons,media}/<file>. The
 * pack's course.json, quiz.json (answers) and manifest are never served. */
static int
http__pack_path_ok(const char *uri)
{
	const char *p = uri + strlen("/packs/");
	int slashes = 0;
	const char *sub;

	for (sub = p; *sub; sub++)
		if (*sub == '/')
			slashes++;
	if (slashes < 3)
		return 0;
	sub = strchr(strchr(p, '/') + 1, '/') + 1;
	return strncmp(sub, "lessons/", 8) == 0 || strncmp(sub, "media/", 6) == 0;
}

#define HTTP__SMALL_FILE (64 * 1024)

/* CivetWeb's type for path, and text/vtt for a video's captions (CivetWeb
 * 1.15 says text/plain, which browsers other than Chromium refuse for a
 * <track>). */
static const char *
http__mime(const char *path)
{
	size_t n = strlen(path);

	if (n > 4 && strcasecmp(path + n - 4, ".vtt") == 0)
		return "text/vtt; charset=utf-8";
	return mg_get_builtin_mime_type(path);
}

/* The file a static URI names: the webroot or a pack, index.html for "/". */
static int
http__static_path(const struct http *h, const char *uri, char *path, size_t len)
{
	int n;

	if (strncmp(uri, "/packs/", 7) == 0)
		n = snprintf(path, len, "%s/%s", h->packs_dir, uri + 7);
	else
		n = snprintf(path, len, "%s%s%s", h->cfg->webroot, uri,
		    uri[strlen(uri) - 1] == '/' ? "index.html" : "");
	return n > 0 && (size_t)n < len - 4;
}

static int
http__hidden(const char *path)
{
	static const char *ext[] = { ".json", ".sig", ".pack", ".tmp", ".gz" };
	size_t n = strlen(path), i;

	for (i = 0; i < PB_ARRAY_LEN(ext); i++)
		if (n > strlen(ext[i]) && strcmp(path + n - strlen(ext[i]), ext[i]) == 0)
			return 1;
	return 0;
}

/* Static files: CivetWeb 1.15 sends every header line as its own packet,
 * which costs a phone more than a small file, and it compares If-None-Match
 * with the ETag of NAME although it sent NAME.gz's, so compressed files never
 * get their 304. Answer plain GET/HEAD here with CivetWeb's ETag form,
 * Last-Modified, gzip and 304: files up to 64 KiB in one write, larger ones
 * as one header write and the body by mg_send_file_body. Range requests and
 * If-Modified-Since alone stay with CivetWeb. */
static int
http__static_file(struct mg_connection *conn, const struct http *h, const char *uri, int head)
{
	const char *inm = mg_get_header(conn, "If-None-Match");
	char path[PATH_MAX], gzpath[PATH_MAX], etag[64], lm[64], hdr[768];
	struct stat st, gst;
	const char *serve = path;
	int gz = 0, fd, rc = 0;
	struct tm tm;
	char *buf = NULL;
	size_t hlen, got = 0;
	int n;

	if (!http__static_path(h, uri, path, sizeof(path)) || http__hidden(path))
		return 0;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	/* Ranges (audio, video) and If-Modified-Since: CivetWeb's own file
	 * answer, given the path decoded here (it decodes nothing itself:
	 * decode_url is off), so a name with a space plays too. */
	if (mg_get_header(conn, "Range") != NULL ||
	    (inm == NULL && mg_get_header(conn, "If-Modified-Since") != NULL)) {
		mg_send_mime_file(conn, path, http__mime(path));
		return mg_get_header(conn, "Range") != NULL ? 206 : 200;
	}
	snprintf(gzpath, sizeof(gzpath), "%s.gz", path);
	if (stat(gzpath, &gst) == 0 && S_ISREG(gst.st_mode)) {
		if (http__accepts_gzip(conn)) {
			serve = gzpath;
			st = gst;
			gz = 1;
		}
		gz |= 2; /* a compressed copy exists: the answer varies */
	}
	snprintf(etag, sizeof(etag), "\"%lx.%lld\"", (unsigned long)st.st_mtime,
	    (long long)st.st_size);
	gmtime_r(&st.st_mtime, &tm);
	strftime(lm, sizeof(lm), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (inm != NULL && strcmp(inm, etag) == 0) {
		n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 304 Not Modified\r\nETag: %s\r\n"
		    "Last-Modified: %s\r\nCache-Control: no-cache\r\n%sContent-Length: 0\r\n\r\n",
		    etag, lm, gz & 2 ? "Vary: Accept-Encoding\r\n" : "");
		mg_write(conn, hdr, (size_t)n);
		return 304;
	}
	if ((fd = open(serve, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = snprintf(hdr, sizeof(hdr),
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %lld\r\n"
	    "ETag: %s\r\n"
	    "Last-Modified: %s\r\n"
	    "Cache-Control: no-cache\r\n"
	    "Accept-Ranges: bytes\r\n"
	    "%s%s%s\r\n",
	    http__mime(path), (long long)st.st_size, etag, lm,
	    http__is_html(path) ? h->page_policy : HTTP__SECURITY,
	    gz & 1 ? "Content-Encoding: gzip\r\n" : "",
	    gz & 2 ? "Vary: Accept-Encoding\r\n" : "");
	hlen = (size_t)n;
	if (st.st_size > HTTP__SMALL_FILE) {
		/* large media: headers in one write, the body by sendfile */
		mg_write(conn, hdr, hlen);
		if (!head)
			mg_send_file_body(conn, serve);
		rc = 200;
		goto out;
	}
	if ((buf = malloc(hlen + (size_t)st.st_size)) == NULL)
		goto out;
	memcpy(buf, hdr, hlen);
	while (!head && got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + hlen + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out; /* changed under us: let CivetWeb answer */
		got += (size_t)r;
	}
	mg_write(conn, buf, hlen + got);
	rc = 200;
out:
	free(buf);
	close(fd);
	return rc;
}

/* As OpenBSD httpd's server_file(): GET and HEAD only, nothing of a pack
 * but its lessons and media, no .gz by name, then the file. CivetWeb
 * answers what this leaves (Range, If-Modified-Since alone, no such file). */
int
http__file(struct mg_connection *conn, const struct http *h, const char *uri)
{
	const char *method = mg_get_request_info(conn)->request_method;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		http_send_error(conn, 405, "method_not_allowed", "only GET and HEAD here", NULL);
		return 405;
	}
	if (strncmp(uri, "/packs/", 7) == 0 && !http__pack_path_ok(uri)) {
		http_send_error(conn, 404, "not_found", "no such file", NULL);
		return 404;
	}
	if (strlen(uri) > 3 && strcmp(uri + strlen(uri) - 3, ".gz") == 0) {
		http_send_error(conn, 404, "not_found", "no such file", NULL);
		return 404;
	}
	return http__static_file(conn, h, uri, strcmp(method, "HEAD") == 0);
}

static int
http__compressible(const char *name)
{
	static const char *ext[] = { ".html", ".css", ".js", ".mjs", ".svg", ".json",
		".txt", ".webmanifest", ".ico" };
	size_t n = strlen(name), i;

	for (i = 0; i < PB_ARRAY_LEN(ext); i++) {
		size_t e = strlen(ext[i]);

		if (n > e && strcasecmp(name + n - e, ext[i]) == 0)
			return 1;
	}
	return 0;
}

static pb_err
http__gzip_file(const char *path, const struct stat *st)
{
	char gzpath[PATH_MAX];
	unsigned char *gz = NULL;
	struct stat gst;
	size_t len, gzlen;
	char *data = NULL;
	pb_err rc;

	if ((size_t)snprintf(gzpath, sizeof(gzpath), "%s.gz", path) >= sizeof(gzpath))
		return PB_ERR_INVALID;
	if (stat(gzpath, &gst) == 0 && gst.st_mtime >= st->st_mtime)
		return PB_OK;
	if ((rc = fs_read_file(path, 64u << 20, &data, &len)) != PB_OK)
		return rc;
	rc = PB_ERR_NOMEM;
	if ((gz = http__gzip(data, len, &gzlen)) == NULL)
		goto out;
	rc = fs_write_atomic(gzpath, gz, gzlen, 0644);
out:
	free(gz);
	free(data);
	return rc;
}

pb_err
http_precompress_dir(const char *dir)
{
	struct dirent *de;
	pb_err rc = PB_OK;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return PB_ERR_IO;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = http_precompress_dir(path) != PB_OK ? PB_ERR_IO : rc;
		else if (S_ISREG(st.st_mode) && http__compressible(de->d_name) &&
		    http__gzip_file(path, &st) != PB_OK) {
			log_warn("cannot write %s.gz", path);
			rc = PB_ERR_IO;
		}
	}
	closedir(d);
	return rc;
}

void
http__page_policy(struct http *h)
{
	char path[4096], hashes[512] = "", b64[64];
	unsigned char digest[crypto_hash_sha256_BYTES];
	const char *p, *end;
	char *html = NULL;
	size_t len = 0, used = 0;

	snprintf(path, sizeof(path), "%s/index.html", h->cfg->webroot);
	if (fs_read_file(path, 1 << 20, &html, &len) == PB_OK) {
		for (p = html; (p = strstr(p, "<script>")) != NULL; p = end) {
			p += strlen("<script>");
			if ((end = strstr(p, "</script>")) == NULL)
				break;
			crypto_hash_sha256(digest, (const unsigned char *)p, (size_t)(end - p));
			sodium_bin2base64(b64, sizeof(b64), digest, sizeof(digest),
			    sodium_base64_VARIANT_ORIGINAL);
			used += (size_t)snprintf(hashes + used, sizeof(hashes) - used, " 'sha256-%s'",
			    b64);
			if (used >= sizeof(hashes) - 64)
				break;
		}
		free(html);
	}
	snprintf(h->page_policy, sizeof(h->page_policy), HTTP__SECURITY
	    "Content-Security-Policy: default-src 'self'; script-src 'self'%s; "
	    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
	    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'\r\n", hashes);
}
