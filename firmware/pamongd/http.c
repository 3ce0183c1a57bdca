/* http.c — see http.h. */
#include "http.h"

#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "api.h"
#include "app.h"
#include "captive.h"
#include "fsutil.h"
#include "http_int.h"
#include "http_reply.h"
#include "log.h"
#include "util.h"

struct http {
	struct mg_context *ctx;
	struct app *app;
};

/* Refuse paths that try to leave the roots or that hide something: any
 * "..", backslash, "%" left after decoding (double encoding), NUL or
 * control characters, invalid UTF-8, or an absolute-form URI. */
static int
http__path_unsafe(const char *uri)
{
	const char *p;

	if (uri == NULL || uri[0] != '/')
		return 1;
	if (!util_utf8_valid(uri, strlen(uri)))
		return 1;
	if (strchr(uri, '\\') != NULL || strchr(uri, '%') != NULL || strstr(uri, "//"))
		return 1;
	for (p = uri; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == uri || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return 1;
	return 0;
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

/* The file a static URI names: the webroot or a pack, index.html for "/". */
static int
http__static_path(struct app *app, const char *uri, char *path, size_t len)
{
	int n;

	if (strncmp(uri, "/packs/", 7) == 0)
		n = snprintf(path, len, "%s/%s", app->packs_dir, uri + 7);
	else
		n = snprintf(path, len, "%s%s%s", app->cfg->webroot, uri,
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
http__static_file(struct mg_connection *conn, struct app *app, const char *uri, int head)
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

	if (mg_get_header(conn, "Range") != NULL ||
	    (inm == NULL && mg_get_header(conn, "If-Modified-Since") != NULL))
		return 0;
	if (!http__static_path(app, uri, path, sizeof(path)) || http__hidden(path))
		return 0;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
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
	    "X-Content-Type-Options: nosniff\r\n"
	    "%s%s\r\n",
	    mg_get_builtin_mime_type(path), (long long)st.st_size, etag, lm,
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

static int
http__begin_request(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct app *app = mg_get_user_data(mg_get_context(conn));
	const char *uri = ri->local_uri_raw;

	if (http__path_unsafe(ri->request_uri) || http__path_unsafe(uri)) {
		http_send_error(conn, 400, "bad_request", "unsafe or malformed path", NULL);
		return 400;
	}
	if (strncmp(uri, "/api/", 5) == 0)
		return 0;
	if (app->cfg->portal_url[0] != '\0' &&
	    captive_redirect(conn, app->cfg->portal_hosts, app->cfg->portal_url))
		return 302;
	if (strcmp(ri->request_method, "GET") != 0 && strcmp(ri->request_method, "HEAD") != 0) {
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
	return http__static_file(conn, app, uri, strcmp(ri->request_method, "HEAD") == 0);
}

static int
http__log_message(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	log_warnx("http: %s", message);
	return 1;
}

pb_err
http_start(struct app *app, struct http **out)
{
	const struct config *cfg = app->cfg;
	char ports[600], threads[16], keepalive[16], timeout[16], rewrite[4200];
	struct mg_callbacks cb;
	struct http *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return PB_ERR_NOMEM;
	h->app = app;
	snprintf(ports, sizeof(ports), "%s:%ld", cfg->listen, cfg->port);
	snprintf(threads, sizeof(threads), "%ld", cfg->threads);
	snprintf(keepalive, sizeof(keepalive), "%ld", cfg->keepalive_ms);
	snprintf(timeout, sizeof(timeout), "%ld", cfg->request_timeout_ms);
	snprintf(rewrite, sizeof(rewrite), "/packs/=%s/", app->packs_dir);
	const char *opts[] = {
		"listening_ports", ports,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", keepalive,
		"request_timeout_ms", timeout,
		"tcp_nodelay", "1",
		"listen_backlog", "1024",
		"connection_queue", "256",
		"document_root", cfg->webroot,
		"url_rewrite_patterns", rewrite,
		"enable_directory_listing", "no",
		"cgi_pattern", "**.no-cgi-here$",
		"ssi_pattern", "**.no-ssi-here$",
		"hide_files_patterns", "**.json$|**.sig$|**.pack$|**.tmp$",
		"access_control_allow_origin", "",
		"static_file_cache_control", "no-cache",
		"decode_url", "no",
		"additional_header", "X-Content-Type-Options: nosniff",
		"max_request_size", "16384",
		NULL
	};

	memset(&cb, 0, sizeof(cb));
	cb.begin_request = http__begin_request;
	cb.log_message = http__log_message;
	if ((h->ctx = mg_start(&cb, app, opts)) == NULL) {
		free(h);
		return PB_ERR_IO;
	}
	api_register(h->ctx, app);
	*out = h;
	return PB_OK;
}

void
http_stop(struct http *h)
{
	if (h == NULL)
		return;
	mg_stop(h->ctx);
	free(h);
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
