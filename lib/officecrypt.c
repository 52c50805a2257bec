/*
 * officecrypt.c - password-protected Office documents (see officecrypt.h):
 * the [MS-OFFCRYPTO] headers, password checks and decryption.
 *
 * Every header field is written by whoever made the file, so each size is
 * checked against the bytes present and against what the named algorithm
 * allows before any hashing: garbage costs a parse, never a key
 * derivation, and the spin count is capped (OFFICECRYPT_MAX_SPIN).  The
 * agile descriptor is XML, read by libxml2's reader from memory with no
 * network access and no entity substitution; a DTD is refused outright.
 *
 * Relies on OpenSSL 3 EVP for the hashes and AES.  RC4 is done here in a
 * few lines because OpenSSL 3 keeps it in the legacy provider, which a
 * library must not load behind its caller's back.
 */
#include "officecrypt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <openssl/evp.h>

/* EncryptedPackage segment ([MS-OFFCRYPTO] 2.3.4.15). */
#define OC_SEGMENT 4096u
/* RC4 rekeys every 1024 bytes in Excel, every 512 in Word. */
#define OC_BIFF_BLOCK 1024u
#define OC_WORD_BLOCK 512u
/* FibBase and the fields after it up to 68 bytes are never encrypted. */
#define OC_FIB_CLEAR 68u
/* Longest salt, block-rounded hash or key kept: SHA-512 is 64 bytes and
 * Office writes 16-byte salts; longer is refused as hostile. */
#define OC_FIELD 64u
/* Office accepts passwords of at most 255 UTF-16 units. */
#define OC_PASSWORD_MAX 255u
/* XOR obfuscation uses at most 15 single-byte characters. */
#define OC_XOR_MAX 15u
/* An agile descriptor is about 1 KB; a megabyte is not a descriptor. */
#define OC_XML_MAX (1u << 20)
/* Edits followed back through a PowerPoint persist directory chain. */
#define OC_PPT_MAX_EDITS 64u

/* EncryptionHeader.Flags ([MS-OFFCRYPTO] 2.3.1). */
#define OC_F_CRYPTOAPI 0x04u
#define OC_F_EXTERNAL 0x10u
#define OC_F_AES 0x20u
/* CryptoAPI algorithm identifiers. */
#define OC_ALG_RC4 0x6801u
#define OC_ALG_AES128 0x660Eu
#define OC_ALG_AES192 0x660Fu
#define OC_ALG_AES256 0x6610u
#define OC_ALG_SHA1 0x8004u

/* BIFF8 record types that stay clear ([MS-XLS] 2.2.10). */
#define OC_REC_BOF 0x0809u
#define OC_REC_FILEPASS 0x002Fu
#define OC_REC_USREXCL 0x0194u
#define OC_REC_FILELOCK 0x0195u
#define OC_REC_INTERFACEHDR 0x00E1u
#define OC_REC_RRDINFO 0x0196u
#define OC_REC_RRDHEAD 0x0138u
#define OC_REC_BOUNDSHEET 0x0085u

/* FibBase flags at offset 0x0A of the WordDocument stream. */
#define OC_FIB_ENCRYPTED 0x0100u
#define OC_FIB_WHICHTBL 0x0200u
#define OC_FIB_OBFUSCATED 0x8000u

struct officecrypt {
	officecrypt_kind_t kind;
	char method[40];
	bool opened;
	/* Password hashing: the digest (SHA-1 for Standard and CryptoAPI,
	 * MD5 for Office 97 RC4, the encryptedKey one for agile). */
	EVP_MD *md;
	uint32_t spin;
	uint32_t key_bits;
	uint32_t block_size;
	/* Salt and verifier as the header stores them (agile: the
	 * encryptedKey values; encrypted verifier input and hash). */
	uint8_t salt[OC_FIELD];
	size_t salt_len;
	uint8_t verifier[OC_FIELD];
	size_t verifier_len;
	uint8_t verifier_hash[OC_FIELD];
	size_t verifier_hash_len;
	uint8_t enc_key[OC_FIELD];
	size_t enc_key_len;
	/* Agile keyData: how the package itself is encrypted. */
	EVP_MD *data_md;
	uint32_t data_key_bits;
	uint8_t data_salt[OC_FIELD];
	size_t data_salt_len;
	/* XOR obfuscation: the stored verifier (Word: key << 16 | verifier). */
	uint32_t xor_stored;
	bool xor_word;
	/* After a successful try: the package key (AES), the RC4 base hash
	 * (Office 97: 5 bytes; CryptoAPI: H0), or the XOR array. */
	uint8_t secret[OC_FIELD];
	size_t secret_len;
	uint8_t xor_array[16];
};

/* RC4 state. */
typedef struct oc_rc4 {
	uint8_t s[256];
	uint8_t i, j;
} oc_rc4_t;

/* A document stream's RC4 keystream, rekeyed every BLOCK_SIZE bytes. */
typedef struct oc_rc4_stream {
	const officecrypt_t *c;
	EVP_MD_CTX *ctx;
	size_t block_size;
	uint64_t block; /* keyed block, UINT64_MAX before the first */
	size_t used;    /* keystream bytes of it consumed */
	oc_rc4_t rc4;
} oc_rc4_stream_t;

/* The parts of an EncryptionHeader + EncryptionVerifier we use. */
typedef struct oc_capi {
	uint32_t flags, alg, key_bits;
	const uint8_t *salt, *verifier, *verifier_hash;
	size_t verifier_hash_len;
} oc_capi_t;

static uint16_t
oc_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
oc_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static void
oc_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* EMG_EPARSE with WHY set from FMT. */
static emg_status_t __attribute__((format(printf, 3, 4)))
oc_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return EMG_EPARSE;
}

static officecrypt_t *
oc_new(officecrypt_kind_t kind, const char *md_name)
{
	officecrypt_t *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->kind = kind;
	if (md_name != NULL) {
		c->md = EVP_MD_fetch(NULL, md_name, NULL);
		if (c->md == NULL) {
			free(c);
			return NULL;
		}
	}
	return c;
}

void
officecrypt_free(officecrypt_t *c)
{
	if (c == NULL)
		return;
	EVP_MD_free(c->md);
	EVP_MD_free(c->data_md);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

officecrypt_kind_t
officecrypt_kind(const officecrypt_t *c)
{
	return c->kind;
}

const char *
officecrypt_method(const officecrypt_t *c)
{
	return c->method;
}

uint32_t
officecrypt_spin_count(const officecrypt_t *c)
{
	return c->spin;
}

/* ---- primitives --------------------------------------------------------- */

/* H(A || B) into OUT.  OUT may alias A or B: both are consumed first. */
static bool
oc_hash2(EVP_MD_CTX *ctx, const EVP_MD *md, const void *a, size_t alen,
         const void *b, size_t blen, uint8_t *out)
{
	return EVP_DigestInit_ex2(ctx, md, NULL) == 1 &&
	       EVP_DigestUpdate(ctx, a, alen) == 1 &&
	       (blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) &&
	       EVP_DigestFinal_ex(ctx, out, NULL) == 1;
}

static const EVP_CIPHER *
oc_aes_cipher(size_t keylen, bool cbc)
{
	switch (keylen) {
	case 16: return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
	case 24: return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ecb();
	case 32: return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ecb();
	default: return NULL;
	}
}

/* AES-decrypt LEN bytes (a multiple of 16) of IN into OUT, no padding;
 * CBC with IV, or ECB when IV is NULL.  EVP counts in int: chunks of
 * OC_SEGMENT keep any length in range. */
static bool
oc_aes_decrypt(const uint8_t *key, size_t keylen, const uint8_t *iv,
               const uint8_t *in, size_t len, uint8_t *out)
{
	const EVP_CIPHER *cipher = oc_aes_cipher(keylen, iv != NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	bool ok = cipher != NULL && ctx != NULL &&
	          EVP_DecryptInit_ex(ctx, cipher, NULL, key, iv) == 1 &&
	          EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;

	for (size_t off = 0; ok && off < len; off += OC_SEGMENT) {
		size_t n = len - off < OC_SEGMENT ? len - off : OC_SEGMENT;
		int got = 0;
		ok = EVP_DecryptUpdate(ctx, out + off, &got, in + off,
		                       (int)n) == 1 &&
		     (size_t)got == n;
	}
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static void
oc_rc4_init(oc_rc4_t *r, const uint8_t *key, size_t keylen)
{
	uint8_t j = 0;

	for (int i = 0; i < 256; i++)
		r->s[i] = (uint8_t)i;
	for (int i = 0; i < 256; i++) {
		uint8_t t = r->s[i];
		j = (uint8_t)(j + t + key[(size_t)i % keylen]);
		r->s[i] = r->s[j];
		r->s[j] = t;
	}
	r->i = r->j = 0;
}

/* XOR N keystream bytes into BUF, or only advance when BUF is NULL. */
static void
oc_rc4_apply(oc_rc4_t *r, uint8_t *buf, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		r->i++;
		uint8_t t = r->s[r->i];
		r->j = (uint8_t)(r->j + t);
		r->s[r->i] = r->s[r->j];
		r->s[r->j] = t;
		if (buf != NULL)
			buf[k] ^= r->s[(uint8_t)(t + r->s[r->i])];
	}
}

/* The RC4 key of BLOCK from the base hash BASE: Office 97 RC4 (2.3.6.2)
 * uses MD5(base || block) whole; CryptoAPI (2.3.5.2) cuts SHA-1(H0 ||
 * block) to KeySize, and a 40-bit key is zero-padded to 128 bits as the
 * CryptoAPI provider did. */
static bool
oc_rc4_block_key(const officecrypt_t *c, EVP_MD_CTX *ctx, const uint8_t *base,
                 size_t baselen, uint32_t block, uint8_t key[20],
                 size_t *keylen)
{
	uint8_t b[4];
	uint8_t h[EVP_MAX_MD_SIZE];

	oc_put32(b, block);
	if (!oc_hash2(ctx, c->md, base, baselen, b, 4, h))
		return false;
	if (c->kind == OFFICECRYPT_RC4) {
		memcpy(key, h, 16);
		*keylen = 16;
	} else if (c->key_bits == 40) {
		memcpy(key, h, 5);
		memset(key + 5, 0, 11);
		*keylen = 16;
	} else {
		*keylen = c->key_bits / 8;
		memcpy(key, h, *keylen);
	}
	OPENSSL_cleanse(h, sizeof(h));
	return true;
}

static bool
oc_rc4_stream_init(oc_rc4_stream_t *s, const officecrypt_t *c,
                   size_t block_size)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->block_size = block_size;
	s->block = UINT64_MAX;
	s->ctx = EVP_MD_CTX_new();
	return s->ctx != NULL;
}

static void
oc_rc4_stream_done(oc_rc4_stream_t *s)
{
	EVP_MD_CTX_free(s->ctx);
	OPENSSL_cleanse(&s->rc4, sizeof(s->rc4));
}

/* Decrypt the stream bytes [POS, POS + N) held in BUF.  The keystream of
 * a block starts at the block's first byte, so bytes skipped in between
 * (record headers, clear records) only advance it. */
static bool
oc_rc4_stream_apply(oc_rc4_stream_t *s, uint64_t pos, uint8_t *buf, size_t n)
{
	uint8_t key[20];
	size_t keylen;

	while (n > 0) {
		uint64_t block = pos / s->block_size;
		size_t off = (size_t)(pos % s->block_size);
		if (block != s->block || off < s->used) {
			if (block > UINT32_MAX ||
			    !oc_rc4_block_key(s->c, s->ctx, s->c->secret,
			                      s->c->secret_len, (uint32_t)block,
			                      key, &keylen))
				return false;
			oc_rc4_init(&s->rc4, key, keylen);
			s->block = block;
			s->used = 0;
		}
		oc_rc4_apply(&s->rc4, NULL, off - s->used);
		size_t chunk = s->block_size - off;
		if (chunk > n)
			chunk = n;
		oc_rc4_apply(&s->rc4, buf, chunk);
		s->used = off + chunk;
		pos += chunk;
		buf += chunk;
		n -= chunk;
	}
	OPENSSL_cleanse(key, sizeof(key));
	return true;
}

/* ---- CryptoAPI EncryptionHeader / EncryptionVerifier ------------------- */

/* Parse the header at P, from its EncryptionVersionInfo on: Flags,
 * HeaderSize, EncryptionHeader (2.3.2), EncryptionVerifier (2.3.3). */
static emg_status_t
oc_parse_capi(const uint8_t *p, size_t len, oc_capi_t *h, char *why,
              size_t whylen)
{
	if (len < 12 + 32)
		return oc_fail(why, whylen, "encryption header truncated");
	uint32_t hsize = oc_u32(p + 8);
	if (hsize < 32 || hsize > len - 12)
		return oc_fail(why, whylen, "encryption header size %u bad",
		               hsize);
	h->flags = oc_u32(p + 12);
	uint32_t alg = oc_u32(p + 20), alg_hash = oc_u32(p + 24);
	h->key_bits = oc_u32(p + 28);
	if ((h->flags & OC_F_EXTERNAL) != 0)
		return oc_fail(why, whylen,
		               "extensible encryption (external "
		               "provider) not supported");
	if ((h->flags & OC_F_CRYPTOAPI) == 0)
		return oc_fail(why, whylen,
		               "encryption header without "
		               "fCryptoAPI");
	if (alg == 0)
		alg = (h->flags & OC_F_AES) != 0 ? OC_ALG_AES128 : OC_ALG_RC4;
	h->alg = alg;
	if (alg_hash != 0 && alg_hash != OC_ALG_SHA1)
		return oc_fail(why, whylen, "hash algorithm 0x%x not SHA-1",
		               alg_hash);

	size_t v = 12 + (size_t)hsize;
	h->verifier_hash_len = alg == OC_ALG_RC4 ? 20 : 32;
	if (len - v < 40 + h->verifier_hash_len)
		return oc_fail(why, whylen, "encryption verifier truncated");
	if (oc_u32(p + v) != 16)
		return oc_fail(why, whylen, "verifier salt size %u not 16",
		               oc_u32(p + v));
	if (oc_u32(p + v + 36) != 20)
		return oc_fail(why, whylen, "verifier hash size %u not 20",
		               oc_u32(p + v + 36));
	h->salt = p + v + 4;
	h->verifier = p + v + 20;
	h->verifier_hash = p + v + 40;
	return EMG_OK;
}

/* Copy the verifier fields of H into C. */
static void
oc_take_capi(officecrypt_t *c, const oc_capi_t *h)
{
	memcpy(c->salt, h->salt, 16);
	c->salt_len = 16;
	memcpy(c->verifier, h->verifier, 16);
	c->verifier_len = 16;
	memcpy(c->verifier_hash, h->verifier_hash, h->verifier_hash_len);
	c->verifier_hash_len = h->verifier_hash_len;
	c->key_bits = h->key_bits;
}

/* RC4 CryptoAPI from the header at P (EncryptionVersionInfo on). */
static emg_status_t
oc_rc4_capi(const uint8_t *p, size_t len, officecrypt_t **out, char *why,
            size_t whylen)
{
	oc_capi_t h;
	emg_status_t st = oc_parse_capi(p, len, &h, why, whylen);

	if (st != EMG_OK)
		return st;
	if (h.alg != OC_ALG_RC4)
		return oc_fail(why, whylen,
		               "algorithm 0x%x is not RC4 in a "
		               "binary document",
		               h.alg);
	if (h.key_bits == 0)
		h.key_bits = 40;
	if (h.key_bits < 40 || h.key_bits > 128 || h.key_bits % 8 != 0)
		return oc_fail(why, whylen, "RC4 key size %u not allowed",
		               h.key_bits);
	officecrypt_t *c = oc_new(OFFICECRYPT_RC4_CRYPTOAPI, "SHA1");
	if (c == NULL)
		return EMG_ENOMEM;
	oc_take_capi(c, &h);
	snprintf(c->method, sizeof(c->method), "rc4-cryptoapi");
	*out = c;
	return EMG_OK;
}

/* Office 97 RC4 (2.3.6.1): salt, encrypted verifier, encrypted hash. */
static emg_status_t
oc_rc4_97(const uint8_t *p, size_t len, officecrypt_t **out, char *why,
          size_t whylen)
{
	if (len < 48)
		return oc_fail(why, whylen, "RC4 encryption header truncated");
	officecrypt_t *c = oc_new(OFFICECRYPT_RC4, "MD5");
	if (c == NULL)
		return EMG_ENOMEM;
	memcpy(c->salt, p, 16);
	c->salt_len = 16;
	memcpy(c->verifier, p + 16, 16);
	c->verifier_len = 16;
	memcpy(c->verifier_hash, p + 32, 16);
	c->verifier_hash_len = 16;
	c->key_bits = 128;
	snprintf(c->method, sizeof(c->method), "rc4");
	*out = c;
	return EMG_OK;
}

/* The RC4 header of a binary document, starting with its version. */
static emg_status_t
oc_binary_header(const uint8_t *p, size_t len, officecrypt_t **out, char *why,
                 size_t whylen)
{
	if (len < 4)
		return oc_fail(why, whylen, "encryption header truncated");
	uint16_t major = oc_u16(p), minor = oc_u16(p + 2);
	if (major == 1 && minor == 1)
		return oc_rc4_97(p + 4, len - 4, out, why, whylen);
	if (major >= 2 && major <= 4 && minor == 2)
		return oc_rc4_capi(p, len, out, why, whylen);
	return oc_fail(why, whylen, "encryption version %u.%u not supported",
	               major, minor);
}

/* ---- EncryptionInfo: Standard -------------------------------------------- */

static emg_status_t
oc_standard(const uint8_t *p, size_t len, officecrypt_t **out, char *why,
            size_t whylen)
{
	oc_capi_t h;
	emg_status_t st = oc_parse_capi(p, len, &h, why, whylen);
	uint32_t bits;

	if (st != EMG_OK)
		return st;
	switch (h.alg) {
	case OC_ALG_AES128: bits = 128; break;
	case OC_ALG_AES192: bits = 192; break;
	case OC_ALG_AES256: bits = 256; break;
	case OC_ALG_RC4:
		return oc_fail(why, whylen,
		               "RC4 CryptoAPI in an EncryptionInfo "
		               "stream is no ECMA-376 method");
	default:
		return oc_fail(why, whylen, "cipher 0x%x not supported", h.alg);
	}
	if ((h.flags & OC_F_AES) == 0 || (h.key_bits != bits && h.key_bits))
		return oc_fail(why, whylen,
		               "AES key size %u does not match "
		               "algorithm 0x%x",
		               h.key_bits, h.alg);
	h.key_bits = bits;
	officecrypt_t *c = oc_new(OFFICECRYPT_STANDARD, "SHA1");
	if (c == NULL)
		return EMG_ENOMEM;
	oc_take_capi(c, &h);
	c->spin = 50000;
	c->block_size = 16;
	snprintf(c->method, sizeof(c->method), "standard-aes%u", bits);
	*out = c;
	return EMG_OK;
}

/* ---- EncryptionInfo: Agile (XML descriptor) ---------------------------- */

static const char oc_ns_enc[] =
    "http://schemas.microsoft.com/office/2006/encryption";
static const char oc_ns_pw[] =
    "http://schemas.microsoft.com/office/2006/keyEncryptor/password";

/* Decode base64 S into at most CAP bytes of OUT; false on bad input or
 * when it does not fit.  Whitespace is allowed between characters. */
static bool
oc_base64(const char *s, uint8_t *out, size_t cap, size_t *outlen)
{
	uint32_t acc = 0;
	unsigned bits = 0, pad = 0;
	size_t n = 0;

	for (; *s != '\0'; s++) {
		int v;
		char ch = *s;
		if (ch >= 'A' && ch <= 'Z')
			v = ch - 'A';
		else if (ch >= 'a' && ch <= 'z')
			v = ch - 'a' + 26;
		else if (ch >= '0' && ch <= '9')
			v = ch - '0' + 52;
		else if (ch == '+')
			v = 62;
		else if (ch == '/')
			v = 63;
		else if (ch == '=') {
			pad++;
			continue;
		} else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		else
			return false;
		if (pad > 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return false;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	*outlen = n;
	return pad <= 2 && n > 0;
}

/* Decimal attribute NAME of the current element into *V. */
static bool
oc_xml_uint(xmlTextReaderPtr r, const char *name, uint32_t *v)
{
	xmlChar *s = xmlTextReaderGetAttribute(r, BAD_CAST name);
	uint64_t acc = 0;
	bool ok = s != NULL && s[0] != '\0';

	for (size_t i = 0; ok && s[i] != '\0'; i++) {
		ok = s[i] >= '0' && s[i] <= '9' && i < 10;
		acc = acc * 10 + (uint64_t)(s[i] - '0');
	}
	ok = ok && acc <= UINT32_MAX;
	if (ok)
		*v = (uint32_t)acc;
	xmlFree(s);
	return ok;
}

/* Base64 attribute NAME into OUT (OC_FIELD bytes). */
static bool
oc_xml_b64(xmlTextReaderPtr r, const char *name, uint8_t *out, size_t *len)
{
	xmlChar *s = xmlTextReaderGetAttribute(r, BAD_CAST name);
	bool ok = s != NULL && oc_base64((const char *)s, out, OC_FIELD, len);

	xmlFree(s);
	return ok;
}

/* True when attribute NAME equals one of the NUL-separated VALUES; *WHICH
 * gets its index. */
static bool
oc_xml_is(xmlTextReaderPtr r, const char *name, const char *values, int *which)
{
	xmlChar *s = xmlTextReaderGetAttribute(r, BAD_CAST name);
	bool found = false;
	int i = 0;

	for (const char *v = values; s != NULL && *v != '\0';
	     v += strlen(v) + 1, i++) {
		if (strcmp((const char *)s, v) == 0) {
			found = true;
			*which = i;
			break;
		}
	}
	xmlFree(s);
	return found;
}

/* The cipher and hash attributes shared by keyData and encryptedKey:
 * AES-CBC, a SHA-1/SHA-2 hash, the salt.  *MD gets the fetched digest. */
static emg_status_t
oc_agile_params(xmlTextReaderPtr r, const char *what, EVP_MD **md,
                const char **hash_name, uint32_t *key_bits, uint8_t *salt,
                size_t *salt_len, char *why, size_t whylen)
{
	static const char *const md_names[] = {"sha1", "sha256", "sha384",
	                                       "sha512"};
	uint32_t block, hash_size, salt_size;
	int which = 0, hash = 0;

	if (!oc_xml_is(r, "cipherAlgorithm", "AES\0", &which))
		return oc_fail(why, whylen, "%s: cipher not AES", what);
	if (!oc_xml_is(r, "cipherChaining", "ChainingModeCBC\0", &which))
		return oc_fail(why, whylen, "%s: chaining not CBC", what);
	if (!oc_xml_is(r, "hashAlgorithm",
	               "SHA1\0SHA-1\0SHA256\0SHA-256\0SHA384\0SHA-384\0"
	               "SHA512\0SHA-512\0",
	               &hash))
		return oc_fail(why, whylen, "%s: hash not SHA-1/SHA-2", what);
	if (!oc_xml_uint(r, "keyBits", key_bits) ||
	    (*key_bits != 128 && *key_bits != 192 && *key_bits != 256))
		return oc_fail(why, whylen, "%s: AES key size not allowed",
		               what);
	if (!oc_xml_uint(r, "blockSize", &block) || block != 16)
		return oc_fail(why, whylen, "%s: block size not 16", what);
	if (!oc_xml_b64(r, "saltValue", salt, salt_len) ||
	    !oc_xml_uint(r, "saltSize", &salt_size) || salt_size != *salt_len)
		return oc_fail(why, whylen, "%s: bad salt", what);
	/* The spec spells them with a dash, Office without. */
	*md = EVP_MD_fetch(NULL, md_names[hash / 2], NULL);
	if (hash_name != NULL)
		*hash_name = md_names[hash / 2];
	if (*md == NULL)
		return EMG_ENOMEM;
	if (!oc_xml_uint(r, "hashSize", &hash_size) ||
	    hash_size != (uint32_t)EVP_MD_get_size(*md))
		return oc_fail(why, whylen, "%s: hash size does not match",
		               what);
	return EMG_OK;
}

/* The password encryptedKey element: its parameters, spin count and the
 * three encrypted values, each as long as its algorithm makes it. */
static emg_status_t
oc_agile_encrypted_key(xmlTextReaderPtr r, officecrypt_t *c, char *why,
                       size_t whylen)
{
	emg_status_t st =
	    oc_agile_params(r, "encryptedKey", &c->md, NULL, &c->key_bits,
	                    c->salt, &c->salt_len, why, whylen);
	if (st != EMG_OK)
		return st;
	c->block_size = 16;
	if (!oc_xml_uint(r, "spinCount", &c->spin) ||
	    c->spin > OFFICECRYPT_MAX_SPIN)
		return oc_fail(why, whylen, "spin count missing or above %u",
		               OFFICECRYPT_MAX_SPIN);
	size_t hash_len = (size_t)EVP_MD_get_size(c->md);
	if (!oc_xml_b64(r, "encryptedVerifierHashInput", c->verifier,
	                &c->verifier_len) ||
	    c->verifier_len % 16 != 0 || c->verifier_len < c->salt_len)
		return oc_fail(why, whylen, "bad encryptedVerifierHashInput");
	if (!oc_xml_b64(r, "encryptedVerifierHashValue", c->verifier_hash,
	                &c->verifier_hash_len) ||
	    c->verifier_hash_len % 16 != 0 || c->verifier_hash_len < hash_len)
		return oc_fail(why, whylen, "bad encryptedVerifierHashValue");
	if (!oc_xml_b64(r, "encryptedKeyValue", c->enc_key, &c->enc_key_len) ||
	    c->enc_key_len % 16 != 0 || c->enc_key_len < c->key_bits / 8)
		return oc_fail(why, whylen, "bad encryptedKeyValue");
	return EMG_OK;
}

/* Walk the descriptor for keyData and the password encryptedKey. */
static emg_status_t
oc_agile_walk(xmlTextReaderPtr r, officecrypt_t *c, char *why, size_t whylen)
{
	bool key_data = false, key = false;
	const char *hash_name = "";
	int rc;

	while ((rc = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE ||
		    type == XML_READER_TYPE_ENTITY_REFERENCE)
			return oc_fail(why, whylen,
			               "DTD or entity in the "
			               "encryption descriptor");
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		const char *name = (const char *)xmlTextReaderConstLocalName(r);
		const char *ns =
		    (const char *)xmlTextReaderConstNamespaceUri(r);
		emg_status_t st = EMG_OK;
		if (name == NULL || ns == NULL)
			continue;
		if (!key_data && strcmp(name, "keyData") == 0 &&
		    strcmp(ns, oc_ns_enc) == 0) {
			st = oc_agile_params(r, "keyData", &c->data_md,
			                     &hash_name, &c->data_key_bits,
			                     c->data_salt, &c->data_salt_len,
			                     why, whylen);
			key_data = true;
		} else if (!key && strcmp(name, "encryptedKey") == 0 &&
		           strcmp(ns, oc_ns_pw) == 0) {
			st = oc_agile_encrypted_key(r, c, why, whylen);
			key = true;
		}
		if (st != EMG_OK)
			return st;
	}
	if (rc < 0)
		return oc_fail(why, whylen,
		               "encryption descriptor is not "
		               "well-formed XML");
	if (!key_data)
		return oc_fail(why, whylen,
		               "encryption descriptor without "
		               "keyData");
	if (!key)
		return oc_fail(why, whylen,
		               "no password key encryptor "
		               "(certificate only?)");
	if (c->enc_key_len < c->data_key_bits / 8)
		return oc_fail(why, whylen,
		               "encrypted key shorter than the "
		               "package key");
	snprintf(c->method, sizeof(c->method), "agile-aes%u-%s",
	         c->data_key_bits, hash_name);
	return EMG_OK;
}

static emg_status_t
oc_agile(const uint8_t *xml, size_t len, officecrypt_t **out, char *why,
         size_t whylen)
{
	/* The descriptor is ASCII (names, numbers, base64) as Office and
	 * every other writer make it.  Refusing anything else before libxml2
	 * sees it keeps its encoding converters, which report to the process
	 * stderr whatever the parse options, out of reach of hostile bytes. */
	if (len >= 3 && memcmp(xml, "\xEF\xBB\xBF", 3) == 0)
		xml += 3, len -= 3;
	while (len > 0 && xml[len - 1] == '\0')
		len--;
	if (len == 0 || len > OC_XML_MAX)
		return oc_fail(why, whylen,
		               "encryption descriptor size %zu bad", len);
	for (size_t i = 0; i < len; i++)
		if (xml[i] == 0 || xml[i] >= 0x80)
			return oc_fail(why, whylen,
			               "encryption descriptor is "
			               "not ASCII");
	officecrypt_t *c = oc_new(OFFICECRYPT_AGILE, NULL);
	if (c == NULL)
		return EMG_ENOMEM;
	xmlTextReaderPtr r =
	    xmlReaderForMemory((const char *)xml, (int)len, NULL, "UTF-8",
	                       XML_PARSE_NONET | XML_PARSE_NOERROR |
	                           XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
	if (r == NULL) {
		officecrypt_free(c);
		return EMG_ENOMEM;
	}
	emg_status_t st = oc_agile_walk(r, c, why, whylen);
	xmlFreeTextReader(r);
	if (st != EMG_OK) {
		officecrypt_free(c);
		return st;
	}
	*out = c;
	return EMG_OK;
}

emg_status_t
officecrypt_from_encryption_info(const uint8_t *info, size_t len,
                                 officecrypt_t **out, char *why, size_t whylen)
{
	*out = NULL;
	if (len < 8)
		return oc_fail(why, whylen, "EncryptionInfo truncated");
	uint16_t major = oc_u16(info), minor = oc_u16(info + 2);
	if (major == 4 && minor == 4)
		return oc_agile(info + 8, len - 8, out, why, whylen);
	if ((major == 3 || major == 4) && minor == 3)
		return oc_fail(why, whylen,
		               "extensible encryption %u.%u "
		               "(custom provider, e.g. IRM/DRM) "
		               "not supported",
		               major, minor);
	if (major >= 2 && major <= 4 && minor == 2)
		return oc_standard(info, len, out, why, whylen);
	return oc_fail(why, whylen, "EncryptionInfo version %u.%u unknown",
	               major, minor);
}

/* ---- binary documents: Excel, Word, PowerPoint --------------------------- */

emg_status_t
officecrypt_from_filepass(const uint8_t *payload, size_t len,
                          officecrypt_t **out, char *why, size_t whylen)
{
	*out = NULL;
	if (len < 2)
		return oc_fail(why, whylen, "FILEPASS truncated");
	uint16_t type = oc_u16(payload);
	if (type == 1)
		return oc_binary_header(payload + 2, len - 2, out, why, whylen);
	if (type != 0)
		return oc_fail(why, whylen,
		               "FILEPASS encryption type %u "
		               "unknown",
		               type);
	if (len < 6)
		return oc_fail(why, whylen, "FILEPASS XOR record truncated");
	officecrypt_t *c = oc_new(OFFICECRYPT_XOR, NULL);
	if (c == NULL)
		return EMG_ENOMEM;
	/* The key field is derived from the password too, but only the
	 * verifier is what Excel compares. */
	c->xor_stored = oc_u16(payload + 4);
	snprintf(c->method, sizeof(c->method), "xor");
	*out = c;
	return EMG_OK;
}

const char *
officecrypt_word_table(const uint8_t *word, size_t wlen)
{
	if (wlen < 0x0C)
		return NULL;
	return (oc_u16(word + 0x0A) & OC_FIB_WHICHTBL) != 0 ? "1Table"
	                                                    : "0Table";
}

emg_status_t
officecrypt_from_word(const uint8_t *word, size_t wlen, const uint8_t *table,
                      size_t tlen, officecrypt_t **out, char *why,
                      size_t whylen)
{
	*out = NULL;
	if (wlen < OC_FIB_CLEAR)
		return oc_fail(why, whylen,
		               "WordDocument shorter than its FIB");
	if (oc_u16(word) != 0xA5EC)
		return oc_fail(why, whylen,
		               "FIB identifier 0x%x is not Word "
		               "97 or later",
		               oc_u16(word));
	uint16_t flags = oc_u16(word + 0x0A);
	uint32_t lkey = oc_u32(word + 0x0E);
	if ((flags & OC_FIB_ENCRYPTED) == 0)
		return oc_fail(why, whylen, "not encrypted");
	if ((flags & OC_FIB_OBFUSCATED) != 0) {
		officecrypt_t *c = oc_new(OFFICECRYPT_XOR, NULL);
		if (c == NULL)
			return EMG_ENOMEM;
		c->xor_stored = lkey;
		c->xor_word = true;
		snprintf(c->method, sizeof(c->method), "xor");
		*out = c;
		return EMG_OK;
	}
	if (table == NULL || tlen == 0)
		return oc_fail(why, whylen,
		               "encrypted Word document without "
		               "its table stream");
	/* lKey is the size of the encryption header at the table's start. */
	size_t hlen = lkey > 0 && lkey < tlen ? lkey : tlen;
	return oc_binary_header(table, hlen, out, why, whylen);
}

/* The persist directory of the edit at EDIT in DOC: the stream offset of
 * persist object ID, 0 with *FOUND false when this edit lacks it.  *PREV
 * gets the offset of the edit before. */
static emg_status_t
oc_ppt_lookup(const uint8_t *doc, size_t dlen, uint32_t edit, uint32_t id,
              uint32_t *offset, bool *found, uint32_t *prev, char *why,
              size_t whylen)
{
	*found = false;
	if (edit > dlen || dlen - edit < 8 + 0x1C ||
	    oc_u16(doc + edit + 2) != 0x0FF5)
		return oc_fail(why, whylen, "no UserEditAtom at %u", edit);
	*prev = oc_u32(doc + edit + 16);
	uint32_t dir = oc_u32(doc + edit + 20);
	if (dir > dlen || dlen - dir < 8 || oc_u16(doc + dir + 2) != 0x1772)
		return oc_fail(why, whylen, "no PersistDirectoryAtom at %u",
		               dir);
	uint32_t rlen = oc_u32(doc + dir + 4);
	size_t end = rlen < dlen - dir - 8 ? dir + 8 + rlen : dlen;
	/* Each entry: persistId (20 bits), cPersist (12 bits), offsets. */
	for (size_t p = dir + 8; p + 4 <= end;) {
		uint32_t v = oc_u32(doc + p);
		uint32_t first = v & 0xFFFFF, count = v >> 20;
		p += 4;
		if (id >= first && id - first < count) {
			size_t at = p + 4 * (size_t)(id - first);
			if (at + 4 > end)
				break;
			*offset = oc_u32(doc + at);
			*found = true;
			return EMG_OK;
		}
		p += 4 * (size_t)count;
	}
	return EMG_OK;
}

emg_status_t
officecrypt_from_ppt(const uint8_t *current_user, size_t culen,
                     const uint8_t *doc, size_t dlen, officecrypt_t **out,
                     char *why, size_t whylen)
{
	*out = NULL;
	if (culen < 20 || oc_u16(current_user + 2) != 0x0FF6)
		return oc_fail(why, whylen, "no CurrentUserAtom");
	if (oc_u32(current_user + 12) != 0xF3D1C4DFu)
		return oc_fail(why, whylen, "not encrypted");
	uint32_t edit = oc_u32(current_user + 16);
	if (edit > dlen || dlen - edit < 8 + 0x20 ||
	    oc_u32(doc + edit + 4) < 0x20)
		return oc_fail(why, whylen,
		               "UserEditAtom without "
		               "encryptSessionPersistIdRef");
	uint32_t id = oc_u32(doc + edit + 36), offset = 0;
	bool found = false;
	/* Newer edits override older ones; offsets must go back in the
	 * stream, so a loop cannot repeat. */
	for (unsigned n = 0; !found && n < OC_PPT_MAX_EDITS; n++) {
		uint32_t prev = 0;
		emg_status_t st = oc_ppt_lookup(doc, dlen, edit, id, &offset,
		                                &found, &prev, why, whylen);
		if (st != EMG_OK)
			return st;
		if (found || prev == 0 || prev >= edit)
			break;
		edit = prev;
	}
	if (!found)
		return oc_fail(why, whylen,
		               "persist object %u (encryption "
		               "session) not in the directory",
		               id);
	if (offset > dlen || dlen - offset < 8 ||
	    oc_u16(doc + offset + 2) != 0x2F14)
		return oc_fail(why, whylen, "no CryptSession10Container at %u",
		               offset);
	size_t rlen = oc_u32(doc + offset + 4);
	if (rlen > dlen - offset - 8)
		rlen = dlen - offset - 8;
	const uint8_t *p = doc + offset + 8;
	if (rlen < 4 || oc_u16(p) < 2 || oc_u16(p) > 4 || oc_u16(p + 2) != 2)
		return oc_fail(why, whylen,
		               "PowerPoint encryption is not RC4 "
		               "CryptoAPI");
	return oc_rc4_capi(p, rlen, out, why, whylen);
}

/* ---- password checks ---------------------------------------------------- */

/* PASSWORD (UTF-8) as UTF-16 code units; false on bad UTF-8 or more than
 * OC_PASSWORD_MAX units. */
static bool
oc_utf16(const char *password, uint16_t *units, size_t *n)
{
	const uint8_t *s = (const uint8_t *)password;

	*n = 0;
	while (*s != '\0') {
		uint32_t cp;
		size_t more;
		if (s[0] < 0x80) {
			cp = s[0];
			more = 0;
		} else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
			cp = s[0] & 0x1F;
			more = 1;
		} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
			cp = s[0] & 0x0F;
			more = 2;
		} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
			cp = s[0] & 0x07;
			more = 3;
		} else
			return false;
		for (size_t k = 1; k <= more; k++) {
			if ((s[k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[k] & 0x3F);
		}
		if ((more == 2 &&
		     (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		s += more + 1;
		if (*n + (cp >= 0x10000 ? 2 : 1) > OC_PASSWORD_MAX)
			return false;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			units[(*n)++] = (uint16_t)(0xD800 | (cp >> 10));
			units[(*n)++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
		} else
			units[(*n)++] = (uint16_t)cp;
	}
	return true;
}

/* Hn of 2.3.4.7 / 2.3.4.11: H0 = H(salt || password), then SPIN rounds of
 * H(i || H).  One context serves every round: re-initialising a digest
 * fetched once is cheap, a fetch per round would not be. */
static bool
oc_spin(const officecrypt_t *c, EVP_MD_CTX *ctx, const uint8_t *pw,
        size_t pwlen, uint8_t *h)
{
	size_t hlen = (size_t)EVP_MD_get_size(c->md);
	bool ok = oc_hash2(ctx, c->md, c->salt, c->salt_len, pw, pwlen, h);
	uint8_t it[4];

	for (uint32_t i = 0; ok && i < c->spin; i++) {
		oc_put32(it, i);
		ok = oc_hash2(ctx, c->md, it, 4, h, hlen, h);
	}
	return ok;
}

/* Agile key for BLOCK_KEY (2.3.4.11): H(Hn || blockKey), cut to keyBits
 * or padded with 0x36. */
static bool
oc_agile_key(const officecrypt_t *c, EVP_MD_CTX *ctx, const uint8_t *hn,
             const uint8_t block_key[8], uint8_t *key)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	size_t hlen = (size_t)EVP_MD_get_size(c->md), klen = c->key_bits / 8;

	if (!oc_hash2(ctx, c->md, hn, hlen, block_key, 8, h))
		return false;
	memset(key, 0x36, klen);
	memcpy(key, h, hlen < klen ? hlen : klen);
	return true;
}

static bool
oc_try_agile(officecrypt_t *c, EVP_MD_CTX *ctx, const uint8_t *pw, size_t pwlen,
             bool *ok)
{
	static const uint8_t bk_input[8] = {0xfe, 0xa7, 0xd2, 0x76,
	                                    0x3b, 0x4b, 0x9e, 0x79};
	static const uint8_t bk_value[8] = {0xd7, 0xaa, 0x0f, 0x6d,
	                                    0x30, 0x61, 0x34, 0x4e};
	static const uint8_t bk_key[8] = {0x14, 0x6e, 0x0b, 0xe7,
	                                  0xab, 0xac, 0xd0, 0xd6};
	uint8_t hn[EVP_MAX_MD_SIZE], key[32], iv[16], input[OC_FIELD],
	    value[OC_FIELD], h[EVP_MAX_MD_SIZE];
	size_t klen = c->key_bits / 8, hlen = (size_t)EVP_MD_get_size(c->md);

	/* The password salt is the IV of the three key encryptions. */
	memset(iv, 0x36, sizeof(iv));
	memcpy(iv, c->salt, c->salt_len < 16 ? c->salt_len : 16);
	bool good = oc_spin(c, ctx, pw, pwlen, hn) &&
	            oc_agile_key(c, ctx, hn, bk_input, key) &&
	            oc_aes_decrypt(key, klen, iv, c->verifier, c->verifier_len,
	                           input) &&
	            oc_agile_key(c, ctx, hn, bk_value, key) &&
	            oc_aes_decrypt(key, klen, iv, c->verifier_hash,
	                           c->verifier_hash_len, value) &&
	            oc_hash2(ctx, c->md, input, c->salt_len, NULL, 0, h);
	*ok = good && CRYPTO_memcmp(h, value, hlen) == 0;
	if (*ok) {
		/* The package key is the decrypted encryptedKeyValue. */
		good = oc_agile_key(c, ctx, hn, bk_key, key) &&
		       oc_aes_decrypt(key, klen, iv, c->enc_key, c->enc_key_len,
		                      c->secret);
		c->secret_len = c->data_key_bits / 8;
		*ok = good;
	}
	OPENSSL_cleanse(hn, sizeof(hn));
	OPENSSL_cleanse(key, sizeof(key));
	return good;
}

/* Standard (2.3.4.7): Hfinal = H(Hn || 0), the key from the 0x36 / 0x5C
 * expansion of CryptDeriveKey, AES-ECB over the verifier. */
static bool
oc_try_standard(officecrypt_t *c, EVP_MD_CTX *ctx, const uint8_t *pw,
                size_t pwlen, bool *ok)
{
	uint8_t h[EVP_MAX_MD_SIZE], buf[64], x[40], plain[48];
	const uint8_t zero[4] = {0};

	*ok = false;
	if (!oc_spin(c, ctx, pw, pwlen, h) ||
	    !oc_hash2(ctx, c->md, h, 20, zero, 4, h))
		return false;
	memset(buf, 0x36, sizeof(buf));
	for (int i = 0; i < 20; i++)
		buf[i] ^= h[i];
	if (!oc_hash2(ctx, c->md, buf, 64, NULL, 0, x))
		return false;
	memset(buf, 0x5C, sizeof(buf));
	for (int i = 0; i < 20; i++)
		buf[i] ^= h[i];
	if (!oc_hash2(ctx, c->md, buf, 64, NULL, 0, x + 20))
		return false;
	size_t klen = c->key_bits / 8;
	if (!oc_aes_decrypt(x, klen, NULL, c->verifier, 16, plain) ||
	    !oc_aes_decrypt(x, klen, NULL, c->verifier_hash, 32, plain + 16) ||
	    !oc_hash2(ctx, c->md, plain, 16, NULL, 0, h))
		return false;
	*ok = CRYPTO_memcmp(h, plain + 16, 20) == 0;
	if (*ok) {
		memcpy(c->secret, x, klen);
		c->secret_len = klen;
	}
	OPENSSL_cleanse(x, sizeof(x));
	OPENSSL_cleanse(buf, sizeof(buf));
	return true;
}

/* RC4 (2.3.6.2 Office 97, 2.3.5.2 CryptoAPI): derive the base hash, then
 * the block-0 keystream decrypts the verifier and its hash in one run. */
static bool
oc_try_rc4(officecrypt_t *c, EVP_MD_CTX *ctx, const uint8_t *pw, size_t pwlen,
           bool *ok)
{
	uint8_t h[EVP_MAX_MD_SIZE], buf[16 * 21], key[20], plain[36];
	size_t keylen;
	oc_rc4_t rc4;

	*ok = false;
	if (c->kind == OFFICECRYPT_RC4) {
		/* MD5(password) cut to 5 bytes, 16 times with the salt. */
		if (!oc_hash2(ctx, c->md, pw, pwlen, NULL, 0, h))
			return false;
		for (int i = 0; i < 16; i++) {
			memcpy(buf + 21 * i, h, 5);
			memcpy(buf + 21 * i + 5, c->salt, 16);
		}
		if (!oc_hash2(ctx, c->md, buf, sizeof(buf), NULL, 0, h))
			return false;
		c->secret_len = 5;
	} else {
		if (!oc_hash2(ctx, c->md, c->salt, 16, pw, pwlen, h))
			return false;
		c->secret_len = 20;
	}
	memcpy(c->secret, h, c->secret_len);
	if (!oc_rc4_block_key(c, ctx, c->secret, c->secret_len, 0, key,
	                      &keylen))
		return false;
	oc_rc4_init(&rc4, key, keylen);
	memcpy(plain, c->verifier, 16);
	memcpy(plain + 16, c->verifier_hash, c->verifier_hash_len);
	oc_rc4_apply(&rc4, plain, 16 + c->verifier_hash_len);
	if (!oc_hash2(ctx, c->md, plain, 16, NULL, 0, h))
		return false;
	*ok = CRYPTO_memcmp(h, plain + 16, c->verifier_hash_len) == 0;
	OPENSSL_cleanse(&rc4, sizeof(rc4));
	OPENSSL_cleanse(key, sizeof(key));
	return true;
}

/* ---- XOR obfuscation (2.3.7) -------------------------------------------- */

static const uint16_t oc_xor_initial[15] = {
    0xE1F0, 0x1D0F, 0xCC9C, 0x84C0, 0x110C, 0x0E10, 0xF1CE, 0x313E,
    0x1872, 0xE139, 0xD40F, 0x84F9, 0x280C, 0xA96A, 0x4EC3};
static const uint16_t oc_xor_matrix[105] = {
    0xAEFC, 0x4DD9, 0x9BB2, 0x2745, 0x4E8A, 0x9D14, 0x2A09, 0x7B61, 0xF6C2,
    0xFDA5, 0xEB6B, 0xC6F7, 0x9DCF, 0x2BBF, 0x4563, 0x8AC6, 0x05AD, 0x0B5A,
    0x16B4, 0x2D68, 0x5AD0, 0x0375, 0x06EA, 0x0DD4, 0x1BA8, 0x3750, 0x6EA0,
    0xDD40, 0xD849, 0xA0B3, 0x5147, 0xA28E, 0x553D, 0xAA7A, 0x44D5, 0x6F45,
    0xDE8A, 0xAD35, 0x4A4B, 0x9496, 0x390D, 0x721A, 0xEB23, 0xC667, 0x9CEF,
    0x29FF, 0x53FE, 0xA7FC, 0x5FD9, 0x47D3, 0x8FA6, 0x0F6D, 0x1EDA, 0x3DB4,
    0x7B68, 0xF6D0, 0xB861, 0x60E3, 0xC1C6, 0x93AD, 0x377B, 0x6EF6, 0xDDEC,
    0x45A0, 0x8B40, 0x06A1, 0x0D42, 0x1A84, 0x3508, 0x6A10, 0xAA51, 0x4483,
    0x8906, 0x022D, 0x045A, 0x08B4, 0x1168, 0x76B4, 0xED68, 0xCAF1, 0x85C3,
    0x1BA7, 0x374E, 0x6E9C, 0x3730, 0x6E60, 0xDCC0, 0xA9A1, 0x4363, 0x86C6,
    0x1DAD, 0x3331, 0x6662, 0xCCC4, 0x89A9, 0x0373, 0x06E6, 0x0DCC, 0x1021,
    0x2042, 0x4084, 0x8108, 0x1231, 0x2462, 0x48C4};
static const uint8_t oc_xor_pad[15] = {0xBB, 0xFF, 0xFF, 0xBA, 0xFF,
                                       0xFF, 0xB9, 0x80, 0x00, 0xBE,
                                       0x0F, 0x00, 0xBF, 0x0F, 0x00};

/* CreatePasswordVerifier_Method1 (2.3.7.1). */
static uint16_t
oc_xor_verifier(const uint8_t *pw, size_t n)
{
	uint16_t v = 0;

	for (size_t k = n + 1; k-- > 0;) {
		uint8_t byte = k == 0 ? (uint8_t)n : pw[k - 1];
		uint16_t rot = (uint16_t)(((v & 0x4000) != 0 ? 1 : 0) |
		                          ((v << 1) & 0x7FFF));
		v = rot ^ byte;
	}
	return v ^ 0xCE4B;
}

/* CreateXorKey_Method1 (2.3.7.2). */
static uint16_t
oc_xor_key(const uint8_t *pw, size_t n)
{
	uint16_t key = oc_xor_initial[n - 1];
	int element = 0x68;

	for (size_t k = n; k-- > 0;) {
		uint8_t ch = pw[k];
		for (int bit = 0; bit < 7; bit++, element--) {
			if ((ch & 0x40) != 0)
				key ^= oc_xor_matrix[element];
			ch = (uint8_t)(ch << 1);
		}
	}
	return key;
}

static uint8_t
oc_ror(uint8_t v, unsigned n)
{
	return (uint8_t)((v >> n) | (v << (8 - n)));
}

/* CreateXorArray_Method1 (2.3.7.2): the password then the pad, each byte
 * XORed with the high or low key byte and rotated right by one. */
static void
oc_xor_array(const uint8_t *pw, size_t n, uint16_t key, uint8_t out[16])
{
	uint8_t hi = (uint8_t)(key >> 8), lo = (uint8_t)key;
	size_t i = n;

	memset(out, 0, 16);
	if (n % 2 == 1) {
		out[i] = oc_ror(oc_xor_pad[0] ^ hi, 1);
		i--;
		out[i] = oc_ror(pw[n - 1] ^ lo, 1);
	}
	while (i > 0) {
		i--;
		out[i] = oc_ror(pw[i] ^ hi, 1);
		i--;
		out[i] = oc_ror(pw[i] ^ lo, 1);
	}
	/* Pairs from the end; with an even length the last pair reaches
	 * the first pad byte, which an odd length placed above. */
	for (int pad = 15 - (int)n, at = 15; pad > 0; pad -= 2, at -= 2) {
		out[at] = oc_ror(oc_xor_pad[pad] ^ hi, 1);
		out[at - 1] = oc_ror(oc_xor_pad[pad - 1] ^ lo, 1);
	}
}

/* XOR verifiers take single bytes: of each UTF-16 unit its low byte, or
 * its high byte when the low one is zero (2.3.7.4), at most 15. */
static void
oc_try_xor(officecrypt_t *c, const uint16_t *units, size_t n, bool *ok)
{
	uint8_t pw[OC_XOR_MAX];

	*ok = false;
	if (n == 0)
		return;
	if (n > OC_XOR_MAX)
		n = OC_XOR_MAX;
	for (size_t i = 0; i < n; i++)
		pw[i] = (units[i] & 0xFF) != 0 ? (uint8_t)units[i]
		                               : (uint8_t)(units[i] >> 8);
	uint16_t key = oc_xor_key(pw, n), verifier = oc_xor_verifier(pw, n);
	if (c->xor_word)
		*ok = c->xor_stored == ((uint32_t)key << 16 | verifier);
	else
		*ok = c->xor_stored == verifier;
	if (*ok)
		oc_xor_array(pw, n, key, c->xor_array);
}

emg_status_t
officecrypt_try(officecrypt_t *c, const char *password, bool *ok)
{
	uint16_t units[OC_PASSWORD_MAX];
	uint8_t pw[2 * OC_PASSWORD_MAX];
	size_t n;
	bool good = true;

	*ok = false;
	c->opened = false;
	if (password == NULL || !oc_utf16(password, units, &n))
		return EMG_OK;
	if (c->kind == OFFICECRYPT_XOR) {
		oc_try_xor(c, units, n, ok);
		c->opened = *ok;
		return EMG_OK;
	}
	for (size_t i = 0; i < n; i++) {
		pw[2 * i] = (uint8_t)units[i];
		pw[2 * i + 1] = (uint8_t)(units[i] >> 8);
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return EMG_ENOMEM;
	switch (c->kind) {
	case OFFICECRYPT_AGILE:
		good = oc_try_agile(c, ctx, pw, 2 * n, ok);
		break;
	case OFFICECRYPT_STANDARD:
		good = oc_try_standard(c, ctx, pw, 2 * n, ok);
		break;
	default: good = oc_try_rc4(c, ctx, pw, 2 * n, ok); break;
	}
	EVP_MD_CTX_free(ctx);
	OPENSSL_cleanse(pw, sizeof(pw));
	*ok = *ok && good;
	c->opened = *ok;
	/* OpenSSL fails here only when it cannot allocate. */
	return good ? EMG_OK : EMG_ENOMEM;
}

/* ---- decryption --------------------------------------------------------- */

/* Agile segments: AES-CBC with IV = H(keyData salt || segment index). */
static bool
oc_decrypt_segments(const officecrypt_t *c, const uint8_t *in, size_t len,
                    uint8_t *out)
{
	const EVP_CIPHER *cipher = oc_aes_cipher(c->secret_len, true);
	EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	bool ok =
	    cipher != NULL && cctx != NULL && mctx != NULL &&
	    EVP_DecryptInit_ex(cctx, cipher, NULL, c->secret, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(cctx, 0) == 1;

	for (size_t off = 0, seg = 0; ok && off < len;
	     off += OC_SEGMENT, seg++) {
		uint8_t h[EVP_MAX_MD_SIZE], index[4];
		size_t n = len - off < OC_SEGMENT ? len - off : OC_SEGMENT;
		int got = 0;
		oc_put32(index, (uint32_t)seg);
		ok = seg <= UINT32_MAX &&
		     oc_hash2(mctx, c->data_md, c->data_salt, c->data_salt_len,
		              index, 4, h) &&
		     EVP_DecryptInit_ex(cctx, NULL, NULL, NULL, h) == 1 &&
		     EVP_DecryptUpdate(cctx, out + off, &got, in + off,
		                       (int)n) == 1 &&
		     (size_t)got == n;
	}
	EVP_CIPHER_CTX_free(cctx);
	EVP_MD_CTX_free(mctx);
	return ok;
}

emg_status_t
officecrypt_decrypt_package(officecrypt_t *c, const uint8_t *pkg, size_t len,
                            size_t max, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	if (!c->opened ||
	    (c->kind != OFFICECRYPT_AGILE && c->kind != OFFICECRYPT_STANDARD))
		return EMG_EINVAL;
	if (len < 8)
		return EMG_EPARSE;
	uint64_t stated = (uint64_t)oc_u32(pkg) | (uint64_t)oc_u32(pkg + 4)
	                                              << 32;
	if (stated > max)
		return EMG_ELIMIT;
	/* Whole AES blocks are decrypted; bytes past them are padding some
	 * writers add, ignored. */
	if (stated > len - 8 || (stated + 15) / 16 * 16 > len - 8)
		return EMG_EPARSE;
	size_t need = (size_t)(stated + 15) / 16 * 16;
	uint8_t *buf = malloc(need > 0 ? need : 1);
	if (buf == NULL)
		return EMG_ENOMEM;
	bool ok = c->kind == OFFICECRYPT_AGILE
	              ? oc_decrypt_segments(c, pkg + 8, need, buf)
	              : oc_aes_decrypt(c->secret, c->secret_len, NULL, pkg + 8,
	                               need, buf);
	if (!ok) {
		free(buf);
		return EMG_ENOMEM;
	}
	*out = buf;
	*outlen = (size_t)stated;
	return EMG_OK;
}

static bool
oc_biff_clear(uint16_t type)
{
	switch (type) {
	case OC_REC_BOF:
	case OC_REC_FILEPASS:
	case OC_REC_USREXCL:
	case OC_REC_FILELOCK:
	case OC_REC_INTERFACEHDR:
	case OC_REC_RRDINFO:
	case OC_REC_RRDHEAD: return true;
	default: return false;
	}
}

/* Undo XOR Data Transformation Method 1 on N record bytes at stream
 * position POS of a record of SIZE data bytes: the array index runs from
 * position + record size ([MS-XLS] 2.2.10; LibreOffice and msoffcrypto-tool
 * agree). */
static void
oc_xor_biff(const officecrypt_t *c, uint64_t pos, uint16_t size, uint8_t *buf,
            size_t n)
{
	for (size_t k = 0; k < n; k++)
		buf[k] =
		    oc_ror(buf[k] ^ c->xor_array[(pos + size + k) & 15], 5);
}

emg_status_t
officecrypt_decrypt_biff(officecrypt_t *c, const uint8_t *wb, size_t len,
                         uint8_t **out)
{
	oc_rc4_stream_t rs;

	*out = NULL;
	if (!c->opened ||
	    (c->kind != OFFICECRYPT_RC4 &&
	     c->kind != OFFICECRYPT_RC4_CRYPTOAPI &&
	     c->kind != OFFICECRYPT_XOR) ||
	    c->xor_word)
		return EMG_EINVAL;
	uint8_t *buf = malloc(len > 0 ? len : 1);
	if (buf == NULL)
		return EMG_ENOMEM;
	memcpy(buf, wb, len);
	if (!oc_rc4_stream_init(&rs, c, OC_BIFF_BLOCK)) {
		free(buf);
		return EMG_ENOMEM;
	}
	bool ok = true;
	for (size_t pos = 0; ok && len - pos >= 4;) {
		uint16_t type = oc_u16(buf + pos), size = oc_u16(buf + pos + 2);
		size_t data = pos + 4,
		       n = len - data < size ? len - data : size;
		if (type == OC_REC_FILEPASS) {
			buf[pos] = buf[pos + 1] = 0xFF;
		} else if (!oc_biff_clear(type)) {
			/* BOUNDSHEET's stream position lbPlyPos stays clear. */
			size_t skip = type == OC_REC_BOUNDSHEET ? 4 : 0;
			if (skip > n)
				skip = n;
			if (c->kind == OFFICECRYPT_XOR)
				oc_xor_biff(c, data + skip, size,
				            buf + data + skip, n - skip);
			else
				ok = oc_rc4_stream_apply(&rs, data + skip,
				                         buf + data + skip,
				                         n - skip);
		}
		pos = data + n;
	}
	oc_rc4_stream_done(&rs);
	if (!ok) {
		free(buf);
		return EMG_ENOMEM;
	}
	*out = buf;
	return EMG_OK;
}

emg_status_t
officecrypt_decrypt_word_stream(officecrypt_t *c, const uint8_t *in, size_t len,
                                bool word_document, uint8_t **out)
{
	oc_rc4_stream_t rs;

	*out = NULL;
	if (!c->opened)
		return EMG_EINVAL;
	if (c->kind != OFFICECRYPT_RC4 && c->kind != OFFICECRYPT_RC4_CRYPTOAPI)
		return c->kind == OFFICECRYPT_XOR ? EMG_EPARSE : EMG_EINVAL;
	uint8_t *buf = malloc(len > 0 ? len : 1);
	if (buf == NULL)
		return EMG_ENOMEM;
	memcpy(buf, in, len);
	size_t from = word_document ? OC_FIB_CLEAR : 0;
	bool ok = oc_rc4_stream_init(&rs, c, OC_WORD_BLOCK) &&
	          (len <= from ||
	           oc_rc4_stream_apply(&rs, from, buf + from, len - from));
	oc_rc4_stream_done(&rs);
	if (!ok) {
		free(buf);
		return EMG_ENOMEM;
	}
	if (word_document && len >= OC_FIB_CLEAR) {
		/* Read as not encrypted from now on, like the FILEPASS. */
		uint16_t flags =
		    oc_u16(buf + 0x0A) &
		    (uint16_t) ~(OC_FIB_ENCRYPTED | OC_FIB_OBFUSCATED);
		buf[0x0A] = (uint8_t)flags;
		buf[0x0B] = (uint8_t)(flags >> 8);
		oc_put32(buf + 0x0E, 0);
	}
	*out = buf;
	return EMG_OK;
}
