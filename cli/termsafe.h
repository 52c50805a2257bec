/* termsafe.h - SCAFFOLD */
#ifndef EMG_TERMSAFE_H
#define EMG_TERMSAFE_H
#endif
