/* auth.c — see auth.h. */
#include "auth.h"

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* argon2id parameters: 2 MiB and 3 passes keep a hash near 30 ms on a Pi 4
 * and bound memory; at most AUTH__PARALLEL hashes run at once. */
#define AUTH__MEMLIMIT (2u * 1024u * 1024u)
#define AUTH__OPSLIMIT 3u
#define AUTH__PARALLEL 2
#define AUTH__SLOTS 256
#define AUTH__MAX_COOLDOWN_S 900

struct auth__slot {
	char name_key[128]; /* empty = free */
	int failures;
	int64_t until_ms;
	int64_t last_ms;
};

struct auth {
	sem_t hashing;
	pthread_mutex_t lock;
	long allowed;
	long cooldown_s;
	struct auth__slot slots[AUTH__SLOTS];
};

pb_err
auth_new(long failures_allowed, long cooldown_s, struct auth **out)
{
	struct auth *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return PB_ERR_NOMEM;
	if (sem_init(&a->hashing, 0, AUTH__PARALLEL) < 0) {
		free(a);
		return PB_ERR_IO;
	}
	pthread_mutex_init(&a->lock, NULL);
	a->allowed = failures_allowed;
	a->cooldown_s = cooldown_s;
	*out = a;
	return PB_OK;
}

void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
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
auth_pin_verify(struct auth *a, const char *hash, const char *pin)
{
	int r;

	while (sem_wait(&a->hashing) < 0)
		;
	r = crypto_pwhash_str_verify(hash, pin, strlen(pin));
	sem_post(&a->hashing);
	return r == 0 ? PB_OK : PB_ERR_DENIED;
}

/* Caller holds the lock. Finds the name's slot, or takes the free or
 * least recently used one when create is set. */
static struct auth__slot *
auth__slot(struct auth *a, const char *name_key, int create)
{
	struct auth__slot *victim = NULL;
	size_t i;

	for (i = 0; i < AUTH__SLOTS; i++) {
		struct auth__slot *s = &a->slots[i];

		if (s->name_key[0] != '\0' && strcmp(s->name_key, name_key) == 0)
			return s;
		if (victim == NULL || s->name_key[0] == '\0' ||
		    (victim->name_key[0] != '\0' && s->last_ms < victim->last_ms))
			victim = s;
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->name_key, sizeof(victim->name_key), "%s", name_key);
	return victim;
}

long
auth_cooldown_left(struct auth *a, const char *name_key, int64_t now_ms)
{
	struct auth__slot *s;
	long left = 0;

	pthread_mutex_lock(&a->lock);
	if ((s = auth__slot(a, name_key, 0)) != NULL && s->until_ms > now_ms)
		left = (long)((s->until_ms - now_ms + 999) / 1000);
	pthread_mutex_unlock(&a->lock);
	return left;
}

void
auth_failed(struct auth *a, const char *name_key, int64_t now_ms)
{
	struct auth__slot *s;

	pthread_mutex_lock(&a->lock);
	s = auth__slot(a, name_key, 1);
	s->failures++;
	s->last_ms = now_ms;
	if (s->failures >= a->allowed) {
		long wait = a->cooldown_s;
		int extra = s->failures - (int)a->allowed;

		while (extra-- > 0 && wait < AUTH__MAX_COOLDOWN_S)
			wait *= 2;
		if (wait > AUTH__MAX_COOLDOWN_S)
			wait = AUTH__MAX_COOLDOWN_S;
		s->until_ms = now_ms + (int64_t)wait * 1000;
	}
	pthread_mutex_unlock(&a->lock);
}

void
auth_succeeded(struct auth *a, const char *name_key)
{
	struct auth__slot *s;

	pthread_mutex_lock(&a->lock);
	if ((s = auth__slot(a, name_key, 0)) != NULL)
		s->name_key[0] = '\0';
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
