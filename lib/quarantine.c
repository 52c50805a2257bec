/* quarantine.c - SCAFFOLD: see quarantine.h; filled in by its owner. */
#include "quarantine.h"
