/* web.h - SCAFFOLD: emguard-web's shared declarations. */
#ifndef EMG_WEB_H
#define EMG_WEB_H
#endif
