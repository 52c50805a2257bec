/*
 * officecrypt_int.h - internals shared by officecrypt.c (entry points,
 * ECMA-376 Agile and Standard) and officecrypt_binary.c (Office 97 RC4,
 * RC4 CryptoAPI, XOR obfuscation): the struct behind officecrypt_t, the
 * CryptoAPI EncryptionHeader fields and the helpers both use.  Not
 * installed and not for other modules: they use officecrypt.h.
 */
#ifndef EMG_OFFICECRYPT_INT_H
#define EMG_OFFICECRYPT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "officecrypt.h"

/* Longest salt, block-rounded hash or key kept: SHA-512 is 64 bytes and
 * Office writes 16-byte salts; longer is refused as hostile. */
#define OC_FIELD 64u

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

/* The parts of an EncryptionHeader + EncryptionVerifier we use. */
typedef struct oc_capi {
	uint32_t flags, alg, key_bits;
	const uint8_t *salt, *verifier, *verifier_hash;
	size_t verifier_hash_len;
} oc_capi_t;

/* Little-endian readers and writer. */
uint16_t officecrypt_u16(const uint8_t *p);
uint32_t officecrypt_u32(const uint8_t *p);
void officecrypt_put32(uint8_t *p, uint32_t v);
/* EMG_EPARSE with WHY set from FMT. */
emg_status_t officecrypt_fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A zeroed officecrypt_t of KIND with digest MD_NAME fetched (none when
 * NULL); NULL when out of memory. */
officecrypt_t *officecrypt_new(officecrypt_kind_t kind, const char *md_name);
/* H(A || B) into OUT.  OUT may alias A or B: both are consumed first. */
bool officecrypt_hash2(EVP_MD_CTX *ctx, const EVP_MD *md, const void *a,
                       size_t alen, const void *b, size_t blen, uint8_t *out);

/* Parse the CryptoAPI header at P, from its EncryptionVersionInfo on
 * (officecrypt.c: Standard and RC4 CryptoAPI share it). */
emg_status_t officecrypt_parse_capi(const uint8_t *p, size_t len, oc_capi_t *h,
                                    char *why, size_t whylen);
/* Copy the verifier fields of H into C. */
void officecrypt_take_capi(officecrypt_t *c, const oc_capi_t *h);

/* Password checks of the binary formats (officecrypt_binary.c), called by
 * officecrypt_try: RC4 and RC4 CryptoAPI on the UTF-16LE password PW,
 * XOR obfuscation on its N UTF-16 units. */
bool officecrypt_try_rc4(officecrypt_t *c, EVP_MD_CTX *ctx, const uint8_t *pw,
                         size_t pwlen, bool *ok);
void officecrypt_try_xor(officecrypt_t *c, const uint16_t *units, size_t n,
                         bool *ok);

#endif
