/* server.c - SCAFFOLD */
#include "web.h"
