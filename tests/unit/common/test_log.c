/* Unit tests for log.c's log_warnx_limited: a repeated text is logged once,
 * a different one at once; each message is one line. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

/* Lines in path that contain s. */
static int
lines_with(const char *path, const char *s)
{
	char line[1400];
	int n = 0;
	FILE *f = fopen(path, "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, s) != NULL;
	if (f != NULL)
		fclose(f);
	return n;
}

int
main(void)
{
	static struct log_limit lim = LOG_LIMIT_INIT;
	char path[64];
	int fd, saved, i;

	snprintf(path, sizeof(path), "/tmp/pb-log-%d.txt", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved = dup(STDERR_FILENO);
	if (!CHECK(fd >= 0 && saved >= 0, "a file to log into"))
		return TAP_DONE();
	dup2(fd, STDERR_FILENO);
	log_init("test_log", 1, 0);
	for (i = 0; i < 50; i++)
		log_warnx_limited(&lim, "store: writes fail: %s", "disk I/O error");
	log_warnx_limited(&lim, "store: writes fail: %s", "database or disk is full");
	log_warnx_limited(&lim, "store: writes fail: %s", "database or disk is full");
	dup2(saved, STDERR_FILENO);
	close(fd);

	CHECK_EQ_INT(lines_with(path, "disk I/O error"), 1,
	    "50 identical warnings within a minute are logged once");
	CHECK_EQ_INT(lines_with(path, "database or disk is full"), 1,
	    "a different warning is logged at once, and once");
	CHECK_EQ_INT(lines_with(path, "warning"), 2, "two lines in all");
	unlink(path);
	return TAP_DONE();
}
