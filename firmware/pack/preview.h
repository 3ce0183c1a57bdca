/* preview.h — `pamong-pack preview DIR`: the course as the learner app
 * shows it, served on localhost by CivetWeb, without building, signing or
 * a box. The learner app's own files (webroot) talk to a small stand-in of
 * the box's learner API that knows one learner and this one course; every
 * request reads and renders the sources again, so an edit shows on the
 * next reload. */
#ifndef PREVIEW_H
#define PREVIEW_H

#include "pb.h"

struct preview_opts {
	const char *dir;      /* the course folder */
	const char *webroot;  /* the learner app's files; NULL: found beside the program */
	const char *listen;   /* address; "127.0.0.1" */
	long port;            /* 0: 8088 */
	unsigned long long media_budget; /* as validate's --media-budget (0: default) */
};

/* Serve until SIGINT or SIGTERM. Returns PB_OK after a signal,
 * PB_ERR_INVALID when the course has errors at start (printed) or no
 * webroot is found, PB_ERR_IO when the port cannot be opened. */
pb_err preview_run(const struct preview_opts *o);

#endif
