/* release.h - SCAFFOLD: re-injection of released mail (sendmail / SMTP). */
#ifndef EMG_RELEASE_H
#define EMG_RELEASE_H
#endif
