/*
 * report_json.c - the stored scan report read back with json-c
 * (report_json.h), for the emguard command and emguard-web.
 *
 * emg_report_json writes one line of strict JSON with every control
 * character escaped, so anything else is damage: a raw control character
 * (json-c, even strict, lets one through inside a string), a trailing
 * comma, a bad escape, text after the value.  json-c decodes the strings
 * to UTF-8 (a lone surrogate escape as U+FFFD); they are still message
 * content, and every caller neutralises them for its terminal or page.
 */
#include "report_json.h"

#include <string.h>

json_object *
report_json_parse(const char *text)
{
	size_t len = text != NULL ? strlen(text) : 0;
	/* the bound also keeps LEN within json-c's int length */
	if (len == 0 || len > REPORT_JSON_SIZE_MAX)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20)
			return NULL;
	json_tokener *tok = json_tokener_new_ex(REPORT_JSON_DEPTH_MAX);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *v = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(v);
		v = NULL;
	}
	json_tokener_free(tok);
	return v;
}

json_object *
report_json_get(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

const char *
report_json_string(json_object *v)
{
	return json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : "";
}

const char *
report_json_str(json_object *obj, const char *key)
{
	return report_json_string(report_json_get(obj, key));
}

double
report_json_num(json_object *obj, const char *key)
{
	json_object *v = report_json_get(obj, key);
	/* json_object_get_double would also read a string or a boolean */
	return json_object_is_type(v, json_type_double) ||
	               json_object_is_type(v, json_type_int)
	           ? json_object_get_double(v)
	           : 0.0;
}

bool
report_json_bool(json_object *obj, const char *key)
{
	json_object *v = report_json_get(obj, key);
	/* json_object_get_boolean would read "false" or 1 as true */
	return json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

size_t
report_json_array(json_object *obj, const char *key, json_object **arr)
{
	*arr = report_json_get(obj, key);
	if (!json_object_is_type(*arr, json_type_array)) {
		*arr = NULL;
		return 0;
	}
	return json_object_array_length(*arr);
}
