/* store_clock.h — the clock in the store (docs/SYNC.md, Clock; see
 * store.h). The box has no real-time clock. Per boot id the store keeps an
 * offset (real time - the box's wall clock in that boot), learned from the
 * hub's Date header (best; the current boot only) or from the phones'
 * clocks that every write carries (client_ms). Uploaded times are moved by
 * the offset of the boot they were recorded in (store_sync.h). The rule
 * itself is clockmath.h; this keeps its results.
 *
 * A "boot" here is a clock epoch: the part of a kernel boot in which the
 * wall clock keeps one base (wall - CLOCK_BOOTTIME). When the clock jumps
 * (pamong-clock set it from the hub or the phones, timesyncd, a hand) a new
 * epoch begins under a new id; the jump is recorded, so an offset learned
 * in one epoch of a boot gives every other epoch of that boot its own. A
 * boot's first epoch is the kernel's boot id. When an epoch's correction
 * changes, its learners and summaries take new revs: rows uploaded before
 * are sent again with the corrected times. */
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
#define STORE_CLOCK_FIRM_VOTES 3      /* phones whose offset is relearned only per max_age */
#define STORE_CLOCK_JUMP_MS 2000     /* a base moving more than this is a jump */
#define STORE_CLOCK_RESEND_MS 5000   /* a correction changing by this resends rows */
#define STORE_CLOCK_EXPECT_MS 5000   /* a jump this close to the one asked for is it */
#define STORE_CLOCK_EXPECT_AGE_MS 600000 /* a request is forgotten after 10 min */

/* What vouches for a time. */
enum store_clock_src {
	STORE_CLOCK_NONE = 0, /* nothing: the box clock as recorded */
	STORE_CLOCK_PHONE,    /* the boot's offset learned from phones' clocks */
	STORE_CLOCK_HUB,      /* the boot's offset learned from the hub's Date */
	STORE_CLOCK_CONSOLE,  /* set from a facilitator's phone in the console */
};

/* A boot's learned offset. */
struct store_clock {
	int64_t offset_ms;         /* real time - box wall clock */
	enum store_clock_src src;  /* PHONE, HUB or CONSOLE */
	int votes;                 /* phones (one per learner) that agreed; 1 for hub, console */
	int64_t learned_at;        /* box wall ms when learned */
};

/* A recorded wall time as it is uploaded. */
struct store_time {
	int64_t ms;                /* corrected if moved, else as recorded; 0 = none */
	enum store_clock_src src;  /* NONE if ms is 0 or the boot's offset is unknown */
	int moved;                 /* the offset was beyond the tolerance and applied */
};

/* The last jump of the clock in a boot. */
struct store_clock_jump {
	int64_t jump_ms;   /* how far (new - old wall clock) */
	int64_t at_ms;     /* the box's wall ms (the new clock) when noticed */
	char source[12];   /* what set it: hub, phone, console, ntp or other */
	int count;         /* jumps in this boot */
};

/* The clock epoch of a moment of the kernel boot `boot` (CLOCK_BOOTTIME
 * mono_ms, wall clock wall_ms) into out: the current epoch, the one before
 * the last jump, or (the base moved by more than STORE_CLOCK_JUMP_MS) a new
 * epoch, recorded with its jump. Only from outside the writer thread. */
void store_clock_epoch(struct store *st, const char *boot, int64_t mono_ms,
    int64_t wall_ms, char out[37]);
/* The epoch of now in this boot. */
void store_clock_epoch_now(struct store *st, char out[37]);
/* pamongd asked for the system clock to move by delta_ms (at mono_ms): a
 * jump within STORE_CLOCK_EXPECT_MS of it, in the next 10 minutes, is
 * recorded as set by source (hub, phone, console). */
void store_clock_expect(struct store *st, int64_t delta_ms, const char *source,
    int64_t mono_ms);
/* The file the system's NTP client touches after each synchronization
 * (systemd-timesyncd: /run/systemd/timesync/synchronized; "" none): a jump
 * nobody asked for, with the file touched in the new clock between the last
 * read of the old one and the jump's notice, is recorded as set by "ntp". */
void store_clock_ntp_file(struct store *st, const char *path);
/* The last jump recorded in a kernel boot; PB_ERR_NOTFOUND if none. */
pb_err store_clock_last_jump(struct store *st, const char *boot,
    struct store_clock_jump *out);

/* "hub", "phone", "console" or "none". */
const char *store_clock_src_name(enum store_clock_src src);
/* Record a firm offset for a boot, src HUB (the hub's Date: it replaces
 * any other) or CONSOLE (a facilitator's phone: it replaces a phone one, a
 * console one, never the hub's); the other epochs of its kernel boot get
 * theirs through the recorded jumps. Like the hub's, a console offset
 * stops the learning from the learners' phones for its boot. */
pb_err store_clock_set(struct store *st, const char *boot_id, int64_t offset_ms,
    enum store_clock_src src);
#define store_clock_set_hub(st, boot, off) store_clock_set(st, boot, off, STORE_CLOCK_HUB)
/* Learn phone offsets from the events' client_ms (rule in docs/SYNC.md)
 * for boots without a hub offset. current_boot is still collecting events:
 * its result is revised; other boots' results are final. max_age_ms 0:
 * every boot, now (before an upload). max_age_ms > 0: only current_boot (a
 * cheap refresh, e.g. for health), skipped when nothing was written since
 * the last one, or when the boot has a firm offset (the hub's, or at least
 * STORE_CLOCK_FIRM_VOTES phones) and the last one is younger than max_age_ms. */
pb_err store_clock_learn(struct store *st, const char *current_boot, int64_t max_age_ms);
/* The offset known for a boot; PB_ERR_NOTFOUND if none. */
pb_err store_clock_get(struct store *st, const char *boot_id, struct store_clock *out);

#endif
