/* SCAFFOLD: replaced by the module owner; not done. */
#include <stdlib.h>
#include "vba.h"
bool vba_is_autoexec(const vba_result_t *r) { return r->autoexec.n > 0 && (r->write.n > 0 || r->execute.n > 0); }
emg_status_t vba_scan_ole(ole_file_t *ole, size_t max_source, vba_result_t *out) { (void)ole; (void)max_source; (void)out; return EMG_OK; }
emg_status_t vba_analyze_source(const char *src, size_t len, vba_result_t *out) { (void)src; (void)len; (void)out; return EMG_OK; }
emg_status_t vba_decompress(const uint8_t *in, size_t len, size_t max, uint8_t **out, size_t *outlen) { (void)in; (void)len; (void)max; *out = NULL; *outlen = 0; return EMG_EPARSE; }
void vba_result_free(vba_result_t *r) { strlist_free(&r->projects); strlist_free(&r->modules); strlist_free(&r->autoexec); strlist_free(&r->write); strlist_free(&r->execute); strlist_free(&r->indicators); strlist_free(&r->problems); }
