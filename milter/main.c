/* SCAFFOLD: replaced by the module owner; not done. */
int main(void) { return 1; }
