/* SCAFFOLD */
#ifndef EMG_REPORT_JSON_H
#define EMG_REPORT_JSON_H
#endif
