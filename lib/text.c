/* text.c - stub, being written. */
#include "text.h"
