/* store_clock.h — the clock in the store (docs/SYNC.md, Clock; see
 * store.h). The box has no real-time clock. Per boot id the store keeps an
 * offset (real time - the box's wall clock in that boot), learned from the
 * hub's Date header (best; the current boot only) or from the phones'
 * clocks that every write carries (client_ms). Uploaded times are moved by
 * the offset of the boot they were recorded in (store_sync.h). The rule
 * itself is clockmath.h; this keeps its results. */
#ifndef STORE_CLOCK_H
#define STORE_CLOCK_H

#include <stdint.h>

#include "clockmath.h"
#include "pb.h"
#include "store.h"

#define STORE_CLOCK_TOLERANCE_MS CLOCKMATH_TOLERANCE_MS /* a smaller offset is not applied */
#define STORE_CLOCK_AGREE_MS CLOCKMATH_AGREE_MS /* phones this close to the median agree */
#define STORE_CLOCK_MIN_PHONE_MS CLOCKMATH_MIN_PHONE_MS /* 2024-01-01: earlier is wrong */
#define STORE_CLOCK_MAX_PHONE_MS CLOCKMATH_MAX_PHONE_MS /* 2100-01-01: later is wrong */

/* What vouches for a time. */
enum store_clock_src {
	STORE_CLOCK_NONE = 0, /* nothing: the box clock as recorded */
	STORE_CLOCK_PHONE,    /* the boot's offset learned from phones' clocks */
	STORE_CLOCK_HUB,      /* the boot's offset learned from the hub's Date */
};

/* A boot's learned offset. */
struct store_clock {
	int64_t offset_ms;         /* real time - box wall clock */
	enum store_clock_src src;  /* PHONE or HUB */
	int votes;                 /* phones (one per learner) that agreed; 1 for hub */
	int64_t learned_at;        /* box wall ms when learned */
};

/* A recorded wall time as it is uploaded. */
struct store_time {
	int64_t ms;                /* corrected if moved, else as recorded; 0 = none */
	enum store_clock_src src;  /* NONE if ms is 0 or the boot's offset is unknown */
	int moved;                 /* the offset was beyond the tolerance and applied */
};

/* "hub", "phone" or "none". */
const char *store_clock_src_name(enum store_clock_src src);
/* Record the hub's offset for a boot (it replaces a phone one). */
pb_err store_clock_set_hub(struct store *st, const char *boot_id, int64_t offset_ms);
/* Learn phone offsets from the events' client_ms (rule in docs/SYNC.md)
 * for boots without a hub offset. current_boot is still collecting events:
 * its result is revised; other boots' results are final. max_age_ms 0:
 * every boot, now (before an upload). max_age_ms > 0: only current_boot (a
 * cheap refresh, e.g. for health), skipped when nothing was written since
 * the last one, or when the boot has an offset and the last one is younger
 * than max_age_ms. */
pb_err store_clock_learn(struct store *st, const char *current_boot, int64_t max_age_ms);
/* The offset known for a boot; PB_ERR_NOTFOUND if none. */
pb_err store_clock_get(struct store *st, const char *boot_id, struct store_clock *out);

#endif
