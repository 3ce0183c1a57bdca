/* app.h — what the request handlers share: the config and the open store,
 * catalog and area, plus the box's boot identity. Built by main.c. */
#ifndef APP_H
#define APP_H

#include <pthread.h>
#include <stdint.h>

#include "area.h"
#include "auth.h"
#include "catalog.h"
#include "config.h"
#include "store.h"

enum app_state { APP_STARTING, APP_SERVING, APP_STOPPING };

struct app {
	const struct config *cfg;
	struct store *store;
	struct catalog *catalog;
	struct area *area;
	struct auth *auth;
	char boot_id[37];        /* this boot's kernel boot id */
	int64_t started_mono_ms; /* when pamongd started (CLOCK_BOOTTIME) */
	volatile int state;      /* enum app_state */
	char packs_dir[4096];    /* <data_dir>/packs */
	/* the console's one-time setup code for the first facilitator
	 * (api_console.c): "" when none is pending; under setup_mu */
	pthread_mutex_t setup_mu;
	char setup_code[16];
	char setup_path[4096];   /* <data_dir>/console-setup-code */
};

#endif
