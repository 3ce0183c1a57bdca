/* fuzz_config — a pamongd config file through the real conf.c (inih) with
 * pamongd's option table (config.c): config_load() reads it, config_check()
 * looks at the paths it names (only stat and access; nothing is written).
 *
 * A file that loads must give values within each option's limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"

static char conf_path[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", 1, 0);
	fuzz_scratch("config");
	fuzz_path(conf_path, "pamongd.conf");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512];

	fuzz_write(conf_path, data, size);
	err[0] = '\0';
	if (config_load(&cfg, conf_path, err, sizeof(err)) != PB_OK) {
		if (strncmp(err, conf_path, strlen(conf_path)) != 0)
			abort(); /* every refusal says which file */
		return 0;
	}
	if (cfg.port < 1 || cfg.port > 65535 || cfg.threads < 8 || cfg.threads > 2000 ||
	    cfg.max_body < 1024 || cfg.max_body > 1048576 ||
	    (cfg.group_commit != 0 && cfg.group_commit != 1) ||
	    (cfg.dev_mode != 0 && cfg.dev_mode != 1) ||
	    memchr(cfg.data_dir, '\0', sizeof(cfg.data_dir)) == NULL ||
	    memchr(cfg.hub_url, '\0', sizeof(cfg.hub_url)) == NULL)
		abort();
	(void)config_check(&cfg, err, sizeof(err));
	return 0;
}
