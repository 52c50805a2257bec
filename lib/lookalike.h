/*
 * lookalike.h - look-alike domain detection (spoof.lookalike_domain).
 *
 * lookalike.c compares the From, Reply-To and envelope domains of a message
 * with the guarded domains (InternalDomains and ProtectedDomains).  The
 * comparison itself is exposed here so that it can be tested on its own.
 */
#ifndef EMG_LOOKALIKE_H
#define EMG_LOOKALIKE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"
#include "strlist.h"

/* The guarded domains, precomputed (registrable labels, UTS #39
 * skeletons), with the ICU objects to compare against them.  Per thread. */
typedef struct lookalike_state lookalike_state;

/* Build the state from the internal and protected domain lists (either may
 * be NULL).  Returns EMG_OK, EMG_ENOMEM, or EMG_EDEP with ERR filled when
 * ICU or libpsl cannot be set up. */
emg_status_t lookalike_state_new(const emg_strlist_t *internal,
                                 const emg_strlist_t *protected_domains,
                                 lookalike_state **out, char *err,
                                 size_t errlen);
void lookalike_state_free(lookalike_state *st);

/* 1 when DOMAIN looks like, but is not, a guarded domain: WHY gets
 * "exarnple.test looks like example.test (rn/m substitution)".  0 when it
 * does not, and for a guarded domain itself or any subdomain of one (WHY
 * gets ""). */
int lookalike_match(const lookalike_state *st, const char *domain, char *why,
                    size_t whylen);

/* Damerau-Levenshtein distance (optimal string alignment) between two
 * code point arrays, or MAX + 1 when it exceeds MAX. */
unsigned lookalike_distance(const int32_t *a, size_t alen, const int32_t *b,
                            size_t blen, unsigned max);

#endif
