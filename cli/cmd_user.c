/* cmd_user.c - SCAFFOLD */
#include "cli.h"
