/* onenote.c - OneNote sections (being written; see onenote.h). */
#include "onenote.h"

bool
onenote_is_section(const uint8_t *d, size_t n)
{
	(void)d;
	(void)n;
	return false;
}

emg_status_t
onenote_embedded(const uint8_t *d, size_t n, size_t max, onenote_file_t **files,
                 size_t *n_files, char *why, size_t whylen)
{
	(void)d; (void)n; (void)max; (void)why; (void)whylen;
	*files = NULL;
	*n_files = 0;
	return EMG_OK;
}
