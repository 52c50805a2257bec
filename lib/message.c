/* message.c - stub, being written. */
#include "message.h"
