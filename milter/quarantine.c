/* quarantine.c - SCAFFOLD: the milter side of QuarantineMode store. */
#include "milter.h"
