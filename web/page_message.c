/* SCAFFOLD: the message page, moved out of pages.c (owner: helper web). */
