/* envelope.c - stub, being written. */
#include "envelope.h"
