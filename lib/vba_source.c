/* vba_source.c - SCAFFOLD: filled by the split of its module. */
