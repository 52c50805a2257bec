/*
 * charset.c - charset conversion (being split out of message.c).
 */
#include "charset.h"
