/* SCAFFOLD: replaced by the module owner; not done. */
#include <string.h>
#include "xls.h"
emg_status_t xls_scan_biff(const uint8_t *s, size_t n, xls_result_t *o) { (void)s; (void)n; memset(o, 0, sizeof(*o)); return EMG_OK; }
emg_status_t xls_scan_biff12_workbook(const uint8_t *s, size_t n, xls_result_t *o) { (void)s; (void)n; (void)o; return EMG_OK; }
bool xls_is_sylk(const uint8_t *d, size_t n) { return n >= 4 && memcmp(d, "ID;P", 4) == 0; }
emg_status_t xls_scan_sylk(const uint8_t *d, size_t n, xls_result_t *o) { (void)d; (void)n; memset(o, 0, sizeof(*o)); return EMG_OK; }
emg_status_t xls_scan_csv(const uint8_t *d, size_t n, xls_result_t *o) { (void)d; (void)n; (void)o; return EMG_OK; }
void xls_result_free(xls_result_t *r) { strlist_free(&r->sheets); strlist_free(&r->auto_names); strlist_free(&r->formulas); strlist_free(&r->dde); strlist_free(&r->problems); }
