/* report.c - stub */
#include "emguard.h"
