/* config.h — pamong-hub's configuration: one table of every option. */
#ifndef HUB_CONFIG_H
#define HUB_CONFIG_H

#include <stdio.h>

#include "conf.h"
#include "realip.h"

struct hub_config {
	char listen[CONF_STR_MAX];    /* address to bind, e.g. 127.0.0.1 */
	long port;                    /* TCP port */
	long threads;                 /* CivetWeb worker threads */
	char webroot[CONF_STR_MAX];   /* dashboard files (webroot/hub) */
	char public_url[CONF_STR_MAX];/* how staff and LRSs reach the hub */
	char trusted_proxy[CONF_STR_MAX]; /* proxies' addresses, as written */
	char data_dir[CONF_STR_MAX];  /* SQLite database lives here */
	char db_url[CONF_STR_MAX];    /* "" (data_dir/hub.db), a path or postgresql:// */
	long max_body;                /* upload bytes as sent (gzip) */
	long max_json;                /* upload bytes after gunzip */
	long max_rows;                /* learner + summary rows per chunk */
	long upload_memory;           /* all uploads being unpacked at once */
	long code_ttl_s;              /* default enrollment code lifetime */
	char area_file[CONF_STR_MAX]; /* wilayah.tsv.gz: CODE<TAB>NAME */
	char courses_file[CONF_STR_MAX]; /* courses.tsv: ID<TAB>TITLE */
	long session_hours;           /* staff session lifetime */
	long login_attempts;          /* wrong passwords before a cool-down */
	char lrs_endpoint[CONF_STR_MAX]; /* xAPI LRS base URL; empty = off */
	char lrs_user[CONF_STR_MAX];
	char lrs_password[CONF_STR_MAX];
	struct realip_list proxies;   /* trusted_proxy, parsed by hub_config_load */
};

/* Defaults, then the file at path (if not NULL). */
pb_err hub_config_load(struct hub_config *cfg, const char *path, char *err, size_t errlen);
/* The commented example config (values = defaults). */
void hub_config_example(FILE *f);

#endif
