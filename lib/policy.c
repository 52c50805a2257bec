/* policy.c - stub */
#include "emguard.h"
