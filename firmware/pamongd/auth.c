/* auth.c — see auth.h. */
#include "auth.h"

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* argon2id parameters: 2 MiB and 3 passes keep a hash near 30 ms on a Pi 4
 * and bound memory; at most AUTH__PARALLEL hashes run at once. */
#define AUTH__MEMLIMIT (2u * 1024u * 1024u)
#define AUTH__OPSLIMIT 3u
#define AUTH__PARALLEL 2
/* Facilitators' passwords: fewer, rarer logins that open more: 16 MiB and 3
 * passes (about 0.2 s on a Pi 4), still under the same two-at-once bound. */
#define AUTH__PW_MEMLIMIT (16u * 1024u * 1024u)
#define AUTH__PW_OPSLIMIT 3u
#define AUTH__BUCKETS 1024  /* learner entries: chained, unbounded by design */
#define AUTH__SOURCES 512   /* addresses: a hotspot has far fewer */

/* Counting wrong attempts and the wait they earned. */
struct auth__count {
	int failures;
	int64_t until_ms;  /* may try again from here */
	int64_t last_ms;   /* last wrong attempt */
};

struct auth__learner {
	struct auth__learner *next;
	char id[37];
	struct auth__count c;
};

struct auth__source {
	char addr[48];          /* empty = free */
	struct auth__count c;
	int64_t day_start_ms;   /* start of the 24 h registration window */
	long registrations;     /* in that window */
	int64_t last_ms;        /* last use, for replacement */
};

struct auth {
	sem_t hashing;
	pthread_mutex_t lock;
	struct auth_limits lim;
	char dummy_hash[AUTH_HASH_MAX];
	struct auth__learner *learners[AUTH__BUCKETS];
	size_t nlearners;
	struct auth__source sources[AUTH__SOURCES];
	int64_t box_day_start_ms;
	long box_registrations;
};

pb_err
auth_new(const struct auth_limits *lim, struct auth **out)
{
	struct auth *a = calloc(1, sizeof(*a));
	char pin[16];

	if (a == NULL)
		return PB_ERR_NOMEM;
	if (sem_init(&a->hashing, 0, AUTH__PARALLEL) < 0) {
		free(a);
		return PB_ERR_IO;
	}
	pthread_mutex_init(&a->lock, NULL);
	a->lim = *lim;
	util_token(pin, 4);
	if (auth_pin_hash(a, pin, a->dummy_hash) != PB_OK) {
		auth_free(a);
		return PB_ERR_NOMEM;
	}
	*out = a;
	return PB_OK;
}

void
auth_free(struct auth *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < AUTH__BUCKETS; i++) {
		while (a->learners[i] != NULL) {
			struct auth__learner *n = a->learners[i];

			a->learners[i] = n->next;
			free(n);
		}
	}
	sem_destroy(&a->hashing);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

pb_err
auth_pin_hash(struct auth *a, const char *pin, char out[AUTH_HASH_MAX])
{
	int r;

	while (sem_wait(&a->hashing) < 0)
		;
	r = crypto_pwhash_str_alg(out, pin, strlen(pin), AUTH__OPSLIMIT, AUTH__MEMLIMIT,
	    crypto_pwhash_ALG_ARGON2ID13);
	sem_post(&a->hashing);
	return r == 0 ? PB_OK : PB_ERR_NOMEM;
}

pb_err
auth_password_hash(struct auth *a, const char *password, char out[AUTH_HASH_MAX])
{
	int r;

	while (sem_wait(&a->hashing) < 0)
		;
	r = crypto_pwhash_str_alg(out, password, strlen(password), AUTH__PW_OPSLIMIT,
	    AUTH__PW_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13);
	sem_post(&a->hashing);
	return r == 0 ? PB_OK : PB_ERR_NOMEM;
}

pb_err
auth_pin_verify(struct auth *a, const char *hash, const char *pin)
{
	int r;

	while (sem_wait(&a->hashing) < 0)
		;
	r = crypto_pwhash_str_verify(hash, pin, strlen(pin));
	sem_post(&a->hashing);
	return r == 0 ? PB_OK : PB_ERR_DENIED;
}

void
auth_pin_dummy(struct auth *a, const char *pin)
{
	(void)auth_pin_verify(a, a->dummy_hash, pin);
}

/* Seconds left of a count's wait. */
static long
auth__left(const struct auth__count *c, int64_t now_ms)
{
	return c->until_ms > now_ms ? (long)((c->until_ms - now_ms + 999) / 1000) : 0;
}

/* One more wrong attempt: from the allowed-th on, a wait that doubles with
 * each further one, up to AUTH_MAX_COOLDOWN_S. A count idle for a day
 * starts again. */
static void
auth__fail(struct auth__count *c, long allowed, long wait_s, int64_t now_ms)
{
	int extra;

	if (c->last_ms != 0 && now_ms - c->last_ms > AUTH_DAY_MS && c->until_ms <= now_ms)
		c->failures = 0;
	c->failures++;
	c->last_ms = now_ms;
	if (c->failures < allowed)
		return;
	for (extra = c->failures - (int)allowed; extra > 0 && wait_s < AUTH_MAX_COOLDOWN_S;
	    extra--)
		wait_s *= 2;
	if (wait_s > AUTH_MAX_COOLDOWN_S)
		wait_s = AUTH_MAX_COOLDOWN_S;
	c->until_ms = now_ms + (int64_t)wait_s * 1000;
}

static size_t
auth__bucket(const char *id)
{
	size_t h = 5381;

	while (*id)
		h = h * 33 + (unsigned char)*id++;
	return h % AUTH__BUCKETS;
}

/* Caller holds the lock. The learner's entry; created when create is set
 * (NULL if out of memory). */
static struct auth__learner *
auth__learner(struct auth *a, const char *id, int create)
{
	struct auth__learner **head = &a->learners[auth__bucket(id)], *l;

	for (l = *head; l != NULL; l = l->next)
		if (strcmp(l->id, id) == 0)
			return l;
	if (!create || (l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	snprintf(l->id, sizeof(l->id), "%s", id);
	l->next = *head;
	*head = l;
	a->nlearners++;
	return l;
}

long
auth_cooldown_left(struct auth *a, const char *learner_id, int64_t now_ms)
{
	struct auth__learner *l;
	long left = 0;

	pthread_mutex_lock(&a->lock);
	if ((l = auth__learner(a, learner_id, 0)) != NULL)
		left = auth__left(&l->c, now_ms);
	pthread_mutex_unlock(&a->lock);
	return left;
}

void
auth_failed(struct auth *a, const char *learner_id, int64_t now_ms)
{
	struct auth__learner *l;

	pthread_mutex_lock(&a->lock);
	if ((l = auth__learner(a, learner_id, 1)) != NULL)
		auth__fail(&l->c, a->lim.pin_failures, a->lim.cooldown_s, now_ms);
	pthread_mutex_unlock(&a->lock);
}

void
auth_succeeded(struct auth *a, const char *learner_id)
{
	struct auth__learner **p, *l;

	pthread_mutex_lock(&a->lock);
	for (p = &a->learners[auth__bucket(learner_id)]; (l = *p) != NULL; p = &l->next) {
		if (strcmp(l->id, learner_id) == 0) {
			*p = l->next;
			free(l);
			a->nlearners--;
			break;
		}
	}
	pthread_mutex_unlock(&a->lock);
}

/* Which of two used entries to give up first: one that is not waiting,
 * then the least recently used (or, if both wait, the one ending first). */
static int
auth__sooner_dropped(const struct auth__source *s, const struct auth__source *than,
    int64_t now_ms)
{
	int s_waits = s->c.until_ms > now_ms, than_waits = than->c.until_ms > now_ms;

	if (s_waits != than_waits)
		return !s_waits;
	return s_waits ? s->c.until_ms < than->c.until_ms : s->last_ms < than->last_ms;
}

/* Caller holds the lock. The address's entry; when create is set, a free
 * one or the one sooner dropped than all others is taken for it. */
static struct auth__source *
auth__source(struct auth *a, const char *addr, int create, int64_t now_ms)
{
	struct auth__source *free_one = NULL, *victim = NULL, *s;
	size_t i;

	for (i = 0; i < AUTH__SOURCES; i++) {
		s = &a->sources[i];
		if (s->addr[0] == '\0') {
			if (free_one == NULL)
				free_one = s;
		} else if (strcmp(s->addr, addr) == 0) {
			return s;
		} else if (victim == NULL || auth__sooner_dropped(s, victim, now_ms)) {
			victim = s;
		}
	}
	if (!create)
		return NULL;
	s = free_one != NULL ? free_one : victim;
	memset(s, 0, sizeof(*s));
	snprintf(s->addr, sizeof(s->addr), "%s", addr);
	return s;
}

long
auth_source_wait(struct auth *a, const char *addr, int64_t now_ms)
{
	struct auth__source *s;
	long left = 0;

	pthread_mutex_lock(&a->lock);
	if ((s = auth__source(a, addr, 0, now_ms)) != NULL)
		left = auth__left(&s->c, now_ms);
	pthread_mutex_unlock(&a->lock);
	return left;
}

void
auth_source_failed(struct auth *a, const char *addr, int64_t now_ms)
{
	struct auth__source *s;

	pthread_mutex_lock(&a->lock);
	s = auth__source(a, addr, 1, now_ms);
	s->last_ms = now_ms;
	auth__fail(&s->c, a->lim.source_failures, a->lim.source_cooldown_s, now_ms);
	pthread_mutex_unlock(&a->lock);
}

/* Seconds until a 24 h window that started at start ends. */
static long
auth__day_left(int64_t start, int64_t now_ms)
{
	return (long)((start + AUTH_DAY_MS - now_ms + 999) / 1000);
}

pb_err
auth_register_take(struct auth *a, const char *addr, int64_t now_ms, long *retry_s)
{
	struct auth__source *s;
	pb_err rc = PB_OK;

	pthread_mutex_lock(&a->lock);
	if (a->box_registrations == 0 || now_ms - a->box_day_start_ms >= AUTH_DAY_MS) {
		a->box_day_start_ms = now_ms;
		a->box_registrations = 0;
	}
	s = auth__source(a, addr, 1, now_ms);
	s->last_ms = now_ms;
	if (s->registrations == 0 || now_ms - s->day_start_ms >= AUTH_DAY_MS) {
		s->day_start_ms = now_ms;
		s->registrations = 0;
	}
	if (a->lim.source_registrations > 0 && s->registrations >= a->lim.source_registrations) {
		*retry_s = auth__day_left(s->day_start_ms, now_ms);
		rc = PB_ERR_LIMIT;
	} else if (a->lim.registrations > 0 && a->box_registrations >= a->lim.registrations) {
		*retry_s = auth__day_left(a->box_day_start_ms, now_ms);
		rc = PB_ERR_LIMIT;
	} else {
		s->registrations++;
		a->box_registrations++;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void
auth_register_return(struct auth *a, const char *addr)
{
	struct auth__source *s;

	pthread_mutex_lock(&a->lock);
	if ((s = auth__source(a, addr, 0, 0)) != NULL && s->registrations > 0)
		s->registrations--;
	if (a->box_registrations > 0)
		a->box_registrations--;
	pthread_mutex_unlock(&a->lock);
}

void
auth_register_lift(struct auth *a)
{
	size_t i;

	pthread_mutex_lock(&a->lock);
	a->box_registrations = 0;
	for (i = 0; i < AUTH__SOURCES; i++)
		a->sources[i].registrations = 0;
	pthread_mutex_unlock(&a->lock);
}

void
auth_new_token(char token[AUTH_TOKEN_HEX], char token_hash[65])
{
	util_token(token, 32);
	util_sha256_hex(token_hash, token, strlen(token));
}

pb_err
auth_token_hash(const char *token, char token_hash[65])
{
	size_t i;

	if (strlen(token) != AUTH_TOKEN_HEX - 1)
		return PB_ERR_INVALID;
	for (i = 0; token[i]; i++)
		if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
			return PB_ERR_INVALID;
	util_sha256_hex(token_hash, token, strlen(token));
	return PB_OK;
}
