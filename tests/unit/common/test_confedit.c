/* Unit tests for confedit.c: options replaced in place, added to their
 * section or in a new one, comments and other lines kept, bad values refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confedit.h"
#include "fsutil.h"
#include "tap.h"

static char path[64];

static char *
edit(const char *before, const struct confedit_kv *kv, size_t n, pb_err *rc)
{
	char *out = NULL;

	unlink(path);
	if (before != NULL)
		fs_write_atomic(path, before, strlen(before), 0600);
	*rc = confedit_set(path, kv, n);
	if (fs_read_file(path, 1 << 20, &out, NULL) != PB_OK)
		return NULL;
	return out;
}

int
main(void)
{
	const char *conf = "# the box\n[http]\nport = 8080\n\n[sync]\n; the hub\nhub_url = \n"
	    "box_name = Lama\n\n[area]\ncodes = 33.02\n";
	struct confedit_kv kv[] = {
		{ "sync", "box_name", "Kotak Kebasen" },
		{ "sync", "enroll_code", "ABCD-EFGH" },
		{ "area", "codes", "33.02.05,33.03" },
		{ "hotspot", "ssid", "Pamong Kebasen" },
	};
	struct confedit_kv bad[] = { { "sync", "box_name", "x; y" } };
	struct confedit_kv nl[] = { { "sync", "box_name", "x\ny" } };
	pb_err rc;
	char *out;

	snprintf(path, sizeof(path), "/tmp/pb-confedit-%d.conf", (int)getpid());
	out = edit(conf, kv, 4, &rc);
	CHECK_EQ_INT(rc, PB_OK, "four options set");
	CHECK_EQ_STR(out, "# the box\n[http]\nport = 8080\n\n[sync]\n; the hub\nhub_url = \n"
	    "box_name = Kotak Kebasen\nenroll_code = ABCD-EFGH\n\n[area]\ncodes = 33.02.05,33.03\n"
	    "\n[hotspot]\nssid = Pamong Kebasen\n",
	    "replaced in place, added at the end of its section, a new section at the end");
	free(out);
	out = edit(NULL, kv, 1, &rc);
	CHECK(rc == PB_OK && out && strcmp(out, "[sync]\nbox_name = Kotak Kebasen\n") == 0,
	    "a missing file is created");
	free(out);
	out = edit(conf, bad, 1, &rc);
	CHECK(rc == PB_ERR_INVALID && out && strcmp(out, conf) == 0,
	    "a value with ';' is refused and the file is unchanged");
	free(out);
	out = edit(conf, nl, 1, &rc);
	CHECK(rc == PB_ERR_INVALID && out && strcmp(out, conf) == 0, "so is a value with a newline");
	free(out);

	/* the image: /etc/pamong/pamongd.conf links to the data partition */
	{
		char dir[64], link[96], real[128];
		struct stat st;

		snprintf(dir, sizeof(dir), "/tmp/pb-confedit-%d.d", (int)getpid());
		snprintf(link, sizeof(link), "%s/pamongd.conf", dir);
		snprintf(real, sizeof(real), "%s", path);
		mkdir(dir, 0700);
		unlink(link);
		fs_write_atomic(real, conf, strlen(conf), 0600);
		CHECK_EQ_INT(symlink(real, link), 0, "a config file behind a link");
		CHECK_EQ_INT(confedit_set(link, kv, 1), PB_OK, "is set through the link");
		CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "the link stays a link");
		out = NULL;
		fs_read_file(real, 1 << 20, &out, NULL);
		CHECK(out != NULL && strstr(out, "box_name = Kotak Kebasen\n") != NULL,
		    "and the file it names has the change");
		free(out);
		snprintf(real, sizeof(real), "%s.tmp", link);
		CHECK(access(real, F_OK) != 0, "nothing was written beside the link");
		unlink(link);
		rmdir(dir);
	}
	unlink(path);
	return TAP_DONE();
}
