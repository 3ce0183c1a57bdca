/* Unit tests for confedit.c: options replaced in place, added to their
 * section or in a new one, comments and other lines kept, bad values refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	unlink(path);
	return TAP_DONE();
}
