/* oleobj_ppt.c - SCAFFOLD: filled by the split of its module. */
