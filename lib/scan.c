/* scan.c - stub */
#include "emguard.h"
