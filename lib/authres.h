/*
 * authres.h - Authentication-Results (RFC 8601) parsing (spoof.auth_fail).
 */
#ifndef EMG_AUTHRES_H
#define EMG_AUTHRES_H
#include "analyzer.h"
#endif
