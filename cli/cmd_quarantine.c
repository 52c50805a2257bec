/* cmd_quarantine.c - SCAFFOLD */
#include "cli.h"
