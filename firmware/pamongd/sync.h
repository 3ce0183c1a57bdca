/* sync.h — uploads to pamong-hub when a link appears (docs/SYNC.md).
 *
 * One thread. It sleeps while there is no uplink (uplink.c tells it about
 * default routes; nothing is polled), and when a link appears it checks that
 * the hub answers (GET /api/v1/health, which also gives the time), enrolls
 * once with the configured code, then uploads every learner and summary row
 * changed since the hub's last acknowledged rev in signed gzip chunks over
 * HTTPS (libcurl, certificate verified). The store's cursor moves only to
 * the rev the hub answers. Failures back off exponentially. The box's
 * Ed25519 key is made on first start in the data dir (sync.key, 0600). */
#ifndef SYNC_H
#define SYNC_H

#include <stdint.h>

#include "pb.h"
#include "store.h"

struct sync_opts {
	const char *hub_url;      /* e.g. "https://hub.example.org"; "" = sync off */
	const char *ca_file;      /* PEM CA bundle to verify the hub; "" = system store */
	const char *pinned_key;   /* CURLOPT_PINNEDPUBLICKEY ("sha256//…" or a PEM/DER
	                           * file); "" = no pinning */
	const char *enroll_code;  /* code from the hub's staff; "" = do not enroll */
	const char *box_name;     /* shown on the hub's boxes page */
	const char *data_dir;     /* sync.key, sync.seq, sync.enrolled live here */
	const char *uplinks;      /* uplink interface names/globs, "eth*,usb0,wwan0,ppp0" */
	const char *hotspot_if;   /* the access point's interface, never an uplink */
	const char *version;      /* pamongd's version for the hub */
	long chunk_rows;          /* rows of each kind per chunk (1..5000) */
	long interval_s;          /* with the link up, look again this often */
	long backoff_min_s;       /* first retry delay after a failure */
	long backoff_max_s;       /* longest retry delay */
	long connect_timeout_s;   /* per connection attempt */
	int watch_netlink;        /* 1: wait for a default route; 0: assume a link
	                           * (development machines without an uplink list) */
};

struct sync_status {
	char state[16];        /* off, no_link, idle, uploading, failing, not_enrolled,
	                        * disabled (sync could not start: last_error says why) */
	int link;              /* an uplink default route exists */
	char uplink_if[16];    /* its interface */
	int enrolled;          /* the hub knows this box's key */
	int64_t last_attempt;  /* wall ms of the last round's start, 0 = never */
	int64_t last_success;  /* wall ms of the last complete upload, 0 = never */
	int64_t pending;       /* learner + summary rows the hub has not acknowledged */
	int64_t acked_rev;     /* the store's cursor */
	char last_error[160];  /* "" if the last round succeeded */
	char clock[8];         /* unknown, phone, hub: what gave this boot's offset */
	int64_t clock_offset_ms; /* this boot's offset: real time - box time */
	char public_key[65];   /* the box's Ed25519 public key, hex */
};

/* Re-baseline the store if it went back in time (store_sync_rebaseline
 * with the rev recorded in data_dir/sync.sent), then load or make the key
 * and start the thread (and the netlink watch). With an empty hub_url
 * nothing starts and the state is "off". On failure (a damaged sync.key)
 * the state is "disabled" with the reason in last_error; the caller carries
 * on without sync. */
pb_err sync_start(const struct sync_opts *opts, struct store *st);
/* Stop the thread; an upload in flight is abandoned (its rows are resent). */
void sync_stop(void);
/* A copy of the current state (thread-safe). */
void sync_status(struct sync_status *out);
/* Upload now if there is a link (the button's short press). */
void sync_now(void);

/* The "sync" member of GET /api/v1/health (docs/API.md): state,
 * last_attempt, last_success (ms or null), pending, last_error (or null),
 * acked_rev, link, uplink, enrolled, clock, public_key. New reference. */
struct json_t;
struct json_t *sync_status_json(void);

#endif
