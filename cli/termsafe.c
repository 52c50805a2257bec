/* termsafe.c - SCAFFOLD */
#include "termsafe.h"
