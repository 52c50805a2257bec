/* SCAFFOLD: replaced by the module owner; not done. */
#include <stdlib.h>
#include <string.h>
#include "ooxml.h"
bool ooxml_is_package(const uint8_t *d, size_t n) { (void)d; (void)n; return false; }
emg_status_t ooxml_scan(const uint8_t *d, size_t n, size_t mp, size_t mt, ooxml_result_t *o) { (void)d; (void)n; (void)mp; (void)mt; memset(o, 0, sizeof(*o)); return EMG_OK; }
bool ooxml_is_flat_xml(const uint8_t *d, size_t n) { (void)d; (void)n; return false; }
emg_status_t ooxml_scan_flat_xml(const uint8_t *d, size_t n, ooxml_result_t *o) { (void)d; (void)n; memset(o, 0, sizeof(*o)); return EMG_OK; }
void ooxml_result_free(ooxml_result_t *r) { for (size_t i = 0; i < r->n_vba; i++) { free(r->vba[i].part); free(r->vba[i].data); } xls_result_free(&r->xlm); strlist_free(&r->macrosheets); strlist_free(&r->external); strlist_free(&r->dde); strlist_free(&r->embeddings); strlist_free(&r->problems); }
