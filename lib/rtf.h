/*
 * rtf.h - RTF documents: the OLE objects they embed (\object, \objdata)
 * and their DDE fields, as active.c judges them and as the walker may
 * extract them.
 *
 * Word reads RTF laxly, and lures rely on it: control words split by line
 * breaks, hex data broken up by white space and junk groups, no \object
 * around an \objdata.  The scanner reads the way Word does, within fixed
 * bounds.  Pure functions: no I/O, no global state.
 */
#ifndef EMG_RTF_H
#define EMG_RTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"
#include "strlist.h"

/* Objects described per document (each \objdata destination is one);
 * real documents have one or two. */
#define RTF_MAX_OBJECTS 16
/* Bytes of one \objdata decoded when no more is asked for. */
#define RTF_OBJDATA_MAX (1024u * 1024u)
/* Room for a class name (\objclass text). */
#define RTF_CLASS_MAX 128

/* One \objdata destination: an OLE 1.0 object (MS-OLEDS 2.2.4). */
typedef struct rtf_object {
	char *class_name; /* the class its header names ("Package",
	                   * "Equation.3"), or NULL */
	char *file_name;  /* a Package's embedded file name (UTF-8), or
	                   * NULL */
	uint8_t *data;    /* the Package's file, or the object's native data
	                   * (often a compound file), when asked for */
	size_t len;
	bool truncated; /* DATA is not all of it (limits, or the RTF ends
	                 * first) */
} rtf_object_t;

typedef struct rtf_result {
	bool object;     /* an \object control word */
	bool objdata;    /* an \objdata destination */
	bool objupdate;  /* \objupdate: the object is loaded on open */
	bool objautlink; /* \objautlink: an automatic link */
	bool equation;   /* the Equation Editor (by class name or CLSID) */
	bool package;    /* an OLE Package (class "Package") */
	char cls[RTF_CLASS_MAX]; /* the first \objclass text (printable
	                          * ASCII), or "" */
	size_t n_objects;        /* \objdata destinations seen */
	rtf_object_t objects[RTF_MAX_OBJECTS]; /* the first of them */
	size_t n_described;
	emg_strlist_t classes; /* every \objclass text, once each */
	emg_strlist_t dde;     /* DDE/DDEAUTO field instructions (at most 16,
	                        * 200 bytes each) */
} rtf_result_t;

/* True when D looks like RTF: Word only needs "{\rt" at the start. */
bool rtf_is_rtf(const uint8_t *d, size_t n);

/* Scan the N bytes at D into OUT (zeroed first).  The embedded files'
 * bytes are kept only up to MAX_DATA bytes in all (0: none kept, names and
 * classes only).  EMG_OK or EMG_ENOMEM (OUT then holds what was found). */
emg_status_t rtf_scan(const uint8_t *d, size_t n, size_t max_data,
                      rtf_result_t *out);

void rtf_result_free(rtf_result_t *r);

#endif
