/*
 * config.h - the configuration snapshot behind emg_config_t.
 *
 * A snapshot is built once by config.c from the declarative keyword table and
 * never changed afterwards, so threads share it by reference; a reload builds
 * a new snapshot.  Analyzers read it through scan->cfg.
 */
#ifndef EMG_CONFIG_H
#define EMG_CONFIG_H

#include "emguard.h"
#include "limits.h"
#include "netaddr.h"
#include "strlist.h"

typedef enum { ONERROR_ACCEPT, ONERROR_TEMPFAIL } emg_onerror_t;
typedef enum { QMODE_HOLD, QMODE_STORE, QMODE_BOTH } emg_qmode_t;
typedef enum { QFALLBACK_HOLD, QFALLBACK_TEMPFAIL } emg_qfallback_t;

typedef struct emg_score_override {
	char *symbol;
	double score;
} emg_score_override_t;

struct emg_config {
	int refcount; /* atomic */
	char *path;   /* file it came from, or NULL for defaults */

	emg_strlist_t internal_domains;
	emg_cidr_t *internal_networks;
	size_t n_internal_networks;
	emg_strlist_t protected_domains;
	emg_strlist_t trusted_authserv_ids;
	emg_strlist_t known_names;       /* display names of people to protect */
	emg_strlist_t forwarders;        /* envelope domains that re-send mail */
	emg_strlist_t freemail_domains;  /* free-mail providers */
	emg_strlist_t archive_passwords; /* tried on every encrypted archive */

	char *data_store;
	unsigned history_retention_days; /* HistoryRetention */
	unsigned history_min_messages;   /* warm-store threshold */
	char *quarantine_dir;
	char *socket;
	char *user_id;
	char *subject_tag;
	char *release_method;
	char *reject_text;
	char *syslog_facility;
	char *temporary_directory; /* NULL: $TMPDIR or /tmp */
	size_t milter_buffer_size; /* message bytes kept in memory */

	double threshold_tag;
	double threshold_quarantine;
	double threshold_reject;
	emg_onerror_t on_error;
	emg_qmode_t quarantine_mode;
	emg_qfallback_t quarantine_fallback; /* when the store fails */
	unsigned quarantine_retention_days;
	char *web_listen;      /* HOST:PORT */
	char *web_certificate; /* NULL/"": plain HTTP */
	char *web_key;
	unsigned web_session_timeout_ms;
	unsigned web_session_lifetime_ms;

	emg_score_override_t *scores;
	size_t n_scores;
	double *symbol_scores; /* effective score per policy symbol index */

	emg_limits_t limits;
};

/* Parse configuration text (used by emg_config_load and by the tests).
 * NAME is used in error messages. */
emg_status_t config_parse(const char *name, const char *text, size_t len,
                          emg_config_t **out, char *err, size_t errlen);

#endif
