/*
 * actions.c - the verdict of a scan as milter actions at end of message.
 *
 *   every message  X-Emguard-Score/-Action/-Symbols that arrived are
 *                  removed (attackers forge them to look vetted), ours added
 *   released       a valid release token (X-Emguard-Released, made by
 *                  `emguard quarantine release` for this Message-ID):
 *                  accepted whatever the score, X-Emguard-Action: released;
 *                  a release header that is not valid is removed
 *   tag            Subject prefixed with SubjectTag (lib/subject.c)
 *   quarantine     QuarantineMode hold: MTA hold queue with a reason;
 *                  store: into the emguard quarantine (quarantine.c), then
 *                  discarded (the client got 250); both: stored and held.
 *                  When storing fails, QuarantineFallback: hold, or 451
 *                  4.3.0.  Nothing is discarded that is not stored.
 *   reject         550 5.7.1 RejectText (short reasons)
 *   scan failed    OnError: accept with X-Emguard-Action: unscanned, or
 *                  451 4.3.0 so that the client tries again
 *
 * A scan that ran past LimitScanTime is a failed scan unless what it found
 * before stopping already calls for quarantine or reject: a partial
 * verdict that strong stands.  Texts that reach the SMTP client name
 * categories only, never symbols, details or file names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "milter.h"
#include "subject.h"

/* Distinct symbols listed in X-Emguard-Symbols. */
#define ACTIONS_MAX_SYMBOLS 64
/* Longest SMTP reply text: RFC 5321 allows 512 bytes a line in all. */
#define ACTIONS_REPLY_MAX 400

/* Short reasons a sender may read, by category prefix; the first match
 * wins. */
static const struct {
	const char *prefix;
	const char *reason;
} actions_reasons[] = {
    {"spoof.display_name", "spoofed sender name"},
    {"spoof.lookalike_domain", "look-alike sender domain"},
    {"spoof.", "spoofed sender"},
    {"hijack.", "hijacked mail thread"},
    {"attach.encrypted_archive", "encrypted archive"},
    {"attach.macro", "macro document"},
    {"attach.xlm_macro", "macro document"},
    {"attach.template_injection", "remote template"},
    {"attach.active_content", "active content"},
    {"attach.unscannable", "unscannable content"},
    {"attach.", "dangerous attachment"},
};

#define N_REASONS (sizeof(actions_reasons) / sizeof(actions_reasons[0]))

/* Append S to BUF (size LEN, NUL-terminated), cutting at the end. */
static void
actions_cat(char *buf, size_t len, const char *s)
{
	size_t at = strlen(buf);
	if (at + 1 < len)
		snprintf(buf + at, len - at, "%s", s);
}

/* The short reason of a finding's CATEGORY. */
static const char *
actions_reason(const char *category)
{
	for (size_t r = 0; r < N_REASONS; r++)
		if (strncmp(category, actions_reasons[r].prefix,
		            strlen(actions_reasons[r].prefix)) == 0)
			return actions_reasons[r].reason;
	return "policy";
}

/* "spoofed sender, macro document": the reasons of the findings that
 * counted, each once. */
static void
actions_reason_list(const emg_report_t *rep, char *buf, size_t len)
{
	const char *used[N_REASONS + 1];
	size_t n_used = 0, n = emg_report_finding_count(rep);
	buf[0] = '\0';
	for (size_t i = 0; i < n && n_used <= N_REASONS; i++) {
		const emg_finding_t *f = emg_report_finding(rep, i);
		if (f->score <= 0 && f->force == EMG_ACTION_ACCEPT)
			continue;
		const char *reason = actions_reason(f->category);
		size_t k = 0;
		while (k < n_used && strcmp(used[k], reason) != 0)
			k++;
		if (k < n_used)
			continue;
		used[n_used++] = reason;
		actions_cat(buf, len, buf[0] ? ", " : "");
		actions_cat(buf, len, reason);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "policy");
}

/* The distinct symbols of REP with their summed scores. */
static size_t
actions_symbol_scores(const emg_report_t *rep, const char **names,
                      double *scores)
{
	size_t n = emg_report_finding_count(rep), k = 0;
	for (size_t i = 0; i < n; i++) {
		const emg_finding_t *f = emg_report_finding(rep, i);
		size_t j = 0;
		while (j < k && strcmp(names[j], f->symbol) != 0)
			j++;
		if (j == k) {
			if (k == ACTIONS_MAX_SYMBOLS)
				continue;
			names[k] = f->symbol;
			scores[k++] = 0;
		}
		scores[j] += f->score;
	}
	return k;
}

/* Copy S into DST as SMTP reply text: printable ASCII only, '%' doubled
 * (libmilter drops a text with a single '%'). */
static void
actions_smtp_text(char *dst, size_t len, const char *s)
{
	size_t o = 0;
	for (; *s != '\0' && o + 3 < len; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '%')
			dst[o++] = '%';
		dst[o++] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
	}
	dst[o] = '\0';
}

/* ---- headers ------------------------------------------------------------- */

/* Header values carry their own leading blank when SMFIP_HDR_LEADSPC was
 * negotiated. */
static const char *
actions_lead(const milter_conn_t *c)
{
	return (c->steps & SMFIP_HDR_LEADSPC) ? " " : "";
}

static int
actions_add(SMFICTX *ctx, const milter_conn_t *c, const char *name,
            const char *value)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s%s", actions_lead(c), value);
	int rc = smfi_addheader(ctx, (char *)name, buf);
	if (rc != MI_SUCCESS)
		log_msg(LOG_WARNING, "could not add %s", name);
	return rc;
}

/* Remove occurrences KEEP+1 to N of header NAME, last first so that the
 * indices stay right whether or not the MTA renumbers. */
static void
actions_remove(SMFICTX *ctx, const char *name, unsigned n, unsigned keep)
{
	for (unsigned i = n; i > keep; i--)
		if (smfi_chgheader(ctx, (char *)name, (int)i, NULL) !=
		    MI_SUCCESS)
			log_msg(LOG_WARNING, "could not remove %s #%u", name,
			        i);
}

/* Remove every X-Emguard-* header that came with the message; of the
 * release headers, the first stays when KEEP_RELEASE (it was valid). */
static void
actions_strip_forged(SMFICTX *ctx, const milter_msg_t *m, bool keep_release)
{
	for (int h = 0; h < MILTER_N_HDRS; h++)
		actions_remove(ctx, milter_hdr_names[h], m->forged[h], 0);
	actions_remove(ctx, EMG_RELEASE_HEADER, m->release_headers,
	               keep_release ? 1 : 0);
}

/* Our three headers.  X-Emguard-Symbols is folded so that no line grows
 * past 78 characters whatever the report holds. */
static void
actions_add_verdict(SMFICTX *ctx, const milter_conn_t *c,
                    const emg_report_t *rep, const char *action)
{
	const char *names[ACTIONS_MAX_SYMBOLS];
	double scores[ACTIONS_MAX_SYMBOLS];
	char buf[4096] = "", item[128];
	size_t n = actions_symbol_scores(rep, names, scores);
	size_t line = strlen("X-Emguard-Symbols:");

	for (size_t i = 0; i < n; i++) {
		snprintf(item, sizeof(item), "%s(%.2f)", names[i], scores[i]);
		if (i > 0) {
			bool fold = line + strlen(item) + 2 > 78;
			actions_cat(buf, sizeof(buf), fold ? ",\n\t" : ", ");
			line = fold ? 1 : line + 2;
		}
		actions_cat(buf, sizeof(buf), item);
		line += strlen(item);
	}
	char score[32];
	snprintf(score, sizeof(score), "%.2f", emg_report_score(rep));
	actions_add(ctx, c, milter_hdr_names[MILTER_HDR_SCORE], score);
	actions_add(ctx, c, milter_hdr_names[MILTER_HDR_ACTION], action);
	actions_add(ctx, c, milter_hdr_names[MILTER_HDR_SYMBOLS],
	            n > 0 ? buf : "none");
}

/* ---- actions ------------------------------------------------------------- */

/* Prefix the Subject with SubjectTag, or add a Subject that is the tag. */
static void
actions_tag_subject(SMFICTX *ctx, const milter_conn_t *c,
                    const milter_settings_t *set)
{
	const milter_msg_t *m = &c->msg;
	if (m->subject_seen && m->subject == NULL) {
		log_msg(LOG_WARNING, "Subject longer than %u bytes: not tagged",
		        SUBJECT_RAW_MAX);
		return;
	}
	char *value = NULL;
	emg_status_t st = emg_subject_tag(m->subject, set->subject_tag, &value);
	if (st != EMG_OK) {
		log_msg(LOG_WARNING, "SubjectTag not applied: %s",
		        emg_strerror(st));
		return;
	}
	if (value == NULL) /* already tagged */
		return;
	/* A kept raw value carries its own leading blank. */
	if (m->subject_seen
	        ? smfi_chgheader(ctx, "Subject", 1, value) != MI_SUCCESS
	        : actions_add(ctx, c, "Subject", value) != MI_SUCCESS)
		log_msg(LOG_WARNING, "could not tag the Subject");
	free(value);
}

static sfsistat
actions_tempfail(SMFICTX *ctx, const char *text, milter_outcome_t *out)
{
	out->action = "tempfail";
	smfi_setreply(ctx, "451", "4.3.0", (char *)text);
	return SMFIS_TEMPFAIL;
}

/* OnError: the message could not be scanned. */
static sfsistat
actions_unscanned(SMFICTX *ctx, const milter_conn_t *c,
                  const milter_settings_t *set, milter_outcome_t *out)
{
	if (set->onerror_tempfail)
		return actions_tempfail(
		    ctx, "Message could not be scanned, try again later", out);
	out->action = "unscanned";
	actions_strip_forged(ctx, &c->msg, false);
	actions_add(ctx, c, milter_hdr_names[MILTER_HDR_ACTION], "unscanned");
	return SMFIS_CONTINUE;
}

static sfsistat
actions_reject(SMFICTX *ctx, const emg_report_t *rep,
               const milter_settings_t *set, milter_outcome_t *out)
{
	char reasons[256], text[ACTIONS_REPLY_MAX + 1], safe[2 * sizeof(text)];
	actions_reason_list(rep, reasons, sizeof(reasons));
	snprintf(text, sizeof(text), "%s (%s)", set->reject_text, reasons);
	actions_smtp_text(safe, sizeof(safe), text);
	out->action = "reject";
	if (smfi_setreply(ctx, "550", "5.7.1", safe) != MI_SUCCESS)
		log_msg(LOG_WARNING, "could not set the reject text");
	return SMFIS_REJECT;
}

/* Hold the message in the MTA's queue.  An MTA that cannot hold gets a
 * tempfail: the message must neither be lost nor delivered. */
static sfsistat
actions_hold(SMFICTX *ctx, const emg_report_t *rep, const char *reasons,
             milter_outcome_t *out)
{
	char reason[320];
	snprintf(reason, sizeof(reason), "emguard score %.2f: %s",
	         emg_report_score(rep), reasons);
	if (smfi_quarantine(ctx, reason) != MI_SUCCESS) {
		log_msg(LOG_ERR, "the MTA refused to quarantine the message");
		return actions_tempfail(ctx,
		                        "Message held for review, try "
		                        "again later",
		                        out);
	}
	return SMFIS_CONTINUE;
}

/* Our headers on a message that goes on (accepted, tagged or held). */
static void
actions_mark(SMFICTX *ctx, const milter_conn_t *c, const emg_report_t *rep,
             const char *action)
{
	actions_strip_forged(ctx, &c->msg, false);
	actions_add_verdict(ctx, c, rep, action);
}

/* Quarantine: into the emguard store and/or the MTA's hold queue, as
 * QuarantineMode says; QuarantineFallback when the store fails. */
static sfsistat
actions_quarantine(SMFICTX *ctx, milter_conn_t *c, const emg_report_t *rep,
                   const milter_settings_t *set, milter_outcome_t *out)
{
	char reasons[256];
	actions_reason_list(rep, reasons, sizeof(reasons));
	if (set->qmode != MILTER_QUARANTINE_HOLD) {
		emg_status_t st = quarantine_store(c, rep, reasons, out);
		if (st == EMG_OK && set->qmode == MILTER_QUARANTINE_STORE)
			return SMFIS_DISCARD; /* durable: the MTA may drop it */
		if (st != EMG_OK) {
			log_msg(LOG_ERR, "quarantine: %s", out->error);
			out->fallback =
			    set->qfallback_tempfail ? "tempfail" : "hold";
			if (set->qfallback_tempfail)
				return actions_tempfail(
				    ctx,
				    "Message could not be quarantined, "
				    "try again later",
				    out);
		}
	}
	actions_mark(ctx, c, rep, out->action);
	return actions_hold(ctx, rep, reasons, out);
}

/* A message that carries a valid release token: accepted, whatever its
 * score, with its first release header kept. */
static sfsistat
actions_released(SMFICTX *ctx, const milter_conn_t *c, const emg_report_t *rep,
                 milter_outcome_t *out)
{
	out->action = "released";
	actions_strip_forged(ctx, &c->msg, true);
	actions_add_verdict(ctx, c, rep, out->action);
	return SMFIS_CONTINUE;
}

sfsistat
actions_apply(SMFICTX *ctx, milter_conn_t *c, const emg_report_t *rep,
              milter_outcome_t *out)
{
	const milter_settings_t *set = &c->msg.snap->set;
	*out = (milter_outcome_t){.action = "accept"};
	if (rep != NULL) {
		const char *names[ACTIONS_MAX_SYMBOLS];
		double scores[ACTIONS_MAX_SYMBOLS];
		size_t n = actions_symbol_scores(rep, names, scores);
		for (size_t i = 0; i < n; i++) {
			actions_cat(out->symbols, sizeof(out->symbols),
			            i ? "," : "");
			actions_cat(out->symbols, sizeof(out->symbols),
			            names[i]);
		}
		out->score = emg_report_score(rep);
	}
	/* a person released it: no verdict, not even a partial one, holds
	 * it again */
	if (rep != NULL && c->msg.release_headers > 0) {
		if (quarantine_release_valid(c, rep, out->released, out->error,
		                             sizeof(out->error)))
			return actions_released(ctx, c, rep, out);
		log_msg(LOG_WARNING, "%s", out->error);
	}
	emg_action_t act = rep ? emg_report_action(rep) : EMG_ACTION_ACCEPT;
	if (rep == NULL || (emg_report_has(rep, "SCAN_TIMEOUT") &&
	                    act < EMG_ACTION_QUARANTINE))
		return actions_unscanned(ctx, c, set, out);
	out->action = emg_action_name(act);
	if (act == EMG_ACTION_REJECT)
		return actions_reject(ctx, rep, set, out);
	if (act == EMG_ACTION_QUARANTINE)
		return actions_quarantine(ctx, c, rep, set, out);
	actions_mark(ctx, c, rep, out->action);
	if (act == EMG_ACTION_TAG)
		actions_tag_subject(ctx, c, set);
	return SMFIS_CONTINUE;
}
