/* pages.c - SCAFFOLD */
#include "web.h"
