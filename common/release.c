/* release.c - SCAFFOLD */
#include "release.h"
