/* config.c - stub */
#include "emguard.h"
