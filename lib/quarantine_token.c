/*
 * quarantine_token.c - release tokens: how emguard-milter knows that a
 * message was released by a person and must not be quarantined again.
 *
 * A release re-injects the original bytes through the MTA, so the message
 * meets the milter a second time with the same verdict.  amavisd-new
 * avoids that with a re-injection port that bypasses the filter; that
 * needs MTA configuration and does nothing for `sendmail` re-injection.
 * Instead the release adds one header (EMG_RELEASE_HEADER):
 *
 *     v2; id=20261122-3fa9c01d7e4b; by=web:yamada; t=1795000000; mac=HEX
 *
 * where mac is HMAC-SHA256 under a key kept in the DataStore (table
 * quarantine_secret, made once from RAND_bytes) over the entry id, the
 * actor, the time, the Message-ID and a digest of the body of the
 * message.  Only someone who can read the DataStore can make one.  A
 * token copied out of a released message (a forward keeps the header)
 * passes nothing but that same body under that same Message-ID, which a
 * person has already let through; v1 tokens, bound to the Message-ID
 * alone, would have passed any body and are no longer accepted.  The time
 * bounds how long a copy is any good.
 *
 * The body digest is over a canonical form that survives re-injection:
 * the bytes after the first empty line, each line ended by LF whether it
 * came with CRLF or LF (the milter sees CRLF, sendmail(1) reads LF), and
 * the empty lines at the end left out (an MTA adds a final line end where
 * one was missing), as DKIM's "simple" body canonicalization does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "quarantine.h"

#define TOKEN_KEY_NAME "release-key"
#define TOKEN_KEY_LEN 32
#define TOKEN_MAC_LEN 32
/* Longest actor kept in a token. */
#define TOKEN_ACTOR_MAX 96
/* Longest header value read back. */
#define TOKEN_VALUE_MAX 400
/* A token made this far in the future (clock skew between hosts sharing a
 * PostgreSQL DataStore) still counts. */
#define TOKEN_SKEW 300

/* Decode exactly LEN bytes of hex. */
static bool
token_unhex(const char *hex, size_t hexlen, unsigned char *out, size_t len)
{
	if (hexlen != 2 * len)
		return false;
	for (size_t i = 0; i < len; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

static void
token_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* Read the release key into KEY.  *FOUND false when there is none yet. */
static emg_status_t
token_key_read(emg_quarantine_t *q, unsigned char key[TOKEN_KEY_LEN],
               bool *found)
{
	store_rows_t *r = NULL;
	bool row = false;
	store_param_t p[] = {STORE_P_TEXT(TOKEN_KEY_NAME)};
	*found = false;
	emg_status_t st = store_query(
	    q->store, "SELECT value FROM quarantine_secret WHERE name = $1", p,
	    1, &r);
	if (st == EMG_OK && (st = store_next(r, &row)) == EMG_OK && row) {
		const char *hex = store_text(r, 0);
		if (hex == NULL ||
		    !token_unhex(hex, strlen(hex), key, TOKEN_KEY_LEN))
			st = EMG_EPARSE;
		else
			*found = true;
	}
	store_rows_free(r);
	return st;
}

/* The release key, made on first use.  Two hosts making one at once both
 * insert with DO NOTHING and then read the one that won. */
static emg_status_t
token_key(emg_quarantine_t *q, unsigned char key[TOKEN_KEY_LEN])
{
	emg_status_t st = EMG_EIO;
	bool found = false;

	for (int attempt = 0; attempt < 2; attempt++) {
		st = token_key_read(q, key, &found);
		if (st == EMG_OK && !found) {
			unsigned char fresh[TOKEN_KEY_LEN];
			char hex[2 * TOKEN_KEY_LEN + 1];
			if (RAND_bytes(fresh, sizeof(fresh)) != 1)
				return quarantine_fail(q, EMG_EDEP,
				                       "no random bytes");
			token_hex(fresh, sizeof(fresh), hex);
			OPENSSL_cleanse(fresh, sizeof(fresh));
			store_param_t p[] = {STORE_P_TEXT(TOKEN_KEY_NAME),
			                     {.type = STORE_TEXT, .text = hex}};
			st = store_exec(
			    q->store,
			    "INSERT INTO quarantine_secret (name, value)"
			    " VALUES ($1, $2) ON CONFLICT (name)"
			    " DO NOTHING",
			    p, 2, NULL);
			OPENSSL_cleanse(hex, sizeof(hex));
			if (st == EMG_OK)
				st = token_key_read(q, key, &found);
			if (st == EMG_OK && !found)
				st = EMG_EIO;
		}
		if (st == EMG_OK || !store_lost(q->store) ||
		    store_reconnect(q->store) != EMG_OK)
			break;
	}
	if (st == EMG_EPARSE)
		return quarantine_fail(q, EMG_EIO,
		                       "the release key in the DataStore is "
		                       "damaged (table quarantine_secret)");
	if (st != EMG_OK)
		return quarantine_fail(q, st, "release key: %s",
		                       store_error(q->store));
	return EMG_OK;
}

/* The digest of the canonical body of MSG (LEN bytes) into OUT as hex;
 * see the header comment. */
static emg_status_t
token_body_digest(const void *msg, size_t len,
                  char out[2 * SHA256_DIGEST_LENGTH + 1])
{
	const char *p = msg, *end = p + len;
	bool in_body = false;
	size_t empty = 0; /* empty lines held back until text follows */
	unsigned char md[SHA256_DIGEST_LENGTH];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok =
	    ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	while (ok && p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (!in_body)
			in_body = n == 0;
		else if (n == 0)
			empty++;
		else {
			for (; ok && empty > 0; empty--)
				ok = EVP_DigestUpdate(ctx, "\n", 1) == 1;
			ok = ok && EVP_DigestUpdate(ctx, p, n) == 1 &&
			     EVP_DigestUpdate(ctx, "\n", 1) == 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 &&
	     md_len == sizeof(md);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return EMG_EDEP;
	token_hex(md, sizeof(md), out);
	return EMG_OK;
}

/* MAC over the fields, each on its own line, so that no two field lists
 * give the same input. */
static emg_status_t
token_mac(const unsigned char key[TOKEN_KEY_LEN], const char *id,
          const char *actor, int64_t t, const char *message_id,
          const char *body_digest, unsigned char mac[TOKEN_MAC_LEN])
{
	char stamp[24];
	snprintf(stamp, sizeof(stamp), "%" PRId64, t);
	const char *parts[] = {"emguard-release-v2", id, actor, stamp,
	                       message_id ? message_id : "", body_digest};
	EVP_MAC *alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *mctx = alg ? EVP_MAC_CTX_new(alg) : NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end()};
	bool ok =
	    mctx != NULL && EVP_MAC_init(mctx, key, TOKEN_KEY_LEN, params) == 1;
	for (size_t i = 0; ok && i < sizeof(parts) / sizeof(parts[0]); i++)
		ok = EVP_MAC_update(mctx, (const unsigned char *)parts[i],
		                    strlen(parts[i])) == 1 &&
		     EVP_MAC_update(mctx, (const unsigned char *)"\n", 1) == 1;
	size_t out_len = 0;
	ok = ok && EVP_MAC_final(mctx, mac, &out_len, TOKEN_MAC_LEN) == 1 &&
	     out_len == TOKEN_MAC_LEN;
	EVP_MAC_CTX_free(mctx);
	EVP_MAC_free(alg);
	return ok ? EMG_OK : EMG_EDEP;
}

/* ACTOR as it goes into a token: the characters that cannot break the
 * header's "; key=value" syntax, others as '_'. */
static void
token_actor(const char *actor, char *out, size_t len)
{
	size_t n = 0;
	for (const char *s = actor ? actor : ""; *s && n + 1 < len; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || strchr("._@:+-", c) != NULL;
		out[n++] = ok ? c : '_';
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, len, "unknown");
}

/* An entry id: "YYYYMMDD-" and lower-case hex, nothing a header or a
 * file name could be surprised by. */
static bool
token_id_ok(const char *id, size_t len)
{
	if (len < 10 || len >= EMG_QID_MAX || id[8] != '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (i != 8 && !(id[i] >= '0' && id[i] <= '9') &&
		    !(id[i] >= 'a' && id[i] <= 'f'))
			return false;
	return true;
}

emg_status_t
emg_quarantine_release_token(emg_quarantine_t *q, const emg_qentry_t *e,
                             const void *msg, size_t msg_len,
                             const char *actor, int64_t now, char *buf,
                             size_t len)
{
	unsigned char key[TOKEN_KEY_LEN], mac[TOKEN_MAC_LEN];
	char who[TOKEN_ACTOR_MAX + 1], machex[2 * TOKEN_MAC_LEN + 1];
	char body[2 * SHA256_DIGEST_LENGTH + 1];

	if (q == NULL || e == NULL || buf == NULL || len == 0 ||
	    (msg == NULL && msg_len > 0) || !token_id_ok(e->id, strlen(e->id)))
		return EMG_EINVAL;
	token_actor(actor, who, sizeof(who));
	if (token_body_digest(msg, msg_len, body) != EMG_OK)
		return quarantine_fail(q, EMG_EDEP, "SHA-256 failed");
	emg_status_t st = token_key(q, key);
	if (st != EMG_OK)
		return st;
	st = token_mac(key, e->id, who, now, e->message_id, body, mac);
	OPENSSL_cleanse(key, sizeof(key));
	if (st != EMG_OK)
		return quarantine_fail(q, st, "HMAC failed");
	token_hex(mac, sizeof(mac), machex);
	int n = snprintf(buf, len, "v2; id=%s; by=%s; t=%" PRId64 "; mac=%s",
	                 e->id, who, now, machex);
	if (n < 0 || (size_t)n >= len)
		return quarantine_fail(
		    q, EMG_ELIMIT, "release token longer than %zu bytes", len);
	return EMG_OK;
}

/* The value of field NAME ("id") in "v1; id=X; by=Y; ...": a pointer into
 * VALUE and its length, or NULL. */
static const char *
token_field(const char *value, const char *name, size_t *len)
{
	size_t name_len = strlen(name);
	const char *s = value;
	while (s != NULL && *s != '\0') {
		while (*s == ' ' || *s == '\t' || *s == ';')
			s++;
		const char *end = strchr(s, ';');
		size_t field_len = end ? (size_t)(end - s) : strlen(s);
		while (field_len > 0 &&
		       (s[field_len - 1] == ' ' || s[field_len - 1] == '\t' ||
		        s[field_len - 1] == '\r' || s[field_len - 1] == '\n'))
			field_len--;
		if (field_len > name_len && strncmp(s, name, name_len) == 0 &&
		    s[name_len] == '=') {
			*len = field_len - name_len - 1;
			return s + name_len + 1;
		}
		s = end;
	}
	return NULL;
}

emg_status_t
emg_quarantine_release_verify(emg_quarantine_t *q, const char *value,
                              const char *message_id, const void *msg,
                              size_t msg_len, int64_t now, bool *valid,
                              char id[EMG_QID_MAX])
{
	size_t id_len = 0, by_len = 0, t_len = 0, mac_len = 0;
	char idbuf[EMG_QID_MAX], who[TOKEN_ACTOR_MAX + 1], stamp[24];
	char body[2 * SHA256_DIGEST_LENGTH + 1];
	unsigned char key[TOKEN_KEY_LEN], want[TOKEN_MAC_LEN],
	    got[TOKEN_MAC_LEN];

	if (valid == NULL)
		return EMG_EINVAL;
	*valid = false;
	if (id != NULL)
		id[0] = '\0';
	if (q == NULL || value == NULL || (msg == NULL && msg_len > 0))
		return EMG_EINVAL;
	while (*value == ' ' || *value == '\t')
		value++;
	if (strlen(value) > TOKEN_VALUE_MAX || strncmp(value, "v2;", 3) != 0)
		return EMG_OK;
	const char *f_id = token_field(value, "id", &id_len);
	const char *f_by = token_field(value, "by", &by_len);
	const char *f_t = token_field(value, "t", &t_len);
	const char *f_mac = token_field(value, "mac", &mac_len);
	if (f_id == NULL || f_by == NULL || f_t == NULL || f_mac == NULL ||
	    !token_id_ok(f_id, id_len) || by_len == 0 ||
	    by_len > TOKEN_ACTOR_MAX || t_len == 0 || t_len >= sizeof(stamp) ||
	    !token_unhex(f_mac, mac_len, got, sizeof(got)))
		return EMG_OK;
	memcpy(idbuf, f_id, id_len);
	idbuf[id_len] = '\0';
	memcpy(who, f_by, by_len);
	who[by_len] = '\0';
	memcpy(stamp, f_t, t_len);
	stamp[t_len] = '\0';
	char *end = NULL;
	long long t = strtoll(stamp, &end, 10);
	if (end == stamp || *end != '\0' || t > now + TOKEN_SKEW ||
	    t < now - EMG_RELEASE_TOKEN_TTL)
		return EMG_OK;

	if (token_body_digest(msg, msg_len, body) != EMG_OK)
		return quarantine_fail(q, EMG_EDEP, "SHA-256 failed");
	emg_status_t st = token_key(q, key);
	if (st != EMG_OK)
		return st;
	st = token_mac(key, idbuf, who, (int64_t)t, message_id, body, want);
	OPENSSL_cleanse(key, sizeof(key));
	if (st != EMG_OK)
		return quarantine_fail(q, st, "HMAC failed");
	*valid = CRYPTO_memcmp(got, want, sizeof(got)) == 0;
	if (*valid && id != NULL)
		memcpy(id, idbuf, id_len + 1);
	return EMG_OK;
}
