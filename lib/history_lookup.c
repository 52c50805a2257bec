/* history_lookup.c - SCAFFOLD: filled by the split of its module. */
