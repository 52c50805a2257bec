/* SCAFFOLD: replaced by the module owner; not done. */
#include <stdio.h>
#include "officecrypt.h"
#define NOPE do { if (why) snprintf(why, whylen, "not implemented"); *out = NULL; return EMG_EPARSE; } while (0)
emg_status_t officecrypt_from_encryption_info(const uint8_t *i, size_t l, officecrypt_t **out, char *why, size_t whylen) { (void)i; (void)l; NOPE; }
emg_status_t officecrypt_from_filepass(const uint8_t *i, size_t l, officecrypt_t **out, char *why, size_t whylen) { (void)i; (void)l; NOPE; }
emg_status_t officecrypt_from_word(const uint8_t *a, size_t b, const uint8_t *c, size_t d, officecrypt_t **out, char *why, size_t whylen) { (void)a; (void)b; (void)c; (void)d; NOPE; }
emg_status_t officecrypt_from_ppt(const uint8_t *a, size_t b, const uint8_t *c, size_t d, officecrypt_t **out, char *why, size_t whylen) { (void)a; (void)b; (void)c; (void)d; NOPE; }
officecrypt_kind_t officecrypt_kind(const officecrypt_t *c) { (void)c; return OFFICECRYPT_AGILE; }
const char *officecrypt_method(const officecrypt_t *c) { (void)c; return "unknown"; }
emg_status_t officecrypt_try(officecrypt_t *c, const char *p, bool *ok) { (void)c; (void)p; *ok = false; return EMG_OK; }
emg_status_t officecrypt_decrypt_package(officecrypt_t *c, const uint8_t *p, size_t l, size_t m, uint8_t **out, size_t *ol) { (void)c; (void)p; (void)l; (void)m; *out = NULL; *ol = 0; return EMG_EPARSE; }
emg_status_t officecrypt_decrypt_biff(officecrypt_t *c, const uint8_t *w, size_t l, uint8_t **out) { (void)c; (void)w; (void)l; *out = NULL; return EMG_EPARSE; }
emg_status_t officecrypt_decrypt_word_stream(officecrypt_t *c, const uint8_t *i, size_t l, bool wd, uint8_t **out) { (void)c; (void)i; (void)l; (void)wd; *out = NULL; return EMG_EPARSE; }
void officecrypt_free(officecrypt_t *c) { (void)c; }
