/* test_quarantine.c - SCAFFOLD: filled in by its owner. */
int main(void) { return 77; }
