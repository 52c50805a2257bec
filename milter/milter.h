/* milter.h - SCAFFOLD */
