#include "cli.h"
int cmd_scan(int argc, char **argv) { return 2; }
