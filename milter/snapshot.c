/*
 * snapshot.c - the milter's configuration snapshots and the current one.
 *
 * A snapshot wraps the library's immutable emg_config_t with the settings
 * the milter acts on.  The current snapshot is the only state threads
 * share: a reload builds a complete new snapshot first and then swaps the
 * pointer under a mutex, so a message never sees half a configuration and
 * a bad file never replaces a good one.
 *
 * Scanners (emg_scanner_t, one per thread at a time) are pooled on the
 * snapshot they were built for: libmilter starts a thread per SMTP
 * connection, and building and freeing a scanner there costs about
 * 0.36 ms, ten times the scan of a small clean message.  Taking an idle
 * one costs a mutex.  Quarantine handles (emg_quarantine_t, one store
 * connection each, one thread at a time) are pooled the same way, opened
 * only when a message needs one: most mail never does.  A reload leaves
 * the old pools to die with their snapshot.
 *
 * This is the one file that reads fields of struct emg_config (lib/
 * config.h): the public API has no accessors for the milter's keywords
 * yet.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "milter.h"

static pthread_mutex_t snapshot_mu = PTHREAD_MUTEX_INITIALIZER;
static milter_snap_t *snapshot_now;

/* The milter's settings of CFG; ERR says what is wrong with them. */
static emg_status_t
snapshot_settings(const emg_config_t *cfg, milter_settings_t *set, char *err,
                  size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");

	*set = (milter_settings_t){
	    .path = cfg->path ? cfg->path : "(defaults)",
	    .socket = cfg->socket,
	    .user = cfg->user_id,
	    .subject_tag = cfg->subject_tag ? cfg->subject_tag : "",
	    .reject_text = cfg->reject_text ? cfg->reject_text : "",
	    .onerror_tempfail = cfg->on_error == ONERROR_TEMPFAIL,
	    .qmode =
	        cfg->quarantine_mode == QMODE_STORE  ? MILTER_QUARANTINE_STORE
	        : cfg->quarantine_mode == QMODE_BOTH ? MILTER_QUARANTINE_BOTH
	                                             : MILTER_QUARANTINE_HOLD,
	    .qfallback_tempfail =
	        cfg->quarantine_fallback == QFALLBACK_TEMPFAIL,
	    .message_max = cfg->limits.message_size,
	    .buffer_size = cfg->milter_buffer_size,
	    .tmpdir = cfg->temporary_directory ? cfg->temporary_directory
	              : tmpdir && *tmpdir      ? tmpdir
	                                       : "/tmp",
	};
	if (!log_facility(cfg->syslog_facility ? cfg->syslog_facility : "",
	                  &set->syslog_facility)) {
		snprintf(err, errlen,
		         "%s: SyslogFacility: unknown facility "
		         "\"%s\"",
		         set->path,
		         cfg->syslog_facility ? cfg->syslog_facility : "");
		return EMG_ECONFIG;
	}
	if (set->socket == NULL || *set->socket == '\0') {
		snprintf(err, errlen, "%s: Socket is empty", set->path);
		return EMG_ECONFIG;
	}
	return EMG_OK;
}

emg_status_t
snapshot_load(const char *path, milter_snap_t **out, char *err, size_t errlen)
{
	emg_config_t *cfg = NULL;
	*out = NULL;
	emg_status_t st = emg_config_load(path, &cfg, err, errlen);
	if (st != EMG_OK)
		return st;
	milter_snap_t *snap = calloc(1, sizeof(*snap));
	if (snap == NULL) {
		emg_config_unref(cfg);
		return EMG_ENOMEM;
	}
	snap->refcount = 1;
	snap->cfg = cfg;
	pthread_mutex_init(&snap->pool_mu, NULL);
	st = snapshot_settings(cfg, &snap->set, err, errlen);
	if (st != EMG_OK) {
		snapshot_unref(snap);
		return st;
	}
	*out = snap;
	return EMG_OK;
}

milter_snap_t *
snapshot_ref(milter_snap_t *snap)
{
	if (snap != NULL)
		__atomic_add_fetch(&snap->refcount, 1, __ATOMIC_RELAXED);
	return snap;
}

void
snapshot_unref(milter_snap_t *snap)
{
	if (snap == NULL ||
	    __atomic_sub_fetch(&snap->refcount, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (size_t i = 0; i < snap->scanners.n_idle; i++)
		emg_scanner_free(snap->scanners.idle[i]);
	for (size_t i = 0; i < snap->quarantines.n_idle; i++)
		emg_quarantine_close(snap->quarantines.idle[i]);
	pthread_mutex_destroy(&snap->pool_mu);
	emg_config_unref(snap->cfg);
	free(snap);
}

/* An idle object of POOL, or NULL. */
static void *
snapshot_take(milter_snap_t *snap, milter_pool_t *pool)
{
	void *item = NULL;
	pthread_mutex_lock(&snap->pool_mu);
	if (pool->n_idle > 0)
		item = pool->idle[--pool->n_idle];
	pthread_mutex_unlock(&snap->pool_mu);
	return item;
}

/* Keep ITEM idle in POOL; false when the pool is full (the caller frees
 * it). */
static bool
snapshot_keep(milter_snap_t *snap, milter_pool_t *pool, void *item)
{
	bool kept = false;
	pthread_mutex_lock(&snap->pool_mu);
	if (pool->n_idle < SNAPSHOT_POOL_MAX) {
		pool->idle[pool->n_idle++] = item;
		kept = true;
	}
	pthread_mutex_unlock(&snap->pool_mu);
	return kept;
}

emg_status_t
snapshot_scanner_get(milter_snap_t *snap, emg_scanner_t **out, char *err,
                     size_t errlen)
{
	if ((*out = snapshot_take(snap, &snap->scanners)) != NULL)
		return EMG_OK;
	err[0] = '\0';
	emg_status_t st = emg_scanner_new(snap->cfg, out, err, errlen);
	if (st != EMG_OK && err[0] == '\0')
		snprintf(err, errlen, "%s", emg_strerror(st));
	return st;
}

void
snapshot_scanner_put(milter_snap_t *snap, emg_scanner_t *scanner)
{
	if (scanner != NULL && !snapshot_keep(snap, &snap->scanners, scanner))
		emg_scanner_free(scanner);
}

emg_status_t
snapshot_quarantine_get(milter_snap_t *snap, emg_quarantine_t **out, char *err,
                        size_t errlen)
{
	if ((*out = snapshot_take(snap, &snap->quarantines)) != NULL)
		return EMG_OK;
	err[0] = '\0';
	emg_status_t st = emg_quarantine_open(snap->cfg, out, err, errlen);
	if (st != EMG_OK) {
		*out = NULL;
		if (err[0] == '\0')
			snprintf(err, errlen, "%s", emg_strerror(st));
	}
	return st;
}

void
snapshot_quarantine_put(milter_snap_t *snap, emg_quarantine_t *q)
{
	if (q != NULL && !snapshot_keep(snap, &snap->quarantines, q))
		emg_quarantine_close(q);
}

milter_snap_t *
snapshot_current(void)
{
	pthread_mutex_lock(&snapshot_mu);
	milter_snap_t *snap = snapshot_ref(snapshot_now);
	pthread_mutex_unlock(&snapshot_mu);
	return snap;
}

void
snapshot_set_current(milter_snap_t *snap)
{
	pthread_mutex_lock(&snapshot_mu);
	milter_snap_t *old = snapshot_now;
	snapshot_now = snap;
	pthread_mutex_unlock(&snapshot_mu);
	snapshot_unref(old); /* outside the lock: may free a configuration */
}
