/*
 * policy.h - the symbol registry, scores and the verdict.
 *
 * Every analyzer declares its symbols in one static table (emg_symbol_t).
 * policy.c numbers all symbols of all analyzers once, applies the Score
 * overrides of a configuration and maps a total score to an action.
 */
#ifndef EMG_POLICY_H
#define EMG_POLICY_H

#include "emguard.h"

typedef struct emg_config emg_config_t;

typedef struct emg_symbol {
	const char *name;        /* UPPER_SNAKE, e.g. "SPOOF_DISPLAY_NAME_ADDR" */
	const char *category;    /* DESIGN.md taxonomy, e.g. "spoof.display_name" */
	double score;            /* default score */
	emg_action_t force;      /* minimum action, EMG_ACTION_ACCEPT for none */
	const char *description; /* one line for people */
} emg_symbol_t;

/* Number of symbols in the registry, and the one at index I. */
size_t policy_symbol_count(void);
const emg_symbol_t *policy_symbol(size_t i);
/* Index of the symbol NAME, or -1. */
long policy_symbol_find(const char *name);

/* Fill cfg->symbol_scores from the defaults and cfg->scores.
 * Fails with a message naming an unknown symbol. */
emg_status_t policy_apply_scores(emg_config_t *cfg, char *err, size_t errlen);

/* The action for a total SCORE under CFG's thresholds. */
emg_action_t policy_action_for(const emg_config_t *cfg, double score);

#endif
