/* clockset.h — setting the system clock (docs/APPLIANCE.md, The clock).
 *
 * The box has no real-time clock. When this boot's clock is clearly wrong
 * (off by more than STORE_CLOCK_TOLERANCE_MS) by the hub's Date, or by the
 * agreeing phones (at least [clock] min_phones of them), pamongd asks for
 * the system clock to be set. It has no right to set it itself (no
 * CAP_SYS_TIME, ProtectClock): it writes a request to [clock] set_file,
 * which pamong-clock-set.path hands to the privileged `pamong-clock set`.
 * The request is relative (move by delta_ms) and names the clock it was
 * made against (wall - CLOCK_BOOTTIME), so the helper applies it only to
 * that clock. pamongd sees the jump itself (store_clock_epoch) and records
 * which source set it. */
#ifndef CLOCKSET_H
#define CLOCKSET_H

#include <stdint.h>

#include "store.h"
#include "store_clock.h"

#define CLOCKSET_AGAIN_MS 60000 /* a request is not repeated sooner */

/* path empty: never ask (a PC). */
void clockset_init(struct store *st, const char *path, int min_phones);
/* The current epoch's offset c: ask if it is clearly wrong and vouched for
 * by the hub, or by at least min_phones agreeing phones. */
void clockset_consider(const struct store_clock *c);
/* Ask for the clock to move by offset_ms (source: hub, phone, console):
 * not within CLOCKSET_AGAIN_MS of the last request, nor while the last one
 * is still there (the helper removes it). Returns 0 if a request was
 * written. */
int clockset_request(int64_t offset_ms, const char *source);
/* Write a request for moving the clock by delta_ms into buf (the helper's
 * format); the clock's base and CLOCK_BOOTTIME are given. Returns its
 * length, or -1 if it does not fit. */
int clockset_format(char *buf, size_t len, int64_t base_ms, int64_t mono_ms,
    int64_t delta_ms, const char *source);

#endif
