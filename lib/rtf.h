/*
 * rtf.h - RTF documents: embedded OLE objects (\\object, \\objdata),
 * scanned for active.c.  SCAFFOLD until the owner moves the RTF code here.
 */
#ifndef EMG_RTF_H
#define EMG_RTF_H
#endif
