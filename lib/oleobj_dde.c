/*
 * oleobj_dde.c - DDE and DDEAUTO fields of Word 97-2003 documents (see
 * oleobj.h): oleobj_word_dde scans the WordDocument stream for field
 * begin characters (0x13 ... separator 0x14 / end 0x15) in both 8-bit and
 * UTF-16LE text, and oleobj_is_dde judges one field instruction (rtf.c
 * uses it for \fldinst text too).
 *
 * The scan is bounded: at most OLEOBJ_DDE_SCAN characters of a field are
 * looked at and at most OLEOBJ_DDE_MAX instructions of OLEOBJ_DDE_LEN
 * bytes are kept.  Pure: no I/O, no global state.
 */
#include "oleobj.h"

#include <string.h>
#include <strings.h>

/* DDE field instructions kept, and bytes kept of each. */
#define OLEOBJ_DDE_MAX 16
#define OLEOBJ_DDE_LEN 200
/* Characters of one field instruction looked at. */
#define OLEOBJ_DDE_SCAN 1024
/* Word's field characters. */
#define OLEOBJ_FIELD_BEGIN 0x13
#define OLEOBJ_FIELD_SEP 0x14
#define OLEOBJ_FIELD_END 0x15

/* ---- Word DDE fields ----------------------------------------------------- */

/* The code unit at I of W in text of WIDTH bytes a character. */
static unsigned
oleobj_unit(const uint8_t *w, size_t i, unsigned width)
{
	return width == 1 ? w[i] : (unsigned)(w[i] | (w[i + 1] << 8));
}

/* Append code point CP to BUF (*O bytes used of CAP) as UTF-8, unless it
 * does not fit whole. */
static void
oleobj_put(char *buf, size_t cap, size_t *o, unsigned cp)
{
	char tmp[3];
	size_t k;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xC0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3F));
		k = 2;
	} else {
		tmp[0] = (char)(0xE0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[2] = (char)(0x80 | (cp & 0x3F));
		k = 3;
	}
	if (cap - *o < k)
		return;
	memcpy(buf + *o, tmp, k);
	*o += k;
}

bool
oleobj_is_dde(const char *ins)
{
	size_t k;

	ins += strspn(ins, " ");
	k = strcspn(ins, " \"\\");
	return (k == 3 && strncasecmp(ins, "DDE", 3) == 0) ||
	       (k == 7 && strncasecmp(ins, "DDEAUTO", 7) == 0);
}

/* The field whose begin character is at I of W (N bytes, WIDTH bytes a
 * character): its instruction text up to the separator or end at its own
 * level (nested fields left out) into BUF as UTF-8, control characters
 * stripped.  Returns the index after what was read. */
static size_t
oleobj_field(const uint8_t *w, size_t n, size_t i, unsigned width, char *buf,
             size_t cap)
{
	size_t o = 0, seen = 0;
	unsigned nest = 0;

	for (i += width; n - i >= width && seen < OLEOBJ_DDE_SCAN;
	     i += width, seen++) {
		unsigned c = oleobj_unit(w, i, width);
		if (c == OLEOBJ_FIELD_BEGIN) {
			nest++;
		} else if (c == OLEOBJ_FIELD_END && nest > 0) {
			nest--;
		} else if (c == OLEOBJ_FIELD_SEP || c == OLEOBJ_FIELD_END) {
			if (nest == 0)
				break;
		} else if (nest == 0 && c >= 0x20 && c != 0x7f &&
		           !(c >= 0xD800 && c < 0xE000)) {
			/* 8-bit pieces are Windows-1252: its 0x80-0x9F block
			 * is not Latin-1, the rest is. */
			oleobj_put(buf, cap, &o,
			           width == 1 && c >= 0x80 && c < 0xA0 ? '?'
			                                               : c);
		}
	}
	while (o > 0 && buf[o - 1] == ' ')
		o--;
	buf[o] = '\0';
	return i;
}

/* True when the text after the field begin at I of W reads "DDE" (blanks
 * skipped): the cheap test before an instruction is read whole. */
static bool
oleobj_dde_start(const uint8_t *w, size_t n, size_t i, unsigned width)
{
	static const char want[] = "dde";
	size_t k = 0;
	unsigned blanks = 0;

	for (i += width; n - i >= width && k < 3; i += width) {
		unsigned c = oleobj_unit(w, i, width);
		if (c == ' ' && k == 0 && blanks++ < 16)
			continue;
		if (c > 0x7f || (c | 0x20) != (unsigned char)want[k])
			return false;
		k++;
	}
	return k == 3;
}

/* Scan W for DDE fields in text of WIDTH bytes a character starting at
 * FIRST, adding them to OUT. */
static emg_status_t
oleobj_dde_scan(const uint8_t *w, size_t n, unsigned width, size_t first,
                emg_strlist_t *out)
{
	char ins[OLEOBJ_DDE_LEN + 1];
	size_t i = first;

	while (n - i >= width && n - i - width >= width &&
	       out->n < OLEOBJ_DDE_MAX) {
		if (oleobj_unit(w, i, width) != OLEOBJ_FIELD_BEGIN ||
		    !oleobj_dde_start(w, n, i, width)) {
			i += width;
			continue;
		}
		size_t next =
		    oleobj_field(w, n, i, width, ins, sizeof(ins) - 1);
		if (!oleobj_is_dde(ins)) {
			i += width;
			continue;
		}
		const char *s = ins + strspn(ins, " ");
		bool dup = false;
		for (size_t k = 0; k < out->n && !dup; k++)
			dup = strcmp(out->v[k], s) == 0;
		if (!dup && strlist_add(out, s, (size_t)-1) != 0)
			return EMG_ENOMEM;
		/* What the field held is not read again: hostile text of
		 * nothing but field starts stays linear. */
		i = next > i ? next : i + width;
	}
	return EMG_OK;
}

emg_status_t
oleobj_word_dde(const uint8_t *w, size_t n, emg_strlist_t *out)
{
	emg_status_t st;

	if (out == NULL || (w == NULL && n > 0))
		return EMG_EINVAL;
	if (n == 0)
		return EMG_OK;
	/* Word stores each text piece as 8-bit or as UTF-16LE, and a UTF-16
	 * piece may start at an odd offset: try both alignments. */
	st = oleobj_dde_scan(w, n, 1, 0, out);
	if (st == EMG_OK)
		st = oleobj_dde_scan(w, n, 2, 0, out);
	if (st == EMG_OK)
		st = oleobj_dde_scan(w, n, 2, 1, out);
	return st;
}
