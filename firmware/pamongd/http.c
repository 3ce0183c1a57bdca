/* http.c — the transport (see http.h): unsafe paths refused, requests under
 * a registered prefix passed to their handler, the captive portal, the rest
 * to the static files (http_file.c); the server's lifecycle. */
#include "http.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "captive.h"
#include "config.h"
#include "http_int.h"
#include "http_reply.h"
#include "log.h"
#include "util.h"

/* The longest path served: CivetWeb takes request lines up to its header
 * limit; no file or route of the box is near this. */
#define HTTP__PATH_MAX 2048

/* Refuse paths that try to leave the roots or that hide something: any
 * "..", backslash, "//", invalid UTF-8, or an absolute-form URI; "%" only
 * where pct says escapes may still be there (the path as sent), never in
 * the decoded one (a "%" left after decoding is double encoding). */
static int
http__path_unsafe(const char *uri, int pct)
{
	const char *p;

	if (uri == NULL || uri[0] != '/')
		return 1;
	if (!util_utf8_valid(uri, strlen(uri)))
		return 1;
	if (strchr(uri, '\\') != NULL || (!pct && strchr(uri, '%') != NULL) || strstr(uri, "//"))
		return 1;
	for (p = uri; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == uri || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return 1;
	return 0;
}

/* The path as sent, with its %XX escapes decoded into out (a file name
 * with a space arrives as "%20"); -1 when it does not fit or decodes to a
 * NUL or another control character. */
static int
http__decode_path(const char *raw, char *out, size_t len)
{
	int n = mg_url_decode(raw, (int)strlen(raw), out, (int)len, 0);
	int i;

	if (n < 0 || (size_t)n != strlen(out))
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return -1;
	return 0;
}

/* Non-zero if a registered handler owns uri; CivetWeb passes it on. */
static int
http__owned(const struct http *h, const char *uri)
{
	size_t i;

	for (i = 0; i < h->nhandlers; i++)
		if (strncmp(uri, h->handler[i].prefix, h->handler[i].len) == 0)
			return 1;
	return 0;
}

/* The request carries a body (a length or chunks). */
static int
http__has_body(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);

	return ri->content_length > 0 ||
	    (ri->content_length < 0 && mg_get_header(conn, "Transfer-Encoding") != NULL);
}

/* Workers hold a connection from its first request until it closes,
 * keep-alive waits included: count them. */
static int
http__conn_open(const struct mg_connection *conn, void **data)
{
	struct http *h = mg_get_user_data(mg_get_context(conn));

	*data = NULL;
	__atomic_add_fetch(&h->busy, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
http__conn_close(const struct mg_connection *conn)
{
	struct http *h = mg_get_user_data(mg_get_context(conn));

	__atomic_sub_fetch(&h->busy, 1, __ATOMIC_RELAXED);
}

static int
http__begin_request(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const struct http *h = mg_get_user_data(mg_get_context(conn));
	char uri[HTTP__PATH_MAX];
	int status;

	mg_set_user_connection_data(conn, NULL); /* the body is not read yet */
	/* When three quarters of the workers hold a connection, answer and
	 * close rather than keep one waiting for a next request that may not
	 * come: a phone reconnects in a round trip, a queued one waits. */
	if (__atomic_load_n(&h->busy, __ATOMIC_RELAXED) * 4 > h->cfg->threads * 3)
		mg_disable_connection_keep_alive(conn);
	if (http__path_unsafe(ri->request_uri, 1) || http__path_unsafe(ri->local_uri_raw, 1) ||
	    http__decode_path(ri->local_uri_raw, uri, sizeof(uri)) != 0 || http__path_unsafe(uri, 0)) {
		if (http__has_body(conn))
			mg_disable_connection_keep_alive(conn);
		http_send_error(conn, 400, "bad_request", "unsafe or malformed path", NULL);
		return 400;
	}
	/* Handlers are matched by CivetWeb on the path as sent: a route is
	 * never reached through an escape ("/api%2fv1/…" is a file path). */
	if (http__owned(h, ri->local_uri_raw))
		return 0;
	/* Nothing outside the handlers reads a body: close after answering,
	 * rather than let CivetWeb wait for a body a phone may send slowly. */
	if (http__has_body(conn))
		mg_disable_connection_keep_alive(conn);
	if ((status = captive_handle(conn, &h->captive)) != 0)
		return status;
	return http__file(conn, h, uri);
}

/* CivetWeb's request handler for every registered prefix: the registered
 * function gets the path after its prefix. */
static int
http__dispatch(struct mg_connection *conn, void *cbdata)
{
	const struct http__handler *hd = cbdata;
	int status;

	status = hd->fn(conn, mg_get_request_info(conn)->local_uri + hd->len, hd->arg);
	/* A body the handler did not read to its end is never read: the
	 * connection closes after the answer. */
	if (http__has_body(conn) && mg_get_user_connection_data(conn) != HTTP__BODY_READ)
		mg_disable_connection_keep_alive(conn);
	return status;
}

static int
http__log_message(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	log_warnx("http: %s", message);
	return 1;
}

pb_err
http_new(const struct config *cfg, const char *packs_dir, struct http **out)
{
	struct http *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return PB_ERR_NOMEM;
	h->cfg = cfg;
	h->packs_dir = packs_dir;
	h->captive.portal = cfg->hs_portal;
	h->captive.own_hosts = cfg->portal_hosts;
	h->captive.box_ip = cfg->hotspot_ip;
	h->captive.box_name = cfg->hs_name;
	*out = h;
	return PB_OK;
}

pb_err
http_handle(struct http *h, const char *prefix, http_handler fn, void *arg)
{
	size_t len = strlen(prefix), i;

	if (h->ctx != NULL)
		return PB_ERR_STATE;
	/* a literal prefix: CivetWeb would read * ? $ | as a pattern */
	if (prefix[0] != '/' || prefix[len - 1] != '/' ||
	    strpbrk(prefix, "*?$|") != NULL)
		return PB_ERR_INVALID;
	for (i = 0; i < h->nhandlers; i++)
		if (strcmp(h->handler[i].prefix, prefix) == 0)
			return PB_ERR_EXISTS;
	if (h->nhandlers == HTTP_MAX_HANDLERS)
		return PB_ERR_LIMIT;
	/* longest first: CivetWeb takes the first handler whose prefix matches */
	for (i = h->nhandlers; i > 0 && h->handler[i - 1].len < len; i--)
		h->handler[i] = h->handler[i - 1];
	h->handler[i].prefix = prefix;
	h->handler[i].len = len;
	h->handler[i].fn = fn;
	h->handler[i].arg = arg;
	h->nhandlers++;
	return PB_OK;
}

/* CivetWeb's listening_ports from [http] listen and port: each address in
 * the list, "hotspot" meaning the box's hotspot address. */
static pb_err
http__ports(const struct config *cfg, char *out, size_t len)
{
	char buf[CONF_STR_MAX], *save = NULL, *tok;
	size_t used = 0;
	int n;

	out[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", cfg->listen);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		const char *a = strcmp(tok, "hotspot") == 0 ? cfg->hotspot_ip : tok;

		n = snprintf(out + used, len - used, "%s%s%s%s:%ld", used ? "," : "",
		    strchr(a, ':') ? "[" : "", a, strchr(a, ':') ? "]" : "", cfg->port);
		if (n < 0 || (size_t)n >= len - used)
			return PB_ERR_LIMIT;
		used += (size_t)n;
	}
	return used ? PB_OK : PB_ERR_INVALID;
}

const char *
http_listening(const struct http *h)
{
	return h->ports;
}

pb_err
http_start(struct http *h)
{
	const struct config *cfg = h->cfg;
	char ports[600], threads[16], keepalive[16], timeout[16], rewrite[4200];
	struct mg_callbacks cb;
	size_t i;

	if (h->ctx != NULL)
		return PB_ERR_STATE;
	if (http__ports(cfg, ports, sizeof(ports)) != PB_OK)
		return PB_ERR_INVALID;
	snprintf(h->ports, sizeof(h->ports), "%s", ports);
	snprintf(threads, sizeof(threads), "%ld", cfg->threads);
	snprintf(keepalive, sizeof(keepalive), "%ld", cfg->keepalive_ms);
	snprintf(timeout, sizeof(timeout), "%ld", cfg->request_timeout_ms);
	snprintf(rewrite, sizeof(rewrite), "/packs/=%s/", h->packs_dir);
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
		"extra_mime_types", ".vtt=text/vtt; charset=utf-8",
		"decode_url", "no",
		/* for what CivetWeb answers itself (ranges, errors); ours carry
		 * HTTP__SECURITY or the page policy */
		"additional_header", "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY",
		"max_request_size", "16384",
		NULL
	};

	http__page_policy(h);
	memset(&cb, 0, sizeof(cb));
	cb.begin_request = http__begin_request;
	cb.init_connection = http__conn_open;
	cb.connection_close = http__conn_close;
	cb.log_message = http__log_message;
	if ((h->ctx = mg_start(&cb, h, opts)) == NULL)
		return PB_ERR_IO;
	for (i = 0; i < h->nhandlers; i++)
		mg_set_request_handler(h->ctx, h->handler[i].prefix, http__dispatch,
		    &h->handler[i]);
	return PB_OK;
}

void
http_stop(struct http *h)
{
	if (h == NULL)
		return;
	if (h->ctx != NULL)
		mg_stop(h->ctx);
	free(h);
}
