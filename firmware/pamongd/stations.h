/* stations.h — phones connected to the hotspot, per radio, read from each
 * hostapd's control socket (hostapd's UNIX datagram protocol; one socket
 * per radio in the control directory, named after the interface).
 *
 * One thread. For every socket in the directory it opens two client
 * sockets (autobound in the abstract namespace, so replies reach pamongd
 * even with a private /tmp): one ATTACHed for AP-STA-CONNECTED /
 * AP-STA-DISCONNECTED events, one for commands. It counts with STATUS
 * (num_sta[0], state) when it attaches, after every station event and
 * every few seconds (which also notices a hostapd that went away or
 * restarted). A radio that does not answer is "down" and is tried again.
 * After every change it calls leds_set_wifi with the total (-1 when no
 * radio is up). Each radio's capacity is hostapd's max_num_sta as the
 * render wrote it: the adapter table's limit for its driver (netconf.h),
 * lowered by [hotspot] max_stations. Nothing here blocks a request: the
 * health member is a copy taken under a lock. */
#ifndef STATIONS_H
#define STATIONS_H

#include <stddef.h>

#include "pb.h"

#define STATIONS_MAX_RADIOS 8

struct stations_opts {
	const char *ctrl_dir;   /* hostapd's ctrl_interface directory */
	long max_stations;      /* [hotspot] max_stations; 0 = the adapter table's */
	int set_leds;           /* call leds_set_wifi on changes */
};

/* What a STATUS reply says; pure, for the tests. Returns 0 if the reply
 * had a state line, -1 otherwise. state gets "ENABLED", "DISABLED", …;
 * *phones the sum of num_sta[N] over the BSSes; *channel or 0. */
int stations_parse_status(const char *reply, char *state, size_t statelen, int *phones,
    int *channel);
/* Pure: 1 for "<3>AP-STA-CONNECTED …" / "AP-STA-DISCONNECTED", else 0. */
int stations_is_sta_event(const char *msg);

/* Start the thread; PB_OK unless it cannot start. */
pb_err stations_start(const struct stations_opts *o);
void stations_stop(void);
/* Phones on every radio that is up; -1 if no radio is up (or not started). */
int stations_phones(void);
/* Radios up, and their capacity summed. */
void stations_totals(int *radios_up, int *capacity);
/* The phones the hotspot can take: the radios' capacity summed, or with no
 * radio up the capacity a radio would have under [hotspot] max_stations (the
 * console's Today and Box screens). */
int stations_capacity(long max_stations);

/* The "wifi" member of GET /api/v1/health: state (up, down, off), phones,
 * capacity, warning (null or a sentence), radios [{interface, driver,
 * state, phones, capacity, channel, isolates}]. New reference. */
struct json_t;
struct json_t *stations_status_json(void);

#endif
