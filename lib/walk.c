/* walk.c - the attachment walker (being written; see walk.h). */
#include "walk.h"

emg_status_t
walk_expand(emg_message_t *msg, const walk_ctx_t *ctx)
{
	(void)msg;
	(void)ctx;
	return EMG_OK;
}

bool
walk_is_message(const void *data, size_t len, magic_t magic)
{
	(void)data;
	(void)len;
	(void)magic;
	return true;
}
