/* quote.h - SCAFFOLD */
#ifndef EMG_QUOTE_H
#define EMG_QUOTE_H
#endif
