/*
 * officecrypt.h - password-protected Office documents: parse the
 * encryption header, check password candidates against its verifier, and
 * decrypt, on OpenSSL (EVP).
 *
 *   - ECMA-376 Agile (EncryptionInfo 4.4, AES with SHA-1/SHA-512, spin
 *     count from the header) and Standard (3.2/4.2, AES-128 with SHA-1)
 *     around an OOXML EncryptedPackage stream ([MS-OFFCRYPTO] 2.3.4);
 *   - RC4 CryptoAPI and Office 97 RC4 of .doc (table stream header),
 *     .xls (FILEPASS) and .ppt (CryptSession10Container);
 *   - XOR obfuscation of .xls (FILEPASS type 0) and .doc (fObfuscated):
 *     the 16-bit verifier, and the decryption of the BIFF stream.
 * Excel opens a file "encrypted" with the built-in password
 * VelvetSweatshop without asking: callers try it first.
 *
 * Pure functions over bytes, no I/O and no global state; every loop bounded
 * (the spin count is capped at OFFICECRYPT_MAX_SPIN).
 */
#ifndef EMG_OFFICECRYPT_H
#define EMG_OFFICECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"

/* Excel's built-in password for write-protected workbooks. */
#define OFFICECRYPT_EXCEL_DEFAULT "VelvetSweatshop"
/* Larger spin counts are refused as hostile (Office writes 100000). */
#define OFFICECRYPT_MAX_SPIN 10000000u

typedef enum officecrypt_kind {
	OFFICECRYPT_AGILE = 1,
	OFFICECRYPT_STANDARD,
	OFFICECRYPT_RC4_CRYPTOAPI,
	OFFICECRYPT_RC4,
	OFFICECRYPT_XOR,
} officecrypt_kind_t;

typedef struct officecrypt officecrypt_t;

/* From the EncryptionInfo stream of an OOXML package in a compound file.
 * EMG_EPARSE with WHY on a bad or unsupported header (extensible /
 * DRM-protected ones included), EMG_ENOMEM, EMG_OK with *OUT. */
emg_status_t officecrypt_from_encryption_info(const uint8_t *info,
                                              size_t len, officecrypt_t **out,
                                              char *why, size_t whylen);
/* From the payload of a BIFF8 FILEPASS record (after its 4-byte record
 * header). */
emg_status_t officecrypt_from_filepass(const uint8_t *payload, size_t len,
                                       officecrypt_t **out, char *why,
                                       size_t whylen);
/* From a Word document: its WordDocument stream (the FIB says whether it
 * is encrypted or obfuscated, and which table stream) and that table
 * stream ("1Table" or "0Table"), whose start is the encryption header.
 * EMG_EPARSE with WHY "not encrypted" when the FIB says so. */
emg_status_t officecrypt_from_word(const uint8_t *word, size_t wlen,
                                   const uint8_t *table, size_t tlen,
                                   officecrypt_t **out, char *why,
                                   size_t whylen);
/* From a PowerPoint 97-2003 document: the "Current User" and
 * "PowerPoint Document" streams (CryptSession10Container, found through
 * the persist directory).  Passwords can be checked; there is no
 * PowerPoint decryption here. */
emg_status_t officecrypt_from_ppt(const uint8_t *current_user, size_t culen,
                                  const uint8_t *doc, size_t dlen,
                                  officecrypt_t **out, char *why,
                                  size_t whylen);

/* "1Table" or "0Table": the table stream the FIB of WORD names (its
 * fWhichTblStm bit), NULL when WORD is too short to hold that bit. */
const char *officecrypt_word_table(const uint8_t *word, size_t wlen);

officecrypt_kind_t officecrypt_kind(const officecrypt_t *c);
/* Hash rounds one officecrypt_try costs (agile: the header's spin count,
 * at most OFFICECRYPT_MAX_SPIN; Standard: 50000; RC4 and XOR: 0), for
 * callers that budget time or skip costly headers (fuzz targets). */
uint32_t officecrypt_spin_count(const officecrypt_t *c);
/* Short method name for reports: "agile-aes256-sha512", "standard-aes128",
 * "rc4-cryptoapi", "rc4", "xor". */
const char *officecrypt_method(const officecrypt_t *c);

/* Try PASSWORD (UTF-8; converted to UTF-16LE as Office hashes it).  On a
 * match *OK is true and C keeps the derived key for the decrypt calls.
 * A password that is not UTF-8, or longer than 255 UTF-16 units (Office's
 * limit), never matches.  XOR obfuscation compares the first 15
 * characters, each reduced to one byte as [MS-OFFCRYPTO] 2.3.7.4 says.
 * EMG_OK (whatever the outcome), EMG_ENOMEM. */
emg_status_t officecrypt_try(officecrypt_t *c, const char *password,
                             bool *ok);

/* Decrypt an OOXML EncryptedPackage stream (8-byte size, then segments)
 * into the plain ZIP package.  Needs a successful try (EMG_EINVAL
 * otherwise, or for a method without a package).  At most MAX bytes out
 * (EMG_ELIMIT when the stated size is larger); EMG_EPARSE when the stream
 * holds fewer AES blocks than the stated size needs.  Bytes past those
 * blocks are ignored. */
emg_status_t officecrypt_decrypt_package(officecrypt_t *c,
                                         const uint8_t *pkg, size_t len,
                                         size_t max, uint8_t **out,
                                         size_t *outlen);
/* Decrypt a BIFF8 Workbook stream whole ([MS-XLS] 2.2.10: record headers,
 * BOF, FILEPASS, USREXCL, FILELOCK, INTERFACEHDR, RRDINFO, RRDHEAD stay
 * clear; BOUNDSHEET's position field too).  The FILEPASS record is kept
 * in place with its type changed to 0xFFFF so that the output reads as
 * not encrypted.  OUT is LEN bytes.  RC4, RC4 CryptoAPI and XOR
 * obfuscation; EMG_EINVAL without a successful try. */
emg_status_t officecrypt_decrypt_biff(officecrypt_t *c, const uint8_t *wb,
                                      size_t len, uint8_t **out);
/* Decrypt a Word stream: the WordDocument stream (its first 68 bytes, the
 * FIB base, stay clear) when WORD_DOCUMENT, else a table or data stream
 * whole.  OUT is LEN bytes.  In the WordDocument output fEncrypted,
 * fObfuscated and lKey are cleared, so that it reads as not encrypted.
 * RC4 and RC4 CryptoAPI; EMG_EPARSE for Word XOR obfuscation (its
 * password is checked, its streams are not decrypted); EMG_EINVAL without
 * a successful try. */
emg_status_t officecrypt_decrypt_word_stream(officecrypt_t *c,
                                             const uint8_t *in, size_t len,
                                             bool word_document,
                                             uint8_t **out);

void officecrypt_free(officecrypt_t *c);

#endif
