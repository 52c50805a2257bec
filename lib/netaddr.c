/* netaddr.c - stub, being written. */
#include "netaddr.h"
