/* domain.c - stub, being written. */
#include "domain.h"
