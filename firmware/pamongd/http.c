/* http.c — see http.h. */
#include "http.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "captive.h"
#include "http_int.h"
#include "http_reply.h"
#include "log.h"
#include "util.h"

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

static int
http__begin_request(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const struct http *h = mg_get_user_data(mg_get_context(conn));
	const struct app *app = h->app;
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
	return http__file(conn, h, uri);
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
	if ((h->ctx = mg_start(&cb, h, opts)) == NULL) {
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
