/*
 * history.c - the milter's side of the thread history: outbound mail
 * (from InternalNetworks or an authenticated client) is what the
 * hijack checks will later compare replies against, so each accepted
 * outbound message is handed over here with its envelope and report.
 *
 * The history store is built in a later issue; until then nothing is
 * kept.  This is the one place the milter will call it from.
 */
#include "milter.h"

void
history_record_outbound(const milter_conn_t *conn, const milter_msg_t *msg,
                        const emg_report_t *report)
{
	(void)conn;
	(void)msg;
	(void)report;
}
