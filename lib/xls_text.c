/*
 * xls_text.c - Excel 4.0 macros and DDE in the text formats Excel opens
 * (see xls.h): SYLK (.slk) read line by line (O, C and NN records), CSV
 * cell by cell (a cell that starts with = + - or @ is a formula); of CSV
 * only DDE calls are taken.  Every formula examined is cut to
 * XLS_FIELD_MAX bytes.  The result lists are built with the helpers of
 * xls.c (the internal part of xls.h).  Relies only on libc.
 */
#include "xls.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Bytes of one SYLK or CSV formula examined: Excel's own formula limit. */
#define XLS_FIELD_MAX 8192

/* ---- SYLK and CSV text -------------------------------------------------- */

static bool
xls_ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '.';
}

/* A DDE call in formula text F (N bytes): app|'topic'!item (a name
 * before the bar, a "!" after it), or DDE( / DDEAUTO. */
static bool
xls_is_dde(const char *f, size_t n)
{
	size_t bang = n;

	while (bang > 0 && f[bang - 1] != '!')
		bang--;
	for (size_t k = 0; k < n; k++) {
		if (f[k] == '|' && bang > k + 1) {
			size_t a = k, b;
			while (a > 0 && (f[a - 1] == ' ' || f[a - 1] == '\'' ||
			                 f[a - 1] == '"'))
				a--;
			b = a;
			while (b > 0 && (xls_ident_char(f[b - 1]) ||
			                 f[b - 1] == '\\' || f[b - 1] == ':'))
				b--;
			if (b < a && isalpha((unsigned char)f[b]))
				return true;
		} else if ((k == 0 || !xls_ident_char(f[k - 1])) &&
		           n - k >= 4 && strncasecmp(f + k, "DDE", 3) == 0 &&
		           (f[k + 3] == '(' ||
		            (n - k >= 7 &&
		             strncasecmp(f + k + 3, "AUTO", 4) == 0))) {
			return true;
		}
	}
	return false;
}

/* A formula F (N bytes) of a SYLK cell or name: note the suspicious calls,
 * strings and DDE.  True when it calls a macro-only function. */
static bool
xls_text_formula(xls_ctx_t *c, const char *f, size_t n)
{
	xls_buf_t b;
	bool macro = false;

	if (n > XLS_FIELD_MAX)
		n = XLS_FIELD_MAX;
	for (size_t i = 0; i < n; i++) {
		if (!isalpha((unsigned char)f[i]) ||
		    (i > 0 && xls_ident_char(f[i - 1])))
			continue;
		for (size_t k = 0; k < xls_n_fns; k++) {
			size_t len = strlen(xls_fns[k].name);
			if (n - i <= len || f[i + len] != '(' ||
			    strncasecmp(f + i, xls_fns[k].name, len) != 0)
				continue;
			macro = true;
			if (xls_fns[k].suspicious)
				xls_add(c, &c->out->formulas, XLS_MAX_FORMULAS,
				        xls_fns[k].name);
		}
	}
	xls_scan_strings(c, f, n);
	if (xls_is_dde(f, n)) {
		xls_buf_init(&b);
		xls_buf_bytes(&b, f, n);
		xls_add(c, &c->out->dde, XLS_MAX_DDE, b.s);
	}
	return macro;
}

bool
xls_is_sylk(const uint8_t *d, size_t n)
{
	return d != NULL && n >= 4 && memcmp(d, "ID;P", 4) == 0;
}

/* The next field of a SYLK record at *POS of LINE (N bytes): its code
 * letter and its value, which runs to the next ";" (";;" is a literal
 * semicolon and stays doubled). */
static bool
xls_sylk_field(const char *line, size_t n, size_t *pos, char *code,
               const char **val, size_t *vlen)
{
	size_t i;

	if (*pos >= n)
		return false;
	*code = line[*pos];
	i = *pos + 1;
	while (i < n && !(line[i] == ';' && (i + 1 == n || line[i + 1] != ';')))
		i += line[i] == ';' ? 2 : 1;
	if (i > n)
		i = n;
	*val = line + *pos + 1;
	*vlen = i - *pos - 1;
	*pos = i + 1;
	return true;
}

/* One SYLK record: "O;...;E" (a macro sheet), "C;...;Eformula" (a cell),
 * "NN;Nname;Eexpr" (a defined name). */
static void
xls_sylk_record(xls_ctx_t *c, const char *line, size_t n)
{
	size_t pos = 0, vlen;
	const char *val;
	char code;
	xls_text_t t;

	while (pos < n && line[pos] != ';')
		pos++;
	if (pos == 0 || (line[0] != 'N' && pos != 1) ||
	    (line[0] != 'C' && line[0] != 'O' && line[0] != 'N'))
		return;
	pos++;
	while (c->st == EMG_OK &&
	       xls_sylk_field(line, n, &pos, &code, &val, &vlen)) {
		if (line[0] == 'O' && code == 'E' && vlen == 0)
			c->out->macro_sheets = 1;
		else if (line[0] == 'N' && code == 'N') {
			(void)xls_decode((const uint8_t *)val, vlen, vlen,
			                 false, &t);
			xls_name(c, &t, false);
		} else if (line[0] != 'O' && code == 'E' &&
		           xls_text_formula(c, val, vlen))
			c->out->macro_sheets = 1;
	}
}

emg_status_t
xls_scan_sylk(const uint8_t *d, size_t n, xls_result_t *out)
{
	xls_ctx_t c = {.out = out, .st = EMG_OK};
	const char *s = (const char *)d;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (!xls_is_sylk(d, n)) {
		xls_problem(&c, "not a SYLK file (no ID;P record first)");
		return c.st;
	}
	while (pos < n && c.st == EMG_OK) {
		size_t end = pos;
		while (end < n && s[end] != '\r' && s[end] != '\n')
			end++;
		xls_sylk_record(&c, s + pos, end - pos);
		pos = end;
		while (pos < n && (s[pos] == '\r' || s[pos] == '\n'))
			pos++;
	}
	return c.st;
}

/* Where the CSV cell starting at I ends: at a separator outside quotes
 * and parentheses, at the end of the line, or XLS_FIELD_MAX bytes on. */
static size_t
xls_csv_cell_end(const char *s, size_t n, size_t i)
{
	size_t stop = n - i > XLS_FIELD_MAX ? i + XLS_FIELD_MAX : n;
	bool sq = false, dq = false;
	unsigned depth = 0;

	for (; i < stop && s[i] != '\n' && s[i] != '\r'; i++) {
		char ch = s[i];
		if (ch == '\'' && !dq)
			sq = !sq;
		else if (ch == '"' && !sq)
			dq = !dq;
		else if (!sq && !dq && ch == '(')
			depth++;
		else if (!sq && !dq && ch == ')' && depth > 0)
			depth--;
		else if (!sq && !dq && depth == 0 &&
		         (ch == ',' || ch == ';' || ch == '\t'))
			break;
	}
	return i;
}

emg_status_t
xls_scan_csv(const uint8_t *d, size_t n, xls_result_t *out)
{
	xls_ctx_t c = {.out = out, .st = EMG_OK};
	const char *s = (const char *)d;
	bool cell_start = true;
	size_t i = 0;

	if (d == NULL)
		n = 0;
	while (i < n && c.st == EMG_OK) {
		char ch = s[i];
		if (ch != '\0' && strchr("\r\n,;\t", ch) != NULL) {
			cell_start = true;
			i++;
		} else if (ch == ' ' || ch == '"' || ch == '\'') {
			i++; /* leading quotes and blanks keep a cell's start */
		} else if (cell_start && ch != '\0' && strchr("=+-@", ch)) {
			size_t end = xls_csv_cell_end(s, n, i);
			xls_buf_t b;
			if (xls_is_dde(s + i, end - i)) {
				size_t e = end;
				while (e > i &&
				       (s[e - 1] == ' ' || s[e - 1] == '"'))
					e--;
				xls_buf_init(&b);
				xls_buf_bytes(&b, s + i, e - i);
				xls_add(&c, &out->dde, XLS_MAX_DDE, b.s);
			}
			i = end;
			cell_start = false;
		} else {
			cell_start = false;
			i++;
		}
	}
	return c.st;
}
