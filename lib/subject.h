/* subject.h - SCAFFOLD */
#ifndef EMG_SUBJECT_H
#define EMG_SUBJECT_H
#endif
