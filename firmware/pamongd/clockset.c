/* clockset.c — see clockset.h. */
#include "clockset.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clockmath.h"
#include "fsutil.h"
#include "log.h"
#include "util.h"

static struct {
	pthread_mutex_t mu;
	struct store *st;
	char path[4096];
	int min_phones;
	int64_t last_mono; /* when the last request was written (0: never) */
} C = { PTHREAD_MUTEX_INITIALIZER, NULL, "", 3, 0 };

void
clockset_init(struct store *st, const char *path, int min_phones)
{
	pthread_mutex_lock(&C.mu);
	C.st = st;
	snprintf(C.path, sizeof(C.path), "%s", path ? path : "");
	C.min_phones = min_phones > 0 ? min_phones : 3;
	C.last_mono = 0;
	pthread_mutex_unlock(&C.mu);
}

int
clockset_format(char *buf, size_t len, int64_t base_ms, int64_t mono_ms,
    int64_t delta_ms, const char *source)
{
	int n = snprintf(buf, len, "pamong-clock-set 1\nbase_ms=%lld\nmono_ms=%lld\n"
	    "delta_ms=%lld\nsource=%s\n", (long long)base_ms, (long long)mono_ms,
	    (long long)delta_ms, source);

	return n < 0 || (size_t)n >= len ? -1 : n;
}

int
clockset_request(int64_t offset_ms, const char *source)
{
	char buf[256];
	int64_t mono, wall;
	int n, rc = -1;

	pthread_mutex_lock(&C.mu);
	mono = util_mono_ms();
	if (C.path[0] == '\0' || C.st == NULL || !clockmath_moves(offset_ms) ||
	    (C.last_mono != 0 && mono - C.last_mono < CLOCKSET_AGAIN_MS))
		goto out;
	/* the last request not taken yet: no helper is listening (a PC), or
	 * it is busy; asking again would only repeat the log line */
	if (access(C.path, F_OK) == 0)
		goto out;
	wall = util_wall_ms();
	/* the target must be a plausible time; the helper checks it again */
	if (wall + offset_ms < CLOCKMATH_MIN_PHONE_MS || wall + offset_ms >= CLOCKMATH_MAX_PHONE_MS)
		goto out;
	if ((n = clockset_format(buf, sizeof(buf), wall - mono, mono, offset_ms, source)) < 0)
		goto out;
	C.last_mono = mono;
	store_clock_expect(C.st, offset_ms, source, mono);
	if (fs_write_atomic(C.path, buf, (size_t)n, 0640) != PB_OK) {
		log_warnx("clock: cannot ask for the clock to be set (%s)", C.path);
		goto out;
	}
	log_info("clock: the box clock is off by %+lld s by the %s; asked for it to be set",
	    (long long)(offset_ms / 1000), source);
	rc = 0;
out:
	pthread_mutex_unlock(&C.mu);
	return rc;
}

void
clockset_consider(const struct store_clock *c)
{
	int phones;

	pthread_mutex_lock(&C.mu);
	phones = C.min_phones;
	pthread_mutex_unlock(&C.mu);
	if (c->src == STORE_CLOCK_HUB || c->src == STORE_CLOCK_CONSOLE || (c->src == STORE_CLOCK_PHONE && c->votes >= phones))
		clockset_request(c->offset_ms, store_clock_src_name(c->src));
}
