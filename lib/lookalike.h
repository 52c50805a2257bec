/*
 * lookalike.h - look-alike domain detection (spoof.lookalike_domain).
 */
#ifndef EMG_LOOKALIKE_H
#define EMG_LOOKALIKE_H
#include "analyzer.h"
#endif
