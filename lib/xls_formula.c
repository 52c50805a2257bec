/* xls_formula.c - SCAFFOLD: filled by the split of its module. */
