/* test_quser.c - SCAFFOLD: filled in by its owner. */
int main(void) { return 77; }
