/* html.c - SCAFFOLD */
#include "web.h"
