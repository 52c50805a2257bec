/*
 * error.c - status codes and action names as text.
 */
#include "emguard.h"

const char *
emg_strerror(emg_status_t status)
{
	switch (status) {
	case EMG_OK: return "success";
	case EMG_ENOMEM: return "out of memory";
	case EMG_EINVAL: return "invalid argument";
	case EMG_EIO: return "input/output error";
	case EMG_EPARSE: return "cannot parse input";
	case EMG_ECONFIG: return "configuration error";
	case EMG_ELIMIT: return "limit reached";
	case EMG_EDEP: return "a library dependency failed";
	case EMG_ETIMEOUT: return "scan time budget exceeded";
	}
	return "unknown error";
}

const char *
emg_action_name(emg_action_t action)
{
	switch (action) {
	case EMG_ACTION_ACCEPT: return "accept";
	case EMG_ACTION_TAG: return "tag";
	case EMG_ACTION_QUARANTINE: return "quarantine";
	case EMG_ACTION_REJECT: return "reject";
	}
	return "accept";
}
