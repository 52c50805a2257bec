/* ooxml_int.h - SCAFFOLD */
