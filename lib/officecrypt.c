/*
 * officecrypt.c - password-protected Office documents (see officecrypt.h):
 * the entry points common to every method (the accessors, officecrypt_try,
 * officecrypt_free) and ECMA-376 encryption of OOXML packages, Agile and
 * Standard: the EncryptionInfo header, key derivation, the verifier and
 * officecrypt_decrypt_package.  The binary formats (Office 97 RC4, RC4
 * CryptoAPI, XOR obfuscation) are in officecrypt_binary.c; what the two
 * share is in officecrypt_int.h.
 *
 * Every header field is written by whoever made the file, so each size is
 * checked against the bytes present and against what the named algorithm
 * allows before any hashing: garbage costs a parse, never a key
 * derivation, and the spin count is capped (OFFICECRYPT_MAX_SPIN).  The
 * agile descriptor is XML, read by libxml2's reader from memory with no
 * network access and no entity substitution; a DTD is refused outright.
 *
 * Relies on OpenSSL 3 EVP for the hashes and AES.
 */
#include "officecrypt_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <openssl/evp.h>

/* EncryptedPackage segment ([MS-OFFCRYPTO] 2.3.4.15). */
#define OC_SEGMENT 4096u
/* Office accepts passwords of at most 255 UTF-16 units. */
#define OC_PASSWORD_MAX 255u
/* An agile descriptor is about 1 KB; a megabyte is not a descriptor. */
#define OC_XML_MAX (1u << 20)

uint16_t
officecrypt_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t
officecrypt_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

void
officecrypt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* EMG_EPARSE with WHY set from FMT. */
emg_status_t __attribute__((format(printf, 3, 4)))
officecrypt_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return EMG_EPARSE;
}

officecrypt_t *
officecrypt_new(officecrypt_kind_t kind, const char *md_name)
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
bool
officecrypt_hash2(EVP_MD_CTX *ctx, const EVP_MD *md, const void *a, size_t alen,
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

/* ---- CryptoAPI EncryptionHeader / EncryptionVerifier ------------------- */

/* Parse the header at P, from its EncryptionVersionInfo on: Flags,
 * HeaderSize, EncryptionHeader (2.3.2), EncryptionVerifier (2.3.3). */
emg_status_t
officecrypt_parse_capi(const uint8_t *p, size_t len, oc_capi_t *h, char *why,
                       size_t whylen)
{
	if (len < 12 + 32)
		return officecrypt_fail(why, whylen,
		                        "encryption header truncated");
	uint32_t hsize = officecrypt_u32(p + 8);
	if (hsize < 32 || hsize > len - 12)
		return officecrypt_fail(why, whylen,
		                        "encryption header size %u bad", hsize);
	h->flags = officecrypt_u32(p + 12);
	uint32_t alg = officecrypt_u32(p + 20),
	         alg_hash = officecrypt_u32(p + 24);
	h->key_bits = officecrypt_u32(p + 28);
	if ((h->flags & OC_F_EXTERNAL) != 0)
		return officecrypt_fail(why, whylen,
		                        "extensible encryption (external "
		                        "provider) not supported");
	if ((h->flags & OC_F_CRYPTOAPI) == 0)
		return officecrypt_fail(why, whylen,
		                        "encryption header without "
		                        "fCryptoAPI");
	if (alg == 0)
		alg = (h->flags & OC_F_AES) != 0 ? OC_ALG_AES128 : OC_ALG_RC4;
	h->alg = alg;
	if (alg_hash != 0 && alg_hash != OC_ALG_SHA1)
		return officecrypt_fail(
		    why, whylen, "hash algorithm 0x%x not SHA-1", alg_hash);

	size_t v = 12 + (size_t)hsize;
	h->verifier_hash_len = alg == OC_ALG_RC4 ? 20 : 32;
	if (len - v < 40 + h->verifier_hash_len)
		return officecrypt_fail(why, whylen,
		                        "encryption verifier truncated");
	if (officecrypt_u32(p + v) != 16)
		return officecrypt_fail(why, whylen,
		                        "verifier salt size %u not 16",
		                        officecrypt_u32(p + v));
	if (officecrypt_u32(p + v + 36) != 20)
		return officecrypt_fail(why, whylen,
		                        "verifier hash size %u not 20",
		                        officecrypt_u32(p + v + 36));
	h->salt = p + v + 4;
	h->verifier = p + v + 20;
	h->verifier_hash = p + v + 40;
	return EMG_OK;
}

/* Copy the verifier fields of H into C. */
void
officecrypt_take_capi(officecrypt_t *c, const oc_capi_t *h)
{
	memcpy(c->salt, h->salt, 16);
	c->salt_len = 16;
	memcpy(c->verifier, h->verifier, 16);
	c->verifier_len = 16;
	memcpy(c->verifier_hash, h->verifier_hash, h->verifier_hash_len);
	c->verifier_hash_len = h->verifier_hash_len;
	c->key_bits = h->key_bits;
}

/* ---- EncryptionInfo: Standard -------------------------------------------- */

static emg_status_t
oc_standard(const uint8_t *p, size_t len, officecrypt_t **out, char *why,
            size_t whylen)
{
	oc_capi_t h;
	emg_status_t st = officecrypt_parse_capi(p, len, &h, why, whylen);
	uint32_t bits;

	if (st != EMG_OK)
		return st;
	switch (h.alg) {
	case OC_ALG_AES128: bits = 128; break;
	case OC_ALG_AES192: bits = 192; break;
	case OC_ALG_AES256: bits = 256; break;
	case OC_ALG_RC4:
		return officecrypt_fail(why, whylen,
		                        "RC4 CryptoAPI in an EncryptionInfo "
		                        "stream is no ECMA-376 method");
	default:
		return officecrypt_fail(why, whylen,
		                        "cipher 0x%x not supported", h.alg);
	}
	if ((h.flags & OC_F_AES) == 0 || (h.key_bits != bits && h.key_bits))
		return officecrypt_fail(why, whylen,
		                        "AES key size %u does not match "
		                        "algorithm 0x%x",
		                        h.key_bits, h.alg);
	h.key_bits = bits;
	officecrypt_t *c = officecrypt_new(OFFICECRYPT_STANDARD, "SHA1");
	if (c == NULL)
		return EMG_ENOMEM;
	officecrypt_take_capi(c, &h);
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

/* Base64 text longer than this is no field of OC_FIELD bytes, however
 * it is broken into lines. */
#define OC_BASE64_TEXT_MAX 1024

/* Decode base64 S into at most CAP bytes of OUT with OpenSSL's decoder;
 * false on bad input (a character outside base64 and white space) or when
 * it does not fit. */
static bool
oc_base64(const char *s, uint8_t *out, size_t cap, size_t *outlen)
{
	unsigned char tmp[(OC_BASE64_TEXT_MAX / 4 + 1) * 3];
	size_t len = strlen(s);
	int n1 = 0, n2 = 0;

	if (len == 0 || len > OC_BASE64_TEXT_MAX)
		return false;
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	if (ctx == NULL)
		return false;
	EVP_DecodeInit(ctx);
	bool ok = EVP_DecodeUpdate(ctx, tmp, &n1, (const unsigned char *)s,
	                           (int)len) >= 0 &&
	          EVP_DecodeFinal(ctx, tmp + n1, &n2) == 1;
	EVP_ENCODE_CTX_free(ctx);
	size_t n = (size_t)n1 + (size_t)n2;
	ok = ok && n > 0 && n <= cap;
	if (ok) {
		memcpy(out, tmp, n);
		*outlen = n;
	}
	return ok;
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
		return officecrypt_fail(why, whylen, "%s: cipher not AES",
		                        what);
	if (!oc_xml_is(r, "cipherChaining", "ChainingModeCBC\0", &which))
		return officecrypt_fail(why, whylen, "%s: chaining not CBC",
		                        what);
	if (!oc_xml_is(r, "hashAlgorithm",
	               "SHA1\0SHA-1\0SHA256\0SHA-256\0SHA384\0SHA-384\0"
	               "SHA512\0SHA-512\0",
	               &hash))
		return officecrypt_fail(why, whylen, "%s: hash not SHA-1/SHA-2",
		                        what);
	if (!oc_xml_uint(r, "keyBits", key_bits) ||
	    (*key_bits != 128 && *key_bits != 192 && *key_bits != 256))
		return officecrypt_fail(why, whylen,
		                        "%s: AES key size not allowed", what);
	if (!oc_xml_uint(r, "blockSize", &block) || block != 16)
		return officecrypt_fail(why, whylen, "%s: block size not 16",
		                        what);
	if (!oc_xml_b64(r, "saltValue", salt, salt_len) ||
	    !oc_xml_uint(r, "saltSize", &salt_size) || salt_size != *salt_len)
		return officecrypt_fail(why, whylen, "%s: bad salt", what);
	/* The spec spells them with a dash, Office without. */
	*md = EVP_MD_fetch(NULL, md_names[hash / 2], NULL);
	if (hash_name != NULL)
		*hash_name = md_names[hash / 2];
	if (*md == NULL)
		return EMG_ENOMEM;
	if (!oc_xml_uint(r, "hashSize", &hash_size) ||
	    hash_size != (uint32_t)EVP_MD_get_size(*md))
		return officecrypt_fail(why, whylen,
		                        "%s: hash size does not match", what);
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
		return officecrypt_fail(why, whylen,
		                        "spin count missing or above %u",
		                        OFFICECRYPT_MAX_SPIN);
	size_t hash_len = (size_t)EVP_MD_get_size(c->md);
	if (!oc_xml_b64(r, "encryptedVerifierHashInput", c->verifier,
	                &c->verifier_len) ||
	    c->verifier_len % 16 != 0 || c->verifier_len < c->salt_len)
		return officecrypt_fail(why, whylen,
		                        "bad encryptedVerifierHashInput");
	if (!oc_xml_b64(r, "encryptedVerifierHashValue", c->verifier_hash,
	                &c->verifier_hash_len) ||
	    c->verifier_hash_len % 16 != 0 || c->verifier_hash_len < hash_len)
		return officecrypt_fail(why, whylen,
		                        "bad encryptedVerifierHashValue");
	if (!oc_xml_b64(r, "encryptedKeyValue", c->enc_key, &c->enc_key_len) ||
	    c->enc_key_len % 16 != 0 || c->enc_key_len < c->key_bits / 8)
		return officecrypt_fail(why, whylen, "bad encryptedKeyValue");
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
			return officecrypt_fail(why, whylen,
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
		return officecrypt_fail(why, whylen,
		                        "encryption descriptor is not "
		                        "well-formed XML");
	if (!key_data)
		return officecrypt_fail(why, whylen,
		                        "encryption descriptor without "
		                        "keyData");
	if (!key)
		return officecrypt_fail(why, whylen,
		                        "no password key encryptor "
		                        "(certificate only?)");
	if (c->enc_key_len < c->data_key_bits / 8)
		return officecrypt_fail(why, whylen,
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
		return officecrypt_fail(
		    why, whylen, "encryption descriptor size %zu bad", len);
	for (size_t i = 0; i < len; i++)
		if (xml[i] == 0 || xml[i] >= 0x80)
			return officecrypt_fail(why, whylen,
			                        "encryption descriptor is "
			                        "not ASCII");
	officecrypt_t *c = officecrypt_new(OFFICECRYPT_AGILE, NULL);
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
		return officecrypt_fail(why, whylen,
		                        "EncryptionInfo truncated");
	uint16_t major = officecrypt_u16(info),
	         minor = officecrypt_u16(info + 2);
	if (major == 4 && minor == 4)
		return oc_agile(info + 8, len - 8, out, why, whylen);
	if ((major == 3 || major == 4) && minor == 3)
		return officecrypt_fail(why, whylen,
		                        "extensible encryption %u.%u "
		                        "(custom provider, e.g. IRM/DRM) "
		                        "not supported",
		                        major, minor);
	if (major >= 2 && major <= 4 && minor == 2)
		return oc_standard(info, len, out, why, whylen);
	return officecrypt_fail(
	    why, whylen, "EncryptionInfo version %u.%u unknown", major, minor);
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
	bool ok =
	    officecrypt_hash2(ctx, c->md, c->salt, c->salt_len, pw, pwlen, h);
	uint8_t it[4];

	for (uint32_t i = 0; ok && i < c->spin; i++) {
		officecrypt_put32(it, i);
		ok = officecrypt_hash2(ctx, c->md, it, 4, h, hlen, h);
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

	if (!officecrypt_hash2(ctx, c->md, hn, hlen, block_key, 8, h))
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
	bool good =
	    oc_spin(c, ctx, pw, pwlen, hn) &&
	    oc_agile_key(c, ctx, hn, bk_input, key) &&
	    oc_aes_decrypt(key, klen, iv, c->verifier, c->verifier_len,
	                   input) &&
	    oc_agile_key(c, ctx, hn, bk_value, key) &&
	    oc_aes_decrypt(key, klen, iv, c->verifier_hash,
	                   c->verifier_hash_len, value) &&
	    officecrypt_hash2(ctx, c->md, input, c->salt_len, NULL, 0, h);
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
	    !officecrypt_hash2(ctx, c->md, h, 20, zero, 4, h))
		return false;
	memset(buf, 0x36, sizeof(buf));
	for (int i = 0; i < 20; i++)
		buf[i] ^= h[i];
	if (!officecrypt_hash2(ctx, c->md, buf, 64, NULL, 0, x))
		return false;
	memset(buf, 0x5C, sizeof(buf));
	for (int i = 0; i < 20; i++)
		buf[i] ^= h[i];
	if (!officecrypt_hash2(ctx, c->md, buf, 64, NULL, 0, x + 20))
		return false;
	size_t klen = c->key_bits / 8;
	if (!oc_aes_decrypt(x, klen, NULL, c->verifier, 16, plain) ||
	    !oc_aes_decrypt(x, klen, NULL, c->verifier_hash, 32, plain + 16) ||
	    !officecrypt_hash2(ctx, c->md, plain, 16, NULL, 0, h))
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
		officecrypt_try_xor(c, units, n, ok);
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
	default: good = officecrypt_try_rc4(c, ctx, pw, 2 * n, ok); break;
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
		officecrypt_put32(index, (uint32_t)seg);
		ok = seg <= UINT32_MAX &&
		     officecrypt_hash2(mctx, c->data_md, c->data_salt,
		                       c->data_salt_len, index, 4, h) &&
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
	uint64_t stated = (uint64_t)officecrypt_u32(pkg) |
	                  (uint64_t)officecrypt_u32(pkg + 4) << 32;
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
