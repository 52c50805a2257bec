/* style.c - SCAFFOLD */
#include "web.h"
