/* http_reply.c — see http_reply.h: answers in one write, gzip for large
 * bodies, the request body reader. */
#include "http_reply.h"

#include <civetweb.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "http_int.h"
#include "util.h"

#define HTTP__GZIP_MIN 1024

static const char *
http__reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "OK";
}

int
http__accepts_gzip(struct mg_connection *conn)
{
	const char *ae = mg_get_header(conn, "Accept-Encoding");

	return ae != NULL && strstr(ae, "gzip") != NULL;
}

/* gzip-compress in into a malloc'd buffer; NULL on failure. */
unsigned char *
http__gzip(const char *in, size_t len, size_t *outlen)
{
	z_stream zs;
	unsigned char *out;
	uLong cap;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&zs, (uLong)len) + 32;
	if ((out = malloc(cap)) == NULL) {
		deflateEnd(&zs);
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(out);
		return NULL;
	}
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* Headers and body leave in one write: with TCP_NODELAY every write is a
 * packet, and a phone on Wi-Fi pays for each. */
static void
http__send(struct mg_connection *conn, int status, const char *ctype, const char *body,
    size_t len, const char *extra)
{
	unsigned char *gz = NULL;
	const char *out = body;
	size_t gzlen = 0, hlen;
	char head[1024], *buf;
	int n;

	if (len >= HTTP__GZIP_MIN && http__accepts_gzip(conn) &&
	    (gz = http__gzip(body, len, &gzlen)) != NULL) {
		out = (const char *)gz;
		len = gzlen;
	}
	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    HTTP__JSON_SECURITY
	    "%s%s%s\r\n",
	    status, http__reason(status), ctype, len,
	    gz ? "Content-Encoding: gzip\r\n" : "",
	    gz || len >= HTTP__GZIP_MIN ? "Vary: Accept-Encoding\r\n" : "", extra ? extra : "");
	hlen = n < 0 ? 0 : (size_t)n < sizeof(head) ? (size_t)n : sizeof(head) - 1;
	if ((buf = malloc(hlen + len)) != NULL) {
		memcpy(buf, head, hlen);
		memcpy(buf + hlen, out, len);
		mg_write(conn, buf, hlen + len);
		free(buf);
	} else {
		mg_write(conn, head, hlen);
		mg_write(conn, out, len);
	}
	free(gz);
}

void
http_send_json(struct mg_connection *conn, int status, json_t *obj, const char *extra)
{
	char *text = json_dumps(obj, JSON_COMPACT);

	json_decref(obj);
	if (text == NULL) {
		http__send(conn, 500, "application/json; charset=utf-8",
		    "{\"error\":\"internal\"}", 20, NULL);
		return;
	}
	http__send(conn, status, "application/json; charset=utf-8", text, strlen(text), extra);
	free(text);
}

void
http_send_body(struct mg_connection *conn, int status, const char *ctype, const char *body,
    size_t len, const char *extra)
{
	http__send(conn, status, ctype, body, len, extra);
}

void
http_send_error(struct mg_connection *conn, int status, const char *code,
    const char *message, const char *field)
{
	json_t *o = json_pack("{s:s, s:s}", "error", code, "message", message);

	if (o != NULL && field != NULL)
		json_object_set_new(o, "field", json_string(field));
	http_send_json(conn, status, o, NULL);
}

void
http_send_empty(struct mg_connection *conn, int status, const char *extra)
{
	http__send(conn, status, "text/plain; charset=utf-8", "", 0, extra);
}

pb_err
http_read_body(struct mg_connection *conn, size_t max, long deadline_ms, char **out,
    size_t *outlen)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	int64_t until = util_mono_ms() + deadline_ms;
	size_t cap, len = 0;
	char *buf;
	int n = 0;

	*out = NULL;
	if (ri->content_length > (long long)max) {
		mg_disable_connection_keep_alive(conn); /* never read what is left */
		return PB_ERR_LIMIT;
	}
	cap = ri->content_length >= 0 ? (size_t)ri->content_length : max;
	if ((buf = malloc(cap + 1)) == NULL)
		return PB_ERR_NOMEM;
	/* One byte per call: mg_read waits until it has all it was asked for,
	 * so a larger request lets a phone that sends a byte now and then hold
	 * the worker. Bytes that came with the headers are copied from
	 * CivetWeb's buffer without a system call. */
	while (len < cap && (n = mg_read(conn, buf + len, 1)) > 0) {
		len++;
		if (util_mono_ms() > until) {
			free(buf);
			mg_disable_connection_keep_alive(conn);
			return PB_ERR_TIMEOUT;
		}
	}
	if (len == cap && ri->content_length < 0) {
		char extra; /* a chunked body that reached the limit: is there more? */

		if (mg_read(conn, &extra, 1) > 0) {
			free(buf);
			mg_disable_connection_keep_alive(conn);
			return PB_ERR_LIMIT;
		}
	}
	if (ri->content_length >= 0 && len != cap) {
		/* mg_read gives 0 when nothing came for request_timeout_ms, -1
		 * when the phone went away */
		free(buf);
		mg_disable_connection_keep_alive(conn);
		return n == 0 || util_mono_ms() > until ? PB_ERR_TIMEOUT : PB_ERR_IO;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	mg_set_user_connection_data(conn, HTTP__BODY_READ);
	return PB_OK;
}

pb_err
http_read_body_fd(struct mg_connection *conn, int fd, unsigned long long max,
    long deadline_ms, unsigned long long *outlen)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	int64_t until = util_mono_ms() + deadline_ms;
	unsigned long long len = 0;
	char buf[16384];
	int n;

	*outlen = 0;
	if (ri->content_length > (long long)max) {
		mg_disable_connection_keep_alive(conn);
		return PB_ERR_LIMIT;
	}
	while ((n = mg_read(conn, buf, sizeof(buf))) > 0) {
		const char *p = buf;
		size_t left = (size_t)n;

		len += (unsigned long long)n;
		if (len > max || util_mono_ms() > until) {
			mg_disable_connection_keep_alive(conn);
			return len > max ? PB_ERR_LIMIT : PB_ERR_TIMEOUT;
		}
		while (left > 0) {
			ssize_t w = write(fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				mg_disable_connection_keep_alive(conn);
				return PB_ERR_IO;
			}
			p += w;
			left -= (size_t)w;
		}
	}
	if (n < 0 || (ri->content_length >= 0 && len != (unsigned long long)ri->content_length)) {
		mg_disable_connection_keep_alive(conn);
		return n == 0 || util_mono_ms() > until ? PB_ERR_TIMEOUT : PB_ERR_IO;
	}
	*outlen = len;
	mg_set_user_connection_data(conn, HTTP__BODY_READ);
	return PB_OK;
}
