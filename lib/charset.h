/*
 * charset.h - charset conversion for headers and bodies (being split out of
 * message.c).
 */
#ifndef EMG_CHARSET_H
#define EMG_CHARSET_H
#endif
