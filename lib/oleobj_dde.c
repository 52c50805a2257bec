/* oleobj_dde.c - SCAFFOLD: filled by the split of its module. */
