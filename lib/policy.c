/*
 * policy.c - the symbol registry, score overrides and the verdict.
 *
 * Symbols are numbered in the order of analyzer_table (scan.c) and of each
 * analyzer's own table, so an index is stable for one build.  Effective
 * scores are computed once per configuration snapshot, never per message.
 */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "config.h"

size_t
policy_symbol_count(void)
{
	size_t n = 0;
	for (size_t a = 0; a < analyzer_count; a++)
		n += analyzer_table[a]->n_symbols;
	return n;
}

const emg_symbol_t *
policy_symbol(size_t i)
{
	for (size_t a = 0; a < analyzer_count; a++) {
		const emg_analyzer_t *an = analyzer_table[a];
		if (i < an->n_symbols)
			return &an->symbols[i];
		i -= an->n_symbols;
	}
	return NULL;
}

long
policy_symbol_find(const char *name)
{
	long base = 0;
	for (size_t a = 0; a < analyzer_count; a++) {
		const emg_analyzer_t *an = analyzer_table[a];
		for (size_t i = 0; i < an->n_symbols; i++)
			if (strcmp(an->symbols[i].name, name) == 0)
				return base + (long)i;
		base += (long)an->n_symbols;
	}
	return -1;
}

emg_status_t
policy_apply_scores(emg_config_t *cfg, char *err, size_t errlen)
{
	size_t n = policy_symbol_count();
	double *scores = calloc(n ? n : 1, sizeof(double));
	if (scores == NULL)
		return EMG_ENOMEM;
	for (size_t i = 0; i < n; i++)
		scores[i] = policy_symbol(i)->score;
	for (size_t j = 0; j < cfg->n_scores; j++) {
		long idx = policy_symbol_find(cfg->scores[j].symbol);
		if (idx < 0) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s: unknown symbol %s",
				         cfg->path ? cfg->path : "config",
				         cfg->scores[j].symbol);
			free(scores);
			return EMG_ECONFIG;
		}
		scores[idx] = cfg->scores[j].score;
	}
	free(cfg->symbol_scores);
	cfg->symbol_scores = scores;
	return EMG_OK;
}

emg_action_t
policy_action_for(const emg_config_t *cfg, double score)
{
	if (score >= cfg->threshold_reject)
		return EMG_ACTION_REJECT;
	if (score >= cfg->threshold_quarantine)
		return EMG_ACTION_QUARANTINE;
	if (score >= cfg->threshold_tag)
		return EMG_ACTION_TAG;
	return EMG_ACTION_ACCEPT;
}

bool
emg_symbol_at(size_t i, const char **name, const char **category,
              double *default_score, const char **description)
{
	const emg_symbol_t *s = policy_symbol(i);
	if (s == NULL)
		return false;
	if (name != NULL)
		*name = s->name;
	if (category != NULL)
		*category = s->category;
	if (default_score != NULL)
		*default_score = s->score;
	if (description != NULL)
		*description = s->description;
	return true;
}
