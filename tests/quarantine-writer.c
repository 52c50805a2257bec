/* quarantine-writer.c - SCAFFOLD */
int main(void) { return 1; }
