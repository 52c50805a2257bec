/*
 * report_json.h - the scan report stored with each quarantine entry
 * (report_json, written by emg_report_json in lib/report.c) read back for
 * display, shared by `emguard quarantine list --json` / `show` and by
 * emguard-web's pages.  Not part of libemguard: it is read with json-c,
 * whose types appear here.
 *
 * The report is json-c's own output but names message content and may
 * have been damaged in the store, so it is read strictly, with a size and
 * a depth bound: whatever is not what report.c writes is no report at
 * all.  The getters take NULL or a value of the wrong type and answer as
 * for an absent member, so that a caller walks a damaged or partial
 * report without checking each step.
 */
#ifndef EMG_REPORT_JSON_H
#define EMG_REPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* Nesting json-c's tokener accepts (report.c writes a handful of levels;
 * the attachment tree is shown 16 or 32 deep). */
#define REPORT_JSON_DEPTH_MAX 64
/* Longest report read: json-c holds a few times the text while it reads.
 * A mail of 990 attachments, near LimitMimeParts' default, has a report
 * of 0.7 MB. */
#define REPORT_JSON_SIZE_MAX (8u << 20)

/* REPORT_JSON parsed whole (json_object_put() it), or NULL when it is
 * NULL, empty, longer than REPORT_JSON_SIZE_MAX, nests deeper than
 * REPORT_JSON_DEPTH_MAX, holds a raw control character or is not strict
 * JSON. */
json_object *report_json_parse(const char *report_json);
/* Member KEY of object OBJ, or NULL. */
json_object *report_json_get(json_object *obj, const char *key);
/* V's text when V is a string, else "". */
const char *report_json_string(json_object *v);
/* The string member KEY, "" when absent or not a string. */
const char *report_json_str(json_object *obj, const char *key);
/* The number member KEY, 0 when absent or not a number (a string or a
 * boolean is not read as one). */
double report_json_num(json_object *obj, const char *key);
/* The boolean member KEY, false when absent or not a boolean. */
bool report_json_bool(json_object *obj, const char *key);
/* The array member KEY into ARR and its length; NULL and 0 when absent
 * or not an array. */
size_t report_json_array(json_object *obj, const char *key, json_object **arr);

#endif
