/* test_release.c - SCAFFOLD: filled in by its owner. */
int main(void) { return 77; }
