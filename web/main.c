/* main.c - SCAFFOLD */
#include "web.h"
int main(void) { return 1; }
