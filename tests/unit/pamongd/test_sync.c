/* Tests for sync.c against the real pamong-hub (started here on a free
 * port over plain HTTP on loopback) and the real store: enrollment, a
 * first upload of many rows in chunks, an incremental upload after
 * sync_now(), the key file, and the hub's tables equal to the box's.
 * The uplink watch is off here (watch_netlink = 0); tests/net covers it. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "store.h"
#include "store_fixtures.h"
#include "store_learner.h"
#include "store_progress.h"
#include "store_quiz.h"
#include "sync.h"
#include "tap.h"
#include "util.h"

static char tmp[] = "/tmp/pb-unit-sync-XXXXXX";
static char hubbin[512], hubconf[600], hubdb[600];
static pid_t hubpid = -1;
static int hubport;

static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static size_t
discard(char *p, size_t s, size_t n, void *a)
{
	(void)p;
	(void)a;
	return s * n;
}

static int
hub_start(void)
{
	char url[128], log[600];
	FILE *f;
	int i;

	snprintf(hubbin, sizeof(hubbin), "%s/pamong-hub",
	    getenv("BUILD") ? getenv("BUILD") : "build");
	snprintf(hubconf, sizeof(hubconf), "%s/hub.conf", tmp);
	snprintf(hubdb, sizeof(hubdb), "%s/hub/hub.db", tmp);
	snprintf(log, sizeof(log), "%s/hub.log", tmp);
	hubport = free_port();
	if ((f = fopen(hubconf, "w")) == NULL)
		return -1;
	fprintf(f, "[http]\nport = %d\nwebroot = %s\n[storage]\ndata_dir = %s/hub\n"
	    "[area]\nfile =\n", hubport, tmp, tmp);
	fclose(f);
	if ((hubpid = fork()) == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(hubbin, hubbin, "-d", "-f", hubconf, (char *)NULL);
		_exit(127);
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/health", hubport);
	for (i = 0; i < 200; i++) {
		CURL *c = curl_easy_init();
		long code = 0;

		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(c);
		if (code == 200)
			return 0;
		usleep(50000);
	}
	return -1;
}

static void
hub_code(char *code, size_t len)
{
	char cmd[1400];
	FILE *p;

	code[0] = '\0';
	snprintf(cmd, sizeof(cmd), "%s -f %s enroll-code 2>/dev/null", hubbin, hubconf);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(code, (int)len, p) != NULL)
			code[strcspn(code, "\n")] = '\0';
		pclose(p);
	}
}

static int64_t
hub_int(const char *sql)
{
	return file_int(hubdb, SQLITE_OPEN_READONLY, sql);
}

/* One text value from the hub's database ("" if none). */
static void
hub_text(const char *sql, char *out, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	const unsigned char *t;

	out[0] = '\0';
	if (sqlite3_open_v2(hubdb, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && (t = sqlite3_column_text(s, 0)) != NULL)
		snprintf(out, len, "%s", (const char *)t);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* Wait (generously) until sync has succeeded after `after` with nothing
 * pending; returns the final status. */
static void
wait_synced(int64_t after, struct sync_status *ss)
{
	int i;

	for (i = 0; i < 1200; i++) {
		sync_status(ss);
		if (ss->last_success > after && ss->pending == 0 &&
		    strcmp(ss->state, "idle") == 0)
			return;
		usleep(50000);
	}
}

static void
add_learners(struct store *st, int from, int n)
{
	static const char *const villages[] = { "33.02.01.2001", "33.02.02.2003",
		"35.07.01.2001" };
	struct store_learner l;
	char key[64];
	int i, done;

	for (i = from; i < from + n; i++) {
		memset(&l, 0, sizeof(l));
		util_uuid4(l.id);
		snprintf(l.name, sizeof(l.name), "Peserta %d", i);
		snprintf(key, sizeof(key), "peserta %d", i);
		snprintf(l.position, sizeof(l.position), "kepala-desa");
		snprintf(l.village, sizeof(l.village), "%s", villages[i % 3]);
		l.registered_at = util_wall_ms();
		if (store_learner_create(st, &l, key, "x", NULL) != PB_OK)
			continue;
		if (i % 2 == 0)
			store_lesson_complete(st, l.id, "desa-administrasi", "satu", 60, 4, NULL,
			    &done);
	}
}

/* A learner registered in a boot, whose phone is at the box clock + skew
 * (0: sends no clock), opens one lesson of course at wall + 1 s. */
static void
learner_opens_at(struct store *st, const char *name, const char *boot, int64_t wall,
    int64_t skew, const char *course, char id[37])
{
	struct store_when w;

	learner_at(st, name, boot, wall, skew, id);
	w = at(boot, wall + 1000, skew ? wall + 1000 + skew : 0);
	store_lesson_open(st, id, course, "satu", 2, &w);
}

/* Rows recorded in earlier boots with wrong box clocks reach the hub
 * corrected by their own boot's offset (learned from phones), marked per
 * time; rows of a boot nobody vouches for arrive as recorded and marked
 * "none"; rows of this boot follow the hub's Date, not its phones. */
static void
test_clock(struct store *st)
{
	const int64_t now = util_wall_ms();
	const int64_t wa = now - 20 * DAY_MS, wb = now - 5 * DAY_MS, wc = now - 3 * DAY_MS;
	char a1[37], a2[37], a3[37], b1[37], b2[37], c1[37], n1[37], boot[37];
	char sql[300], text[200];
	struct sync_status ss;
	struct store_when w;
	int64_t t0;

	util_boot_id(boot);
	/* boot A: the box clock 10 days behind, three phones agree */
	learner_opens_at(st, "Jam A1", "test-boot-a", wa, 10 * DAY_MS, "desa-keuangan", a1);
	learner_opens_at(st, "Jam A2", "test-boot-a", wa + 5000, 10 * DAY_MS + 1000,
	    "desa-keuangan", a2);
	learner_opens_at(st, "Jam A3", "test-boot-a", wa + 9000, 10 * DAY_MS - 1000,
	    "desa-keuangan", a3);
	/* boot B: the box clock 3 h ahead; a1 completes desa-keuangan here */
	learner_opens_at(st, "Jam B1", "test-boot-b", wb, -3 * HOUR_MS, "desa-keuangan", b1);
	learner_opens_at(st, "Jam B2", "test-boot-b", wb + 3000, -3 * HOUR_MS, "desa-keuangan",
	    b2);
	w = at("test-boot-b", wb + 10000, wb + 10000 - 3 * HOUR_MS);
	store_lesson_complete(st, a1, "desa-keuangan", "satu", 60, 1, &w, NULL);
	store_attempt_create(st, "cccccccc-1111-4111-8111-111111111111", a1,
	    "desa-keuangan", &w);
	store_attempt_finish(st, "cccccccc-1111-4111-8111-111111111111", 100, 1, 1, 50, 1,
	    &w, NULL);
	/* boot C: no phone clocks; this boot: a phone 1 h off */
	learner_opens_at(st, "Tanpa Jam C1", "test-boot-c", wc, 0, "desa-keuangan", c1);
	learner_opens_at(st, "Jam Kini", boot, now, HOUR_MS, "desa-keuangan", n1);

	sync_status(&ss);
	t0 = ss.last_success;
	sync_now();
	wait_synced(t0, &ss);
	CHECK_EQ_STR(ss.state, "idle", "the rows from earlier boots are uploaded");

	snprintf(sql, sizeof(sql), "SELECT registered_at FROM learners WHERE id = '%s'", a1);
	CHECK_EQ_INT(hub_int(sql), wa + 10 * DAY_MS,
	    "the hub holds registered_at from boot A moved by boot A's phone offset");
	snprintf(sql, sizeof(sql), "SELECT times_corrected || ' ' || time_source FROM "
	    "learners WHERE id = '%s'", a1);
	hub_text(sql, text, sizeof(text));
	CHECK_EQ_STR(text, "1 {\"registered_at\":\"phone\"}",
	    "and the learner row says it was corrected by phones");
	snprintf(sql, sizeof(sql), "SELECT first_activity FROM summaries WHERE learner = "
	    "'%s'", a1);
	CHECK_EQ_INT(hub_int(sql), wa + 1000 + 10 * DAY_MS,
	    "first_activity (boot A) moved by boot A's offset");
	snprintf(sql, sizeof(sql), "SELECT completed_at FROM summaries WHERE learner = "
	    "'%s'", a1);
	CHECK_EQ_INT(hub_int(sql), wb + 10000 - 3 * HOUR_MS,
	    "completed_at (boot B) moved by boot B's offset");
	snprintf(sql, sizeof(sql), "SELECT last_activity FROM summaries WHERE learner = "
	    "'%s'", a1);
	CHECK_EQ_INT(hub_int(sql), wb + 10000 - 3 * HOUR_MS,
	    "last_activity (boot B) moved by boot B's offset");
	snprintf(sql, sizeof(sql), "SELECT times_corrected || ' ' || time_source FROM "
	    "summaries WHERE learner = '%s'", a1);
	hub_text(sql, text, sizeof(text));
	CHECK_EQ_STR(text, "1 {\"completed_at\":\"phone\",\"first_activity\":\"phone\","
	    "\"last_activity\":\"phone\"}", "the summary marks each time as phone-corrected");

	snprintf(sql, sizeof(sql), "SELECT first_activity FROM summaries WHERE learner = "
	    "'%s'", c1);
	CHECK_EQ_INT(hub_int(sql), wc + 1000, "a time from boot C arrives as recorded");
	snprintf(sql, sizeof(sql), "SELECT times_corrected || ' ' || time_source FROM "
	    "summaries WHERE learner = '%s'", c1);
	hub_text(sql, text, sizeof(text));
	CHECK_EQ_STR(text, "0 {\"first_activity\":\"none\",\"last_activity\":\"none\"}",
	    "and is marked as not corrected");

	snprintf(sql, sizeof(sql), "SELECT first_activity FROM summaries WHERE learner = "
	    "'%s'", n1);
	CHECK_EQ_INT(hub_int(sql), now + 1000,
	    "a time of this boot follows the hub (no offset here), not its phone 1 h off");
	snprintf(sql, sizeof(sql), "SELECT times_corrected || ' ' || time_source FROM "
	    "summaries WHERE learner = '%s'", n1);
	hub_text(sql, text, sizeof(text));
	CHECK_EQ_STR(text, "0 {\"first_activity\":\"hub\",\"last_activity\":\"hub\"}",
	    "and is marked as vouched for by the hub");
	hub_text("SELECT clock FROM boxes", text, sizeof(text));
	CHECK_EQ_STR(text, "hub", "the upload's health says the clock is the hub's");
}

int
main(void)
{
	struct sync_status ss;
	struct sync_opts o;
	struct store_stats stats;
	struct store *st = NULL;
	char code[64], boxdir[600], dbpath[700], keypath[700];
	struct stat sb;
	int64_t t0;

	log_init("test_sync", 1, 0);
	signal(SIGPIPE, SIG_IGN);
	if (util_init() != PB_OK || mkdtemp(tmp) == NULL)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!CHECK(hub_start() == 0, "the real pamong-hub starts on a free port"))
		goto out;
	hub_code(code, sizeof(code));
	CHECK(strlen(code) == 19, "the hub made an enrollment code");
	snprintf(boxdir, sizeof(boxdir), "%s/box", tmp);
	fs_mkdirs(boxdir, 0700);
	snprintf(dbpath, sizeof(dbpath), "%s/pamong.db", boxdir);
	if (!CHECK(store_open(dbpath, &st) == PB_OK, "the box store opens"))
		goto out;
	add_learners(st, 0, 1200);

	memset(&o, 0, sizeof(o));
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", hubport);
	o.hub_url = url;
	o.enroll_code = code;
	o.box_name = "Kotak Uji";
	o.data_dir = boxdir;
	o.chunk_rows = 250;
	o.interval_s = 3600;
	o.backoff_min_s = 1;
	o.backoff_max_s = 2;
	o.watch_netlink = 0;
	t0 = util_wall_ms();
	CHECK(sync_start(&o, st) == PB_OK, "sync starts");
	wait_synced(0, &ss);
	CHECK_EQ_STR(ss.state, "idle", "the first sync completes");
	CHECK(ss.enrolled, "the box enrolled with the code");
	CHECK_EQ_STR(ss.clock, "hub", "the hub's Date header gave the box the time");
	snprintf(keypath, sizeof(keypath), "%s/sync.key", boxdir);
	CHECK(stat(keypath, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "the box key exists with mode 0600");
	store_stats(st, &stats);
	CHECK_EQ_INT(hub_int("SELECT count(*) FROM learners"), 1200,
	    "the hub holds all 1200 learners");
	CHECK_EQ_INT(hub_int("SELECT count(*) FROM summaries"), 600,
	    "the hub holds all 600 summaries");
	CHECK_EQ_INT(hub_int("SELECT acked_rev FROM boxes"), stats.rev,
	    "the hub acknowledged the box's last rev");
	CHECK_EQ_INT(ss.acked_rev, stats.rev, "the box's cursor equals its last rev");
	CHECK(hub_int("SELECT count(*) FROM uploads") >= 5,
	    "1800 rows went in several chunks of at most 250 of each kind");
	CHECK_EQ_INT(hub_int("SELECT max(learners) FROM uploads"), 250,
	    "no chunk held more than chunk_rows learners");

	t0 = ss.last_success;
	add_learners(st, 5000, 10);
	sync_now();
	wait_synced(t0, &ss);
	CHECK_EQ_INT(hub_int("SELECT count(*) FROM learners"), 1210,
	    "sync_now uploads the 10 new learners");
	CHECK_EQ_INT(hub_int("SELECT count(*) FROM summaries"), 605,
	    "and their 5 summaries");
	CHECK_EQ_INT(hub_int("SELECT count(*) FROM boxes"), 1, "the box enrolled only once");
	{
		json_t *j = sync_status_json();

		CHECK_EQ_STR(json_string_value(json_object_get(j, "state")), "idle",
		    "the health JSON says idle");
		CHECK(json_is_null(json_object_get(j, "last_error")) &&
		    json_is_integer(json_object_get(j, "last_success")) &&
		    json_integer_value(json_object_get(j, "pending")) == 0,
		    "the health JSON has last_error null, last_success and pending 0");
		json_decref(j);
	}
	sync_stop();

	/* restart: the same key and enrollment are used, nothing is resent */
	t0 = util_wall_ms();
	int64_t uploads = hub_int("SELECT sum(learners + summaries) FROM uploads");
	CHECK(sync_start(&o, st) == PB_OK, "sync starts again");
	wait_synced(t0, &ss);
	CHECK(ss.enrolled, "after a restart the box is still enrolled");
	CHECK_EQ_INT(hub_int("SELECT sum(learners + summaries) FROM uploads"), uploads,
	    "after a restart no row is sent again");
	test_clock(st);
	sync_stop();
out:
	if (st != NULL)
		store_close(st);
	if (hubpid > 0) {
		kill(hubpid, SIGTERM);
		waitpid(hubpid, NULL, 0);
	}
	if (getenv("KEEP_TMP") == NULL)
		fs_remove_tree(tmp);
	curl_global_cleanup();
	return TAP_DONE();
}
