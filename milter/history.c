/*
 * history.c - the milter's side of the thread history: after the verdict,
 * outbound mail (from InternalNetworks or an authenticated client) and
 * inbound mail that was accepted or tagged are recorded in the DataStore,
 * so that the thread analyzer can tell a reply inside a known
 * conversation from one inside a stolen thread.  Mail that was
 * quarantined or rejected is never learnt (callbacks.c decides).
 *
 * Recording never touches the SMTP reply: end of message copies what the
 * history needs out of the report into a bounded queue and goes on; one
 * writer thread drains the queue through its own history handle (a handle
 * is one store connection, used by one thread), up to HISTORY_BATCH_MAX
 * messages a transaction.  When the queue is full or the store fails, the
 * entries are dropped: the mail has gone on either way.
 * A failing store is logged once and retried after 1 s, then after twice
 * as long each time up to HISTORY_RETRY_MAX_SECONDS, so that the history
 * learns again within seconds of a short outage and a store that stays
 * down (or refuses our password) sees a few attempts a minute, not one a
 * message; its recovery is logged with the number of messages not learnt
 * meanwhile.
 *
 * The writer also prunes what is older than HistoryRetention, after the
 * store is first opened and then at most once a day.  Entries still queued
 * when the milter stops are lost (the store itself stays consistent: each
 * record is one transaction): the history is an aid, not a record.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "milter.h"

/* Messages waiting for the writer: minutes of mail at a busy MX, should
 * the store stall. */
#define HISTORY_QUEUE_MAX 4096
/* Queued messages the writer records in one transaction. */
#define HISTORY_BATCH_MAX 64
/* After a store failure, no new connection is tried for 1 s, then for
 * twice as long after each further failure, up to this. */
#define HISTORY_RETRY_MAX_SECONDS 10
#define HISTORY_PRUNE_SECONDS 86400
/* The writer wakes at least this often to see whether a prune is due. */
#define HISTORY_IDLE_SECONDS 3600

/* One message to record, with the snapshot it was scanned on: its
 * DataStore and HistoryRetention apply. */
typedef struct history_item {
	emg_history_entry_t *entry;
	emg_config_t *cfg; /* a reference */
	bool outbound;
} history_item_t;

/* The queue shared by the connection threads and the writer. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	history_item_t items[HISTORY_QUEUE_MAX];
	size_t head, n;
	bool writer;      /* the writer thread runs */
	bool drop_logged; /* "not learnt" said; said again after a drain */
} history_q = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* The writer thread's own state. */
typedef struct history_writer {
	emg_history_t *h;  /* open handle, or NULL */
	emg_config_t *cfg; /* the snapshot H is for (a reference) */
	time_t retry_at;   /* no reopen before this after a failure */
	time_t retry_gap;  /* seconds from the last failure to retry_at */
	time_t prune_at;   /* next prune; 0: right after opening */
	bool failing;      /* a failure was logged */
	uint64_t dropped;  /* messages not learnt while failing */
} history_writer_t;

static void
history_item_free(history_item_t *it)
{
	emg_history_entry_free(it->entry);
	emg_config_unref(it->cfg);
}

/* Log the first failure of an outage only. */
static void
history_failed(history_writer_t *w, const char *what, const char *why)
{
	if (!w->failing)
		log_msg(LOG_ERR,
		        "history: %s: %s; mail goes on without being learnt",
		        what, why);
	w->failing = true;
	w->retry_gap = w->retry_gap == 0 ? 1 : w->retry_gap * 2;
	if (w->retry_gap > HISTORY_RETRY_MAX_SECONDS)
		w->retry_gap = HISTORY_RETRY_MAX_SECONDS;
	w->retry_at = time(NULL) + w->retry_gap;
}

/* A working store after a failure: say so, once. */
static void
history_recovered(history_writer_t *w)
{
	if (!w->failing)
		return;
	log_msg(LOG_INFO,
	        "history: the DataStore works again; %llu messages were not "
	        "learnt meanwhile",
	        (unsigned long long)w->dropped);
	w->failing = false;
	w->dropped = 0;
	w->retry_gap = 0;
}

static void
history_close_store(history_writer_t *w)
{
	emg_history_close(w->h);
	w->h = NULL;
}

/* A handle on the DataStore of CFG: the open one when it is for CFG, else
 * a new one (after a reload the DataStore may have changed).  False when
 * the store cannot be reached now. */
static bool
history_store(history_writer_t *w, emg_config_t *cfg)
{
	if (w->cfg != cfg) {
		history_close_store(w);
		if (w->cfg != NULL)
			emg_config_unref(w->cfg);
		w->cfg = emg_config_ref(cfg);
		w->retry_at = 0;
	}
	if (w->h != NULL)
		return true;
	if (time(NULL) < w->retry_at)
		return false;
	char err[512] = "";
	emg_status_t st = emg_history_open(cfg, &w->h, err, sizeof(err));
	if (st != EMG_OK) {
		w->h = NULL;
		history_failed(w, "cannot open the DataStore",
		               err[0] ? err : emg_strerror(st));
		return false;
	}
	return true;
}

/* Record the N items of BATCH (one snapshot's) in one transaction: one
 * commit, hence one fsync, for a whole batch is what lets one writer keep
 * up with 50 SMTP sessions; one at a time it fell behind by half and the
 * queue held megabytes.  A failure drops the batch. */
static void
history_write(history_writer_t *w, const history_item_t *batch, size_t n)
{
	if (!history_store(w, batch[0].cfg)) {
		w->dropped += n;
		return;
	}
	const char *what = "recording failed";
	emg_status_t st = n > 1 ? emg_history_batch_begin(w->h) : EMG_OK;
	for (size_t i = 0; i < n && st == EMG_OK; i++) {
		st = emg_history_record(w->h, batch[i].entry, batch[i].outbound,
		                        NULL);
		if (st == EMG_EINVAL) /* nothing the store could key it on */
			st = EMG_OK;
	}
	if (st == EMG_OK && n > 1) {
		what = "commit failed";
		st = emg_history_batch_commit(w->h);
	}
	if (st == EMG_OK) {
		history_recovered(w);
		return;
	}
	if (n > 1)
		emg_history_batch_abort(w->h);
	w->dropped += n;
	history_failed(w, what,
	               st == EMG_EIO ? emg_history_error(w->h)
	                             : emg_strerror(st));
	/* the store reconnects once by itself; a second try waits */
	history_close_store(w);
}

/* Prune by HistoryRetention when it is due. */
static void
history_prune_due(history_writer_t *w)
{
	time_t now = time(NULL);
	if (w->cfg == NULL || now < w->prune_at || !history_store(w, w->cfg))
		return;
	unsigned days = emg_history_retention_days(w->cfg);
	if (days == 0) { /* HistoryRetention 0 keeps everything */
		w->prune_at = now + HISTORY_PRUNE_SECONDS;
		return;
	}
	uint64_t removed = 0;
	emg_status_t st = emg_history_prune(
	    w->h, (int64_t)now - (int64_t)days * 86400, &removed);
	if (st != EMG_OK) {
		history_failed(w, "pruning failed",
		               st == EMG_EIO ? emg_history_error(w->h)
		                             : emg_strerror(st));
		history_close_store(w);
		w->prune_at = w->retry_at;
		return;
	}
	w->prune_at = now + HISTORY_PRUNE_SECONDS;
	log_msg(LOG_INFO, "history: pruned %llu messages older than %u days",
	        (unsigned long long)removed, days);
}

/* Take the oldest queued items into BATCH: up to MAX, all of the first
 * one's snapshot, waiting at most until the next prune is due for the
 * first.  Returns how many (0 when the wait ended without one). */
static size_t
history_take(const history_writer_t *w, history_item_t *batch, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&history_q.mu);
	if (history_q.n == 0) {
		time_t now = time(NULL);
		time_t until = now + HISTORY_IDLE_SECONDS;
		if (w->cfg != NULL && w->prune_at > now && w->prune_at < until)
			until = w->prune_at;
		struct timespec ts = {.tv_sec = until};
		/* one wait: the caller loops, checking the prune in between */
		pthread_cond_timedwait(&history_q.cv, &history_q.mu, &ts);
	}
	while (n < max && history_q.n > 0 &&
	       (n == 0 ||
	        history_q.items[history_q.head].cfg == batch[0].cfg)) {
		batch[n++] = history_q.items[history_q.head];
		history_q.head = (history_q.head + 1) % HISTORY_QUEUE_MAX;
		if (--history_q.n == 0)
			history_q.drop_logged = false;
	}
	pthread_mutex_unlock(&history_q.mu);
	return n;
}

static void *
history_writer(void *arg)
{
	(void)arg;
	history_writer_t w = {0};
	history_item_t batch[HISTORY_BATCH_MAX];
	for (;;) { /* runs as long as the milter */
		size_t n = history_take(&w, batch, HISTORY_BATCH_MAX);
		if (n > 0)
			history_write(&w, batch, n);
		for (size_t i = 0; i < n; i++)
			history_item_free(&batch[i]);
		history_prune_due(&w);
	}
	return NULL;
}

/* Start the writer thread, detached.  Caller holds history_q.mu. */
static bool
history_start(void)
{
	if (history_q.writer)
		return true;
	pthread_attr_t attr;
	pthread_t tid;
	if (pthread_attr_init(&attr) != 0)
		return false;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	history_q.writer =
	    pthread_create(&tid, &attr, history_writer, NULL) == 0;
	pthread_attr_destroy(&attr);
	if (!history_q.writer && !history_q.drop_logged) {
		history_q.drop_logged = true;
		log_msg(LOG_ERR, "history: cannot start the writer thread; "
		                 "mail goes on without being learnt");
	}
	return history_q.writer;
}

void
history_learn(milter_snap_t *snap, const emg_report_t *report)
{
	history_item_t it = {.outbound = emg_report_outbound(report)};
	if (emg_history_entry_from_report(report, &it.entry) != EMG_OK ||
	    it.entry == NULL) /* out of memory, or no Message-ID */
		return;
	it.cfg = emg_config_ref(snap->cfg);
	pthread_mutex_lock(&history_q.mu);
	bool queued = false;
	if (history_q.n < HISTORY_QUEUE_MAX && history_start()) {
		size_t tail =
		    (history_q.head + history_q.n) % HISTORY_QUEUE_MAX;
		history_q.items[tail] = it;
		history_q.n++;
		queued = true;
		pthread_cond_signal(&history_q.cv);
	} else if (history_q.writer && !history_q.drop_logged) {
		history_q.drop_logged = true;
		log_msg(LOG_WARNING,
		        "history: %d messages wait for the "
		        "DataStore; newer ones are not learnt",
		        HISTORY_QUEUE_MAX);
	}
	pthread_mutex_unlock(&history_q.mu);
	if (!queued)
		history_item_free(&it);
}
