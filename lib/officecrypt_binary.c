/*
 * officecrypt_binary.c - password-protected Office 97-2003 binary
 * documents (see officecrypt.h): the encryption headers of .xls (FILEPASS),
 * .doc (FIB and table stream) and .ppt (CryptSession10Container), the
 * password checks of Office 97 RC4, RC4 CryptoAPI and XOR obfuscation
 * (called by officecrypt_try in officecrypt.c), and the decryption of
 * BIFF8 Workbook and Word streams.
 *
 * As in officecrypt.c, every header field is checked against the bytes
 * present before any hashing, and the PowerPoint persist directory chain
 * is followed at most OC_PPT_MAX_EDITS edits back.
 *
 * RC4 is done here in a few lines because OpenSSL 3 keeps it in the
 * legacy provider, which a library must not load behind its caller's
 * back; the hashes (MD5, SHA-1) come from OpenSSL 3 EVP.
 */
#include "officecrypt_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* RC4 rekeys every 1024 bytes in Excel, every 512 in Word. */
#define OC_BIFF_BLOCK 1024u
#define OC_WORD_BLOCK 512u
/* FibBase and the fields after it up to 68 bytes are never encrypted. */
#define OC_FIB_CLEAR 68u
/* XOR obfuscation uses at most 15 single-byte characters. */
#define OC_XOR_MAX 15u
/* Edits followed back through a PowerPoint persist directory chain. */
#define OC_PPT_MAX_EDITS 64u

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

/* ---- RC4 ---------------------------------------------------------------- */

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

	officecrypt_put32(b, block);
	if (!officecrypt_hash2(ctx, c->md, base, baselen, b, 4, h))
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

/* ---- RC4 encryption headers --------------------------------------------- */

/* RC4 CryptoAPI from the header at P (EncryptionVersionInfo on). */
static emg_status_t
oc_rc4_capi(const uint8_t *p, size_t len, officecrypt_t **out, char *why,
            size_t whylen)
{
	oc_capi_t h;
	emg_status_t st = officecrypt_parse_capi(p, len, &h, why, whylen);

	if (st != EMG_OK)
		return st;
	if (h.alg != OC_ALG_RC4)
		return officecrypt_fail(why, whylen,
		                        "algorithm 0x%x is not RC4 in a "
		                        "binary document",
		                        h.alg);
	if (h.key_bits == 0)
		h.key_bits = 40;
	if (h.key_bits < 40 || h.key_bits > 128 || h.key_bits % 8 != 0)
		return officecrypt_fail(
		    why, whylen, "RC4 key size %u not allowed", h.key_bits);
	officecrypt_t *c = officecrypt_new(OFFICECRYPT_RC4_CRYPTOAPI, "SHA1");
	if (c == NULL)
		return EMG_ENOMEM;
	officecrypt_take_capi(c, &h);
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
		return officecrypt_fail(why, whylen,
		                        "RC4 encryption header truncated");
	officecrypt_t *c = officecrypt_new(OFFICECRYPT_RC4, "MD5");
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
		return officecrypt_fail(why, whylen,
		                        "encryption header truncated");
	uint16_t major = officecrypt_u16(p), minor = officecrypt_u16(p + 2);
	if (major == 1 && minor == 1)
		return oc_rc4_97(p + 4, len - 4, out, why, whylen);
	if (major >= 2 && major <= 4 && minor == 2)
		return oc_rc4_capi(p, len, out, why, whylen);
	return officecrypt_fail(why, whylen,
	                        "encryption version %u.%u not supported", major,
	                        minor);
}

/* ---- binary documents: Excel, Word, PowerPoint --------------------------- */

emg_status_t
officecrypt_from_filepass(const uint8_t *payload, size_t len,
                          officecrypt_t **out, char *why, size_t whylen)
{
	*out = NULL;
	if (len < 2)
		return officecrypt_fail(why, whylen, "FILEPASS truncated");
	uint16_t type = officecrypt_u16(payload);
	if (type == 1)
		return oc_binary_header(payload + 2, len - 2, out, why, whylen);
	if (type != 0)
		return officecrypt_fail(why, whylen,
		                        "FILEPASS encryption type %u "
		                        "unknown",
		                        type);
	if (len < 6)
		return officecrypt_fail(why, whylen,
		                        "FILEPASS XOR record truncated");
	officecrypt_t *c = officecrypt_new(OFFICECRYPT_XOR, NULL);
	if (c == NULL)
		return EMG_ENOMEM;
	/* The key field is derived from the password too, but only the
	 * verifier is what Excel compares. */
	c->xor_stored = officecrypt_u16(payload + 4);
	snprintf(c->method, sizeof(c->method), "xor");
	*out = c;
	return EMG_OK;
}

const char *
officecrypt_word_table(const uint8_t *word, size_t wlen)
{
	if (wlen < 0x0C)
		return NULL;
	return (officecrypt_u16(word + 0x0A) & OC_FIB_WHICHTBL) != 0 ? "1Table"
	                                                             : "0Table";
}

emg_status_t
officecrypt_from_word(const uint8_t *word, size_t wlen, const uint8_t *table,
                      size_t tlen, officecrypt_t **out, char *why,
                      size_t whylen)
{
	*out = NULL;
	if (wlen < OC_FIB_CLEAR)
		return officecrypt_fail(why, whylen,
		                        "WordDocument shorter than its FIB");
	if (officecrypt_u16(word) != 0xA5EC)
		return officecrypt_fail(why, whylen,
		                        "FIB identifier 0x%x is not Word "
		                        "97 or later",
		                        officecrypt_u16(word));
	uint16_t flags = officecrypt_u16(word + 0x0A);
	uint32_t lkey = officecrypt_u32(word + 0x0E);
	if ((flags & OC_FIB_ENCRYPTED) == 0)
		return officecrypt_fail(why, whylen, "not encrypted");
	if ((flags & OC_FIB_OBFUSCATED) != 0) {
		officecrypt_t *c = officecrypt_new(OFFICECRYPT_XOR, NULL);
		if (c == NULL)
			return EMG_ENOMEM;
		c->xor_stored = lkey;
		c->xor_word = true;
		snprintf(c->method, sizeof(c->method), "xor");
		*out = c;
		return EMG_OK;
	}
	if (table == NULL || tlen == 0)
		return officecrypt_fail(why, whylen,
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
	    officecrypt_u16(doc + edit + 2) != 0x0FF5)
		return officecrypt_fail(why, whylen, "no UserEditAtom at %u",
		                        edit);
	*prev = officecrypt_u32(doc + edit + 16);
	uint32_t dir = officecrypt_u32(doc + edit + 20);
	if (dir > dlen || dlen - dir < 8 ||
	    officecrypt_u16(doc + dir + 2) != 0x1772)
		return officecrypt_fail(why, whylen,
		                        "no PersistDirectoryAtom at %u", dir);
	uint32_t rlen = officecrypt_u32(doc + dir + 4);
	size_t end = rlen < dlen - dir - 8 ? dir + 8 + rlen : dlen;
	/* Each entry: persistId (20 bits), cPersist (12 bits), offsets. */
	for (size_t p = dir + 8; p + 4 <= end;) {
		uint32_t v = officecrypt_u32(doc + p);
		uint32_t first = v & 0xFFFFF, count = v >> 20;
		p += 4;
		if (id >= first && id - first < count) {
			size_t at = p + 4 * (size_t)(id - first);
			if (at + 4 > end)
				break;
			*offset = officecrypt_u32(doc + at);
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
	if (culen < 20 || officecrypt_u16(current_user + 2) != 0x0FF6)
		return officecrypt_fail(why, whylen, "no CurrentUserAtom");
	if (officecrypt_u32(current_user + 12) != 0xF3D1C4DFu)
		return officecrypt_fail(why, whylen, "not encrypted");
	uint32_t edit = officecrypt_u32(current_user + 16);
	if (edit > dlen || dlen - edit < 8 + 0x20 ||
	    officecrypt_u32(doc + edit + 4) < 0x20)
		return officecrypt_fail(why, whylen,
		                        "UserEditAtom without "
		                        "encryptSessionPersistIdRef");
	uint32_t id = officecrypt_u32(doc + edit + 36), offset = 0;
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
		return officecrypt_fail(why, whylen,
		                        "persist object %u (encryption "
		                        "session) not in the directory",
		                        id);
	if (offset > dlen || dlen - offset < 8 ||
	    officecrypt_u16(doc + offset + 2) != 0x2F14)
		return officecrypt_fail(
		    why, whylen, "no CryptSession10Container at %u", offset);
	size_t rlen = officecrypt_u32(doc + offset + 4);
	if (rlen > dlen - offset - 8)
		rlen = dlen - offset - 8;
	const uint8_t *p = doc + offset + 8;
	if (rlen < 4 || officecrypt_u16(p) < 2 || officecrypt_u16(p) > 4 ||
	    officecrypt_u16(p + 2) != 2)
		return officecrypt_fail(why, whylen,
		                        "PowerPoint encryption is not RC4 "
		                        "CryptoAPI");
	return oc_rc4_capi(p, rlen, out, why, whylen);
}

/* ---- password checks ---------------------------------------------------- */

/* RC4 (2.3.6.2 Office 97, 2.3.5.2 CryptoAPI): derive the base hash, then
 * the block-0 keystream decrypts the verifier and its hash in one run. */
bool
officecrypt_try_rc4(officecrypt_t *c, EVP_MD_CTX *ctx, const uint8_t *pw,
                    size_t pwlen, bool *ok)
{
	uint8_t h[EVP_MAX_MD_SIZE], buf[16 * 21], key[20], plain[36];
	size_t keylen;
	oc_rc4_t rc4;

	*ok = false;
	if (c->kind == OFFICECRYPT_RC4) {
		/* MD5(password) cut to 5 bytes, 16 times with the salt. */
		if (!officecrypt_hash2(ctx, c->md, pw, pwlen, NULL, 0, h))
			return false;
		for (int i = 0; i < 16; i++) {
			memcpy(buf + 21 * i, h, 5);
			memcpy(buf + 21 * i + 5, c->salt, 16);
		}
		if (!officecrypt_hash2(ctx, c->md, buf, sizeof(buf), NULL, 0,
		                       h))
			return false;
		c->secret_len = 5;
	} else {
		if (!officecrypt_hash2(ctx, c->md, c->salt, 16, pw, pwlen, h))
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
	if (!officecrypt_hash2(ctx, c->md, plain, 16, NULL, 0, h))
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
void
officecrypt_try_xor(officecrypt_t *c, const uint16_t *units, size_t n, bool *ok)
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

/* ---- decryption --------------------------------------------------------- */

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
		uint16_t type = officecrypt_u16(buf + pos),
		         size = officecrypt_u16(buf + pos + 2);
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
		    officecrypt_u16(buf + 0x0A) &
		    (uint16_t) ~(OC_FIB_ENCRYPTED | OC_FIB_OBFUSCATED);
		buf[0x0A] = (uint8_t)flags;
		buf[0x0B] = (uint8_t)(flags >> 8);
		officecrypt_put32(buf + 0x0E, 0);
	}
	*out = buf;
	return EMG_OK;
}
