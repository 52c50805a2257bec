/* i18n.c - SCAFFOLD */
#include "web.h"
