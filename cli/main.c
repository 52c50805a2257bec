#include <stdio.h>
#include <string.h>
#include "emguard.h"
#include "cli.h"
int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "--dump-config") == 0) { emg_config_t *c; emg_config_default(&c); emg_config_dump(c, stdout, true); return 0; }
	if (argc > 1 && strcmp(argv[1], "scan") == 0) return cmd_scan(argc - 1, argv + 1);
	return 2;
}
