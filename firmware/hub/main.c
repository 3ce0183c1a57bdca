/* main.c — pamong-hub: flags, staff commands, start-up and shutdown. */
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <termios.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "courses.h"
#include "db.h"
#include "dbcopy.h"
#include "fsutil.h"
#include "import.h"
#include "ingest.h"
#include "log.h"
#include "password.h"
#include "region.h"
#include "staff.h"
#include "util.h"
#include "web.h"
#include "xapi.h"

#define DEFAULT_CONF "/etc/pamong-hub.conf"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pamong-hub [-dnv] [-f FILE]              run the hub\n"
	    "       pamong-hub [-f FILE] enroll-code [--ttl 7d] [--count N]\n"
	    "                                      make box enrollment codes (one a line)\n"
	    "       pamong-hub [-f FILE] add-user [--role R] [--area CODE] [--reset] NAME\n"
	    "                                      add a staff user (password on stdin); role\n"
	    "                                      admin (default), staff or readonly; area a\n"
	    "                                      province (33) or regency (33.02) code;\n"
	    "                                      --reset sets a new password for an existing one\n"
	    "       pamong-hub [-f FILE] xapi-export [--forward]  print (or send) xAPI statements\n"
	    "       pamong-hub migrate --from HUB.DB --to postgresql://USER@HOST/DB\n"
	    "                                      copy a stopped SQLite hub into an empty database\n"
	    "       pamong-hub [-f FILE] import BUNDLE   apply a sync bundle carried from a box\n"
	    "       pamong-hub --print-config | --help | --version\n"
	    "\n"
	    "  -d  stay in the foreground and log to stderr\n"
	    "  -v  more log messages\n"
	    "  -f  config file (default " DEFAULT_CONF " if it exists)\n"
	    "  -n  check the config and exit\n"
	    "\n"
	    "Pusat Pamong Box: menerima unggahan dari kotak, dasbor untuk staf.\n"
	    "Central hub of Pamong Box: receives uploads from boxes, staff dashboard.\n");
}

/* "7d", "12h", "30m", "90s" or plain seconds. -1 if malformed. */
static long
parse_ttl(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || v <= 0)
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	return v;
}

static pb_err
open_db(const struct hub_config *cfg, int nconn, int serving, struct hubdb **db)
{
	/* the serving hub folds a backlog once it listens */
	pb_err (*open)(const char *, int, struct hubdb **) = serving ?
	    hubdb_open_serving : hubdb_open;
	char path[PATH_MAX];

	if (cfg->db_url[0] != '\0')
		return open(cfg->db_url, nconn, db);
	if (fs_mkdirs(cfg->data_dir, 0750) != PB_OK) {
		log_warn("%s", cfg->data_dir);
		return PB_ERR_IO;
	}
	snprintf(path, sizeof(path), "%s/hub.db", cfg->data_dir);
	return open(path, nconn, db);
}

static int
cmd_enroll_code(const struct hub_config *cfg, int argc, char **argv)
{
	char code[INGEST_CODE_LEN], iso[32], *end;
	struct hubdb *db = NULL;
	long ttl = cfg->code_ttl_s, count = 1, i;
	int64_t expires = 0;
	int rc = 1, a;

	for (a = 1; a < argc; a += 2) {
		if (a + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		if (strcmp(argv[a], "--ttl") == 0) {
			ttl = parse_ttl(argv[a + 1]);
		} else if (strcmp(argv[a], "--count") == 0) {
			errno = 0;
			count = strtol(argv[a + 1], &end, 10);
			if (errno != 0 || *end != '\0' || count < 1 || count > 10000) {
				fprintf(stderr, "pamong-hub: --count must be 1..10000\n");
				return 2;
			}
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (ttl < 60 || ttl > 31536000) {
		fprintf(stderr, "pamong-hub: --ttl must be 60s..365d (e.g. 7d, 12h)\n");
		return 2;
	}
	if (open_db(cfg, 1, 0, &db) != PB_OK)
		goto out;
	for (i = 0; i < count; i++) {
		if (ingest_code_create(db, util_wall_ms(), (int64_t)ttl * 1000, code, &expires) !=
		    PB_OK)
			goto out;
		printf("%s\n", code);
	}
	if (fflush(stdout) != 0)
		goto out;
	util_iso8601(iso, expires);
	fprintf(stderr, "%s berlaku sampai / valid until %s (sekali pakai / single use)\n",
	    count == 1 ? "Kode pendaftaran / enrollment code" :
	    "Kode-kode pendaftaran / enrollment codes", iso);
	rc = 0;
out:
	hubdb_close(db);
	return rc;
}

static int
cmd_add_user(const struct hub_config *cfg, int argc, char **argv)
{
	char pw[1024];
	struct hubdb *db = NULL;
	struct termios old, quiet;
	const char *role = "admin", *area = "", *name = NULL;
	int tty = isatty(STDIN_FILENO), rc = 1, reset = 0, a;
	enum password_problem why;
	pb_err r;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--reset") == 0) {
			reset = 1;
		} else if (strcmp(argv[a], "--role") == 0 && a + 1 < argc) {
			role = argv[++a];
		} else if (strcmp(argv[a], "--area") == 0 && a + 1 < argc) {
			area = argv[++a];
		} else if (argv[a][0] != '-' && name == NULL) {
			name = argv[a];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (name == NULL) {
		usage(stderr);
		return 2;
	}
	if (!staff_name_valid(name)) {
		fprintf(stderr, "pamong-hub: nama harus 1..64 karakter A-Z a-z 0-9 . _ - /"
		    " the name must be 1..64 of A-Z a-z 0-9 . _ -\n");
		return 2;
	}
	if (!staff_role_valid(role) || !staff_area_valid(role, area)) {
		fprintf(stderr, "pamong-hub: peran admin, staff atau readonly; wilayah kode"
		    " provinsi (33) atau kabupaten (33.02), admin hanya nasional /"
		    " role admin, staff or readonly; area a province (33) or regency (33.02)"
		    " code, admin only national\n");
		return 2;
	}
	if (tty) {
		fprintf(stderr, "Kata sandi / password for %s: ", name);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		pw[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fputc('\n', stderr);
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	if ((why = password_check(name, pw)) != PASSWORD_OK) {
		fprintf(stderr, "pamong-hub: %s\n", password_message(why));
		rc = 2;
		goto out;
	}
	if (open_db(cfg, 1, 0, &db) != PB_OK)
		goto out;
	r = reset ? staff_user_reset(db, name, pw) :
	    staff_user_create(db, name, pw, role, area, util_wall_ms());
	if (r == PB_ERR_EXISTS) {
		fprintf(stderr, "pamong-hub: pengguna %s sudah ada; --reset untuk mengganti kata"
		    " sandinya / user %s exists; --reset sets a new password\n", name, name);
		goto out;
	}
	if (r == PB_ERR_NOTFOUND) {
		fprintf(stderr, "pamong-hub: tidak ada pengguna %s / no user %s\n", name, name);
		goto out;
	}
	if (r != PB_OK)
		goto out;
	fprintf(stderr, reset ? "password of %s reset\n" : "user %s saved\n", name);
	rc = 0;
out:
	sodium_memzero(pw, sizeof(pw));
	hubdb_close(db);
	return rc;
}

static int
cmd_xapi_export(const struct hub_config *cfg, int argc, char **argv)
{
	struct xapi_forward_result res;
	struct hubdb *db = NULL;
	json_t *stmts = NULL;
	struct hdb_conn *c;
	int forward = argc == 2 && strcmp(argv[1], "--forward") == 0, rc = 1;
	pb_err r;

	if (argc != 1 && !forward) {
		usage(stderr);
		return 2;
	}
	if (forward && cfg->lrs_endpoint[0] == '\0') {
		fprintf(stderr, "pamong-hub: set xapi.lrs_endpoint to forward\n");
		return 2;
	}
	if (open_db(cfg, 1, 0, &db) != PB_OK)
		goto out;
	c = hubdb_get(db);
	r = xapi_statements(c, cfg->public_url, 0, "", &stmts);
	hubdb_put(db, c);
	if (r != PB_OK)
		goto out;
	if (!forward) {
		if (json_dumpf(stmts, stdout, JSON_INDENT(1)) != 0)
			goto out;
		putchar('\n');
		rc = 0;
		goto out;
	}
	r = xapi_forward(cfg->lrs_endpoint, cfg->lrs_user, cfg->lrs_password, stmts, &res);
	printf("sent %d, already stored %d, failed %d%s%s\n", res.sent, res.already,
	    res.failed, res.last_error[0] ? ": " : "", res.last_error);
	rc = r == PB_OK ? 0 : 1;
out:
	json_decref(stmts);
	hubdb_close(db);
	return rc;
}

/* Apply a sync bundle file with the same rules as live uploads. */
static int
cmd_import(const struct hub_config *cfg, int argc, char **argv)
{
	struct ingest_limits lim = { (size_t)cfg->max_body, (size_t)cfg->max_json,
		(size_t)cfg->max_rows, (size_t)cfg->upload_memory };
	struct import_result res;
	struct hubdb *db = NULL;
	char *text = NULL;
	size_t len = 0;
	pb_err r;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if ((r = fs_read_file(argv[1], IMPORT_MAX_BYTES, &text, &len)) != PB_OK) {
		fprintf(stderr, "pamong-hub: %s: %s\n", argv[1], r == PB_ERR_LIMIT ?
		    "larger than 64 MB" : strerror(errno));
		return 1;
	}
	if (open_db(cfg, 1, 0, &db) != PB_OK) {
		free(text);
		return 1;
	}
	import_bundle(db, &lim, text, len, util_wall_ms(), &res);
	free(text);
	hubdb_close(db);
	if (res.error != NULL) {
		fprintf(stderr, "pamong-hub: %s: %d of %d chunks applied, then refused: %s (%s)\n",
		    argv[1], res.applied, res.chunks, res.error, res.message);
		return 1;
	}
	printf("box %s: %d chunks applied%s, the hub holds rev %lld\n", res.box, res.applied,
	    res.enrolled ? ", box enrolled" : "", (long long)res.acked_rev);
	return 0;
}

static int
cmd_migrate(int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--from") == 0)
			from = argv[a + 1];
		else if (strcmp(argv[a], "--to") == 0)
			to = argv[a + 1];
		else
			break;
	}
	if (a != argc || from == NULL || to == NULL) {
		usage(stderr);
		return 2;
	}
	if (!hdb_url_is_pg(to) && strcmp(from, to) == 0) {
		fprintf(stderr, "pamong-hub: --from and --to are the same database\n");
		return 2;
	}
	if (dbcopy_run(from, to, stdout) != PB_OK) {
		fprintf(stderr, "pamong-hub: migrate failed; the target is unchanged\n");
		return 1;
	}
	fprintf(stderr, "pindah selesai / migrated: set [db] url to the new database and"
	    " start the hub\n");
	return 0;
}

static int
serve(const struct hub_config *cfg)
{
	struct region *region = NULL;
	struct courses *courses = NULL;
	struct hubdb *db = NULL;
	struct web *web = NULL;
	char err[600];
	sigset_t set;
	int sig = 0, rc = 1;

	if (cfg->area_file[0] != '\0') {
		pb_err r = region_load(cfg->area_file, &region, err, sizeof(err));

		if (r == PB_ERR_INVALID)
			goto bad_area;
		if (r != PB_OK)
			log_warnx("%s; the dashboard shows region codes only", err);
		else
			log_info("%zu region names from %s", region_count(region),
			    cfg->area_file);
	}
	if (cfg->courses_file[0] != '\0') {
		pb_err r = courses_load(cfg->courses_file, &courses, err, sizeof(err));

		if (r == PB_ERR_INVALID)
			goto bad_area;
		if (r != PB_OK)
			log_warnx("%s; the dashboard shows course ids only", err);
		else
			log_info("%zu course titles from %s", courses_count(courses),
			    cfg->courses_file);
	}
	if (open_db(cfg, (int)(cfg->threads < 16 ? cfg->threads : 16), 1, &db) != PB_OK)
		goto out;
	if (region != NULL)
		(void)hubdb_region_names(db, region); /* logged; the dashboard works without */
	/* block the stop signals in every thread; main waits for them */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (web_start(cfg, db, region, courses, &web) != PB_OK)
		goto out;
	hubdb_fold_backlog(db);
	(void)sd_notify(0, "READY=1\nSTATUS=serving");
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: nothing to reload; restart to apply config changes");
			continue;
		}
		break;
	}
	log_info("stopping (signal %d)", sig);
	(void)sd_notify(0, "STOPPING=1");
	rc = 0;
	goto out;
bad_area:
	log_warnx("%s", err);
out:
	web_stop(web);
	hubdb_close(db);
	region_free(region);
	courses_free(courses);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "print-config", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	struct hub_config cfg;
	const char *conf = NULL;
	int fg = 0, verbose = 0, check = 0, ch, rc;
	char err[600];

	while ((ch = getopt_long(argc, argv, "+dvnf:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': fg = 1; break;
		case 'v': verbose = 1; break;
		case 'n': check = 1; break;
		case 'f': conf = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("pamong-hub %s\n", PB_VERSION); return 0;
		case 'P': hub_config_example(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	log_init("pamong-hub", fg || argc > 0, verbose);
	umask(027); /* hub.db and its WAL hold every learner: not for other users */
	if (conf == NULL && access(DEFAULT_CONF, F_OK) == 0)
		conf = DEFAULT_CONF;
	if (hub_config_load(&cfg, conf, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "pamong-hub: %s\n", err);
		return 1;
	}
	if (check) {
		fprintf(stderr, "pamong-hub: configuration %s OK\n", conf ? conf : "(defaults)");
		return 0;
	}
	/* Upload buffers (up to upload.max_json) come from mmap and go back to
	 * the system when freed. Without a fixed threshold glibc raises it
	 * after the first large free, and each worker thread's arena then keeps
	 * the last large upload's pages: upload.memory would bound what is in
	 * use but not the resident size. */
	(void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	if (util_init() != PB_OK)
		fatalx("libsodium failed to initialise");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("libcurl failed to initialise");
	if (argc == 0)
		rc = serve(&cfg);
	else if (strcmp(argv[0], "enroll-code") == 0)
		rc = cmd_enroll_code(&cfg, argc, argv);
	else if (strcmp(argv[0], "add-user") == 0)
		rc = cmd_add_user(&cfg, argc, argv);
	else if (strcmp(argv[0], "xapi-export") == 0)
		rc = cmd_xapi_export(&cfg, argc, argv);
	else if (strcmp(argv[0], "migrate") == 0)
		rc = cmd_migrate(argc, argv);
	else if (strcmp(argv[0], "import") == 0)
		rc = cmd_import(&cfg, argc, argv);
	else {
		usage(stderr);
		rc = 2;
	}
	curl_global_cleanup();
	return rc;
}
