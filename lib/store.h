/* store.h - SCAFFOLD */
#ifndef EMG_STORE_H
#define EMG_STORE_H
#endif
