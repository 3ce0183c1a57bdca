/* test_clockmath.c — the clock-correction rule on its own (clockmath.c):
 * medians, one vote per learner, the strict majority within the agreement
 * window, the tolerance below which nothing moves, and when a revised
 * phone offset is worth a write. No store, no SQLite. */
#include <string.h>
#include <time.h>

#include "clockmath.h"
#include "tap.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)

static int64_t
utc_ms(int year, int mon, int day)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	return (int64_t)timegm(&tm) * 1000;
}

static void
test_median(void)
{
	const int64_t one[] = { 7 }, odd[] = { 1, 5, 9 }, even[] = { 10, 20 };
	const int64_t half[] = { 1, 2 }, neg[] = { -3, -2 }, four[] = { 1, 3, 5, 100 };

	CHECK_EQ_INT(clockmath_median(one, 1), 7, "the median of one value is that value");
	CHECK_EQ_INT(clockmath_median(odd, 3), 5, "an odd count's median is the middle value");
	CHECK_EQ_INT(clockmath_median(even, 2), 15,
	    "an even count's median is the mean of the middle two");
	CHECK_EQ_INT(clockmath_median(four, 4), 4, "of four values, the middle two count");
	CHECK_EQ_INT(clockmath_median(half, 2), 1, "a half millisecond is rounded down");
	CHECK_EQ_INT(clockmath_median(neg, 2), -3, "also below zero (towards the lower)");
}

static void
test_vote(void)
{
	int64_t off;
	int64_t three[] = { 3 * DAY_MS + 1000, 3 * DAY_MS, 3 * DAY_MS - 1000 };
	int64_t outlier[] = { 0, 500, 1000, 5 * HOUR_MS };
	int64_t two_apart[] = { 0, 3 * HOUR_MS };
	int64_t split[] = { 0, 1000, 10 * HOUR_MS, 10 * HOUR_MS + 1000 };
	int64_t edge_in[] = { 0, CLOCKMATH_AGREE_MS };
	int64_t edge_out[] = { 0, CLOCKMATH_AGREE_MS + 1 };
	int64_t below_in[] = { 0, CLOCKMATH_AGREE_MS, CLOCKMATH_AGREE_MS };
	int64_t below_out[] = { 0, CLOCKMATH_AGREE_MS + 1, CLOCKMATH_AGREE_MS + 1 };
	int64_t unsorted[] = { 5, 1, 3 };
	int64_t single[] = { -2 * HOUR_MS };

	off = 42;
	CHECK_EQ_INT(clockmath_vote(NULL, 0, &off), 0, "no votes decide nothing");
	CHECK_EQ_INT(off, 42, "and leave the offset as it was");

	CHECK_EQ_INT(clockmath_vote(single, 1, &off), 1, "one phone alone decides");
	CHECK_EQ_INT(off, -2 * HOUR_MS, "its difference is the offset");

	CHECK_EQ_INT(clockmath_vote(three, 3, &off), 3,
	    "three phones within a second all agree");
	CHECK_EQ_INT(off, 3 * DAY_MS, "the offset is their median");

	CHECK_EQ_INT(clockmath_vote(outlier, 4, &off), 3,
	    "a phone 5 h off is left out of the agreement");
	CHECK_EQ_INT(off, 500, "and does not move the median of the others");

	off = 42;
	CHECK_EQ_INT(clockmath_vote(two_apart, 2, &off), 0,
	    "two phones 3 h apart decide nothing");
	CHECK_EQ_INT(off, 42, "and leave the offset as it was");
	CHECK_EQ_INT(clockmath_vote(split, 4, &off), 0,
	    "two against two is not a strict majority");

	CHECK_EQ_INT(clockmath_vote(edge_in, 2, &off), 2,
	    "phones exactly the agreement window apart agree");
	CHECK_EQ_INT(off, CLOCKMATH_AGREE_MS / 2, "and meet in the middle");
	CHECK_EQ_INT(clockmath_vote(edge_out, 2, &off), 0,
	    "a millisecond beyond the window they do not");
	CHECK_EQ_INT(clockmath_vote(below_in, 3, &off), 3,
	    "below the median, the window's edge is inside too");
	CHECK_EQ_INT(clockmath_vote(below_out, 3, &off), 2,
	    "and a millisecond beyond it is left out");

	CHECK_EQ_INT(clockmath_vote(unsorted, 3, &off), 3, "votes may come in any order");
	CHECK(off == 3 && unsorted[0] == 1 && unsorted[1] == 3 && unsorted[2] == 5,
	    "they are sorted and the median taken");
}

static void
test_boot(void)
{
	struct clockmath_boot b;
	int64_t off;
	int votes, i, ok;

	memset(&b, 0, sizeof(b));
	/* readings sorted by learner: budi; a busy phone 5 h off; siti */
	ok = clockmath_boot_add(&b, "budi", 900) == PB_OK;
	for (i = 0; i < 20; i++)
		ok = ok && clockmath_boot_add(&b, "busy", 5 * HOUR_MS + i) == PB_OK;
	ok = ok && clockmath_boot_add(&b, "siti", 1000) == PB_OK;
	ok = ok && clockmath_boot_add(&b, "siti", 1100) == PB_OK;
	ok = ok && clockmath_boot_add(&b, "siti", 1200) == PB_OK;
	CHECK(ok, "a boot's readings are added");
	CHECK(clockmath_boot_decide(&b, &off, &votes) == PB_OK, "the boot is decided");
	CHECK_EQ_INT(votes, 2,
	    "twenty readings of the busy phone are one vote: the two others outvote it");
	CHECK_EQ_INT(off, 1000,
	    "the offset is the median of the agreeing learners' medians (900, 1100)");

	off = 42;
	CHECK(clockmath_boot_decide(&b, &off, &votes) == PB_OK && votes == 0 && off == 42,
	    "deciding leaves the boot empty: nothing carries into the next one");

	clockmath_boot_add(&b, "siti", 100);
	clockmath_boot_decide(&b, &off, &votes);
	clockmath_boot_add(&b, "siti", 300);
	clockmath_boot_decide(&b, &off, &votes);
	CHECK(votes == 1 && off == 300,
	    "the same learner in the next boot votes there only");

	clockmath_boot_add(&b, "", 5);
	clockmath_boot_add(&b, "", 7);
	clockmath_boot_decide(&b, &off, &votes);
	CHECK(votes == 1 && off == 6, "events without a learner are one voter");
	clockmath_boot_free(&b);
	CHECK(b.vals.v == NULL && b.votes.v == NULL, "free leaves the boot empty");
}

static void
test_tolerance(void)
{
	CHECK(!clockmath_moves(0), "no offset moves nothing");
	CHECK(!clockmath_moves(CLOCKMATH_TOLERANCE_MS), "an offset at the tolerance is not applied");
	CHECK(!clockmath_moves(-CLOCKMATH_TOLERANCE_MS), "nor one as far behind");
	CHECK(clockmath_moves(CLOCKMATH_TOLERANCE_MS + 1), "a millisecond beyond it is applied");
	CHECK(clockmath_moves(-CLOCKMATH_TOLERANCE_MS - 1), "behind as well as ahead");
	CHECK(clockmath_moves(3 * DAY_MS), "a box three days behind is corrected");

	CHECK(clockmath_phone_same(HOUR_MS, 3, HOUR_MS + 999, 3),
	    "a median that moved under a second with the same votes is not rewritten");
	CHECK(clockmath_phone_same(HOUR_MS, 3, HOUR_MS - 999, 3), "in either direction");
	CHECK(!clockmath_phone_same(HOUR_MS, 3, HOUR_MS + 1000, 3),
	    "a second or more is rewritten");
	CHECK(!clockmath_phone_same(HOUR_MS, 3, HOUR_MS, 4), "so is a change in the votes");
}

static void
test_phone_window(void)
{
	CHECK_EQ_INT(CLOCKMATH_MIN_PHONE_MS, utc_ms(2024, 1, 1),
	    "phone clocks before 2024-01-01 are not believed");
	CHECK_EQ_INT(CLOCKMATH_MAX_PHONE_MS, utc_ms(2100, 1, 1),
	    "nor from 2100-01-01 on");
	CHECK(utc_ms(2019, 1, 1) < CLOCKMATH_MIN_PHONE_MS,
	    "a phone left at its 2019 factory date is outside the window");
}

int
main(void)
{
	test_median();
	test_vote();
	test_boot();
	test_tolerance();
	test_phone_window();
	return TAP_DONE();
}
