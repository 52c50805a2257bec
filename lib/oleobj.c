/* SCAFFOLD: replaced by the module owner; not done. */
#include <stdlib.h>
#include "oleobj.h"
emg_status_t oleobj_extract(ole_file_t *o, size_t mf, size_t mb, oleobj_list_t *out) { (void)o; (void)mf; (void)mb; (void)out; return EMG_OK; }
emg_status_t oleobj_parse_native(const uint8_t *s, size_t n, char **name, size_t *off, size_t *len, char *why, size_t whylen) { (void)s; (void)n; (void)why; (void)whylen; *name = NULL; *off = 0; *len = 0; return EMG_EPARSE; }
emg_status_t oleobj_ppt_storages(const uint8_t *d, size_t n, size_t mf, size_t mb, oleobj_list_t *out) { (void)d; (void)n; (void)mf; (void)mb; (void)out; return EMG_OK; }
emg_status_t oleobj_word_dde(const uint8_t *w, size_t n, emg_strlist_t *out) { (void)w; (void)n; (void)out; return EMG_OK; }
void oleobj_list_free(oleobj_list_t *l) { for (size_t i = 0; i < l->n; i++) { free(l->v[i].name); free(l->v[i].source); free(l->v[i].data); } free(l->v); strlist_free(&l->problems); }
