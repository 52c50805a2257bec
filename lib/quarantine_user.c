/*
 * quarantine_user.c - the users of the quarantine web page (emg_user_*),
 * in table web_user of the DataStore, so that every MX host sharing a
 * PostgreSQL DataStore knows the same people.
 *
 * A password is kept as an scrypt hash (OpenSSL's EVP_PBE_scrypt):
 *     $scrypt$ln=15,r=8,p=1$SALT$HASH      (SALT, HASH in base64)
 * N = 2^15, r = 8 costs 32 MiB and about 0.1 s a try: cheap for a login,
 * dear for someone who copied the table and guesses offline.  The
 * parameters travel with each hash, so that raising them later leaves old
 * hashes readable.  Verification of an unknown name runs scrypt on a dummy
 * hash, so that timing does not tell which names exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "quarantine.h"

#define USER_NAME_MAX 64
#define USER_PASSWORD_MAX 1024
#define USER_SALT_LEN 16
#define USER_HASH_LEN 32
/* scrypt cost: N = 2^USER_LN, r, p (what new hashes get). */
#define USER_LN 15
#define USER_R 8
#define USER_P 1
/* Bounds on the parameters a stored hash may ask for: a forged row must
 * not make a login take minutes or gigabytes. */
#define USER_LN_MIN 10
#define USER_LN_MAX 20
#define USER_R_MAX 16
#define USER_P_MAX 4
/* Longest hash text: prefix, parameters and two base64 fields. */
#define USER_ENCODED_MAX 160
/* Most users listed. */
#define USER_LIST_MAX 10000

/* A hash for names that do not exist: verifying against it costs what a
 * real verification costs.  Its password is unknown (random at creation). */
static const char user_dummy_hash[] =
    "$scrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA=="
    "$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/* True for names of 1 to USER_NAME_MAX characters from [A-Za-z0-9._@-]:
 * they appear in audit lines and log lines, where anything else would
 * need quoting. */
static bool
user_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > USER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '@' || c == '-'))
			return false;
	}
	return true;
}

static emg_status_t
user_scrypt(const char *password, const unsigned char *salt, size_t salt_len,
            unsigned ln, unsigned r, unsigned p, unsigned char *out,
            size_t out_len)
{
	uint64_t n = (uint64_t)1 << ln;
	/* scrypt needs 128 * N * r bytes, plus some room for its own use */
	uint64_t maxmem = 128 * n * r + (1u << 20);
	if (EVP_PBE_scrypt(password, strlen(password), salt, salt_len, n, r, p,
	                   maxmem, out, out_len) != 1)
		return EMG_EDEP;
	return EMG_OK;
}

/* Base64 of LEN bytes into OUT (room for 4 * ceil(LEN / 3) + 1). */
static void
user_b64(const unsigned char *in, size_t len, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/* Decode base64 IN into OUT of exactly WANT bytes. */
static bool
user_unb64(const char *in, size_t in_len, unsigned char *out, size_t want)
{
	unsigned char buf[64];
	size_t pad = 0;
	if (in_len == 0 || in_len % 4 != 0 || in_len / 4 * 3 > sizeof(buf))
		return false;
	int n = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)in_len);
	if (n < 0)
		return false;
	while (pad < 2 && in[in_len - 1 - pad] == '=')
		pad++;
	if ((size_t)n - pad != want)
		return false;
	memcpy(out, buf, want);
	return true;
}

/* Parse "$scrypt$ln=L,r=R,p=P$SALT$HASH". */
static bool
user_parse_hash(const char *enc, unsigned *ln, unsigned *r, unsigned *p,
                unsigned char salt[USER_SALT_LEN],
                unsigned char hash[USER_HASH_LEN])
{
	int off = 0;
	if (enc == NULL || strlen(enc) > USER_ENCODED_MAX ||
	    sscanf(enc, "$scrypt$ln=%u,r=%u,p=%u$%n", ln, r, p, &off) != 3 ||
	    off == 0)
		return false;
	if (*ln < USER_LN_MIN || *ln > USER_LN_MAX || *r == 0 ||
	    *r > USER_R_MAX || *p == 0 || *p > USER_P_MAX)
		return false;
	const char *s = enc + off, *dollar = strchr(s, '$');
	if (dollar == NULL)
		return false;
	return user_unb64(s, (size_t)(dollar - s), salt, USER_SALT_LEN) &&
	       user_unb64(dollar + 1, strlen(dollar + 1), hash, USER_HASH_LEN);
}

/* True when ST failed on a lost PostgreSQL connection that is now reset:
 * the caller reruns its statement once. */
static bool
user_rerun(emg_quarantine_t *q, emg_status_t st)
{
	return st != EMG_OK && store_lost(q->store) &&
	       store_reconnect(q->store) == EMG_OK;
}

static emg_status_t
user_failed(emg_quarantine_t *q, emg_status_t st)
{
	if (st != EMG_OK)
		quarantine_fail(q, st, "web users: %s", store_error(q->store));
	return st;
}

static emg_status_t
user_exec(emg_quarantine_t *q, const char *sql, const store_param_t *p,
          size_t n, uint64_t *changes)
{
	emg_status_t st = store_exec(q->store, sql, p, n, changes);
	if (user_rerun(q, st))
		st = store_exec(q->store, sql, p, n, changes);
	return user_failed(q, st);
}

emg_status_t
emg_user_set(emg_quarantine_t *q, const char *name, const char *password)
{
	unsigned char salt[USER_SALT_LEN], hash[USER_HASH_LEN];
	char salt64[32], hash64[48], enc[USER_ENCODED_MAX + 1];

	if (q == NULL || password == NULL)
		return EMG_EINVAL;
	if (!user_name_ok(name))
		return quarantine_fail(q, EMG_EINVAL,
		                       "a user name is 1 to %d characters of "
		                       "A-Z a-z 0-9 . _ @ -",
		                       USER_NAME_MAX);
	if (password[0] == '\0' || strlen(password) > USER_PASSWORD_MAX)
		return quarantine_fail(q, EMG_EINVAL,
		                       "a password is 1 to %d bytes",
		                       USER_PASSWORD_MAX);
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return quarantine_fail(q, EMG_EDEP, "no random bytes");
	if (user_scrypt(password, salt, sizeof(salt), USER_LN, USER_R, USER_P,
	                hash, sizeof(hash)) != EMG_OK)
		return quarantine_fail(q, EMG_EDEP, "scrypt failed");
	user_b64(salt, sizeof(salt), salt64);
	user_b64(hash, sizeof(hash), hash64);
	snprintf(enc, sizeof(enc), "$scrypt$ln=%d,r=%d,p=%d$%s$%s", USER_LN,
	         USER_R, USER_P, salt64, hash64);
	OPENSSL_cleanse(hash, sizeof(hash));

	store_param_t p[] = {STORE_P_TEXT(name),
	                     {.type = STORE_TEXT, .text = enc},
	                     STORE_P_INT((int64_t)time(NULL))};
	return user_exec(q,
	                 "INSERT INTO web_user (name, hash, created, changed)"
	                 " VALUES ($1, $2, $3, $3) ON CONFLICT (name)"
	                 " DO UPDATE SET hash = excluded.hash,"
	                 " changed = excluded.changed",
	                 p, 3, NULL);
}

emg_status_t
emg_user_delete(emg_quarantine_t *q, const char *name)
{
	uint64_t changes = 0;
	if (q == NULL || name == NULL)
		return EMG_EINVAL;
	store_param_t p[] = {STORE_P_TEXT(name)};
	emg_status_t st = user_exec(q, "DELETE FROM web_user WHERE name = $1",
	                            p, 1, &changes);
	if (st == EMG_OK && changes == 0)
		return quarantine_fail(q, EMG_EINVAL, "no user %s", name);
	return st;
}

/* The stored hash of NAME into ENC ("" when there is no such user). */
static emg_status_t
user_lookup_once(emg_quarantine_t *q, const char *name, char *enc, size_t len)
{
	store_rows_t *r = NULL;
	bool row = false;
	store_param_t p[] = {STORE_P_TEXT(name)};
	enc[0] = '\0';
	emg_status_t st = store_query(
	    q->store, "SELECT hash FROM web_user WHERE name = $1", p, 1, &r);
	if (st == EMG_OK && (st = store_next(r, &row)) == EMG_OK && row &&
	    store_text(r, 0) != NULL)
		snprintf(enc, len, "%s", store_text(r, 0));
	store_rows_free(r);
	return st;
}

static emg_status_t
user_lookup(emg_quarantine_t *q, const char *name, char *enc, size_t len)
{
	emg_status_t st = user_lookup_once(q, name, enc, len);
	if (user_rerun(q, st))
		st = user_lookup_once(q, name, enc, len);
	return user_failed(q, st);
}

emg_status_t
emg_user_verify(emg_quarantine_t *q, const char *name, const char *password,
                bool *ok)
{
	char enc[USER_ENCODED_MAX + 2];
	unsigned ln = 0, r = 0, p = 0;
	unsigned char salt[USER_SALT_LEN], want[USER_HASH_LEN],
	    got[USER_HASH_LEN];
	emg_status_t st;

	if (ok == NULL)
		return EMG_EINVAL;
	*ok = false;
	if (q == NULL || password == NULL)
		return EMG_EINVAL;
	bool known = false;
	if (user_name_ok(name) && strlen(password) <= USER_PASSWORD_MAX) {
		if ((st = user_lookup(q, name, enc, sizeof(enc))) != EMG_OK)
			return st;
		known = enc[0] != '\0';
	}
	if (!known || !user_parse_hash(enc, &ln, &r, &p, salt, want)) {
		/* the same work as a real check, then a certain "no" */
		known = false;
		if (!user_parse_hash(user_dummy_hash, &ln, &r, &p, salt, want))
			return EMG_EINVAL;
	}
	if (user_scrypt(strlen(password) <= USER_PASSWORD_MAX ? password : "",
	                salt, sizeof(salt), ln, r, p, got,
	                sizeof(got)) != EMG_OK)
		return quarantine_fail(q, EMG_EDEP, "scrypt failed");
	*ok = known && CRYPTO_memcmp(got, want, sizeof(got)) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return EMG_OK;
}

emg_status_t
emg_user_list(emg_quarantine_t *q, char ***names, size_t *n)
{
	store_rows_t *r = NULL;
	bool row = false;
	char **list = NULL;
	size_t count = 0;

	if (q == NULL || names == NULL || n == NULL)
		return EMG_EINVAL;
	*names = NULL;
	*n = 0;
	static const char sql[] = "SELECT name FROM web_user ORDER BY name";
	emg_status_t st = store_query(q->store, sql, NULL, 0, &r);
	if (user_rerun(q, st))
		st = store_query(q->store, sql, NULL, 0, &r);
	while (st == EMG_OK && count < USER_LIST_MAX &&
	       (st = store_next(r, &row)) == EMG_OK && row) {
		char **grown = realloc(list, (count + 1) * sizeof(*list));
		const char *name = store_text(r, 0);
		if (grown == NULL) {
			st = EMG_ENOMEM;
			break;
		}
		list = grown;
		if ((list[count] = strdup(name ? name : "")) == NULL) {
			st = EMG_ENOMEM;
			break;
		}
		count++;
	}
	store_rows_free(r);
	if (st != EMG_OK) {
		for (size_t i = 0; i < count; i++)
			free(list[i]);
		free(list);
		return st == EMG_EIO ? user_failed(q, st) : st;
	}
	*names = list;
	*n = count;
	return EMG_OK;
}
