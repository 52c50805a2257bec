/*
 * quote.c - the quoted original in a message body (see quote.h): Outlook
 * header blocks in Japanese and English, the attribution lines of Gmail,
 * Thunderbird, Apple Mail and Becky!, and '>' quoting.
 *
 * The body is read line by line, each line with its '>' marks and blanks
 * stripped, so a block or an attribution quoted inside an older quote is
 * read the same way.  A header block opens at a separator ("-----Original
 * Message-----", "-----元のメッセージ-----", a forward banner, Outlook's
 * rule of underscores) or at a From:/差出人: line that another header line
 * follows, so that "From: here" in prose is not a block.  Lines, bytes and
 * participants are bounded (quote.h); the parser never allocates, never
 * fails on text, and reads what it can.  Only quote_name_key() allocates,
 * through text_nfkc().
 */
#include "quote.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

/* An attribution line longer than this is prose, not a client's line. */
#define QUOTE_ATTR_MAX 600
/* Lines looked ahead for a second header line or a quoted paragraph. */
#define QUOTE_LOOKAHEAD 3

/* The kind of a header-block line. */
typedef enum quote_key {
	QUOTE_KEY_NONE,
	QUOTE_KEY_FROM,
	QUOTE_KEY_TO,
	QUOTE_KEY_CC,
	QUOTE_KEY_OTHER, /* Sent, Date, Subject ...: no participants */
} quote_key_t;

/* Header names of Outlook (English and Japanese), Thunderbird and Gmail
 * forward blocks.  Compared ASCII case-insensitively. */
static const struct {
	const char *name;
	quote_key_t key;
} quote_keys[] = {
	{"From", QUOTE_KEY_FROM},       {"差出人", QUOTE_KEY_FROM},
	{"送信者", QUOTE_KEY_FROM},     {"送信元", QUOTE_KEY_FROM},
	{"To", QUOTE_KEY_TO},           {"宛先", QUOTE_KEY_TO},
	{"Cc", QUOTE_KEY_CC},           {"Sent", QUOTE_KEY_OTHER},
	{"Date", QUOTE_KEY_OTHER},      {"送信日時", QUOTE_KEY_OTHER},
	{"日付", QUOTE_KEY_OTHER},      {"日時", QUOTE_KEY_OTHER},
	{"Subject", QUOTE_KEY_OTHER},   {"件名", QUOTE_KEY_OTHER},
	{"Reply-To", QUOTE_KEY_OTHER},  {"返信先", QUOTE_KEY_OTHER},
	{"Importance", QUOTE_KEY_OTHER}, {"重要度", QUOTE_KEY_OTHER},
	{"Attachments", QUOTE_KEY_OTHER}, {"添付ファイル", QUOTE_KEY_OTHER},
};

/* Phrases of separator lines that open a quoted or forwarded message. */
static const char *const quote_separators[] = {
	"original message", "元のメッセージ", "forwarded message",
	"転送メッセージ",   "転送されたメッセージ", "オリジナルメッセージ",
};

/* Endings of attribution lines, before the colon.  Longer forms first. */
static const struct {
	const char *suffix;
	bool japanese; /* distinctive enough to stand without a date */
} quote_suffixes[] = {
	{"さんは書きました", true}, {"さんが書きました", true},
	{"は書きました", true},     {"wrote", false},
	{"writes", false},
};

/* One body line: its content without '>' marks and outer blanks. */
typedef struct quote_line {
	char s[QUOTE_LINE_MAX + 1];
	size_t len;
	unsigned depth; /* '>' marks */
	unsigned no;    /* 1-based line number */
} quote_line_t;

/* Where the next line starts.  Copied to look ahead. */
typedef struct quote_reader {
	const char *text;
	size_t end; /* min(len, QUOTE_BYTES_MAX) */
	size_t pos;
	unsigned no;
} quote_reader_t;

/* The parse: result, block state and a line of look-ahead. */
typedef struct quote_ctx {
	quote_result_t *out;
	bool in_block;
	unsigned block_keys; /* header lines in the open block */
	quote_key_t last_key;
	quote_line_t ahead;
	char join[2 * QUOTE_LINE_MAX + 2];
} quote_ctx_t;

/* ---- characters ---------------------------------------------------------- */

/* Bytes of a blank at S: ASCII blank, NBSP or U+3000 (text NFKC'd by
 * someone else may still hold them); 0 otherwise. */
static size_t
quote_blank(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] == ' ' || u[0] == '\t' || u[0] == '\r' || u[0] == '\f' ||
	    u[0] == '\v')
		return 1;
	if (u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

/* Bytes of a colon at S, ASCII or full-width (U+FF1A); 0 otherwise. */
static size_t
quote_colon(const char *s)
{
	if (s[0] == ':')
		return 1;
	if ((unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbc &&
	    (unsigned char)s[2] == 0x9a)
		return 3;
	return 0;
}

/* S after leading blanks. */
static char *
quote_skip_blanks(char *s)
{
	size_t n;
	while ((n = quote_blank(s)) > 0)
		s += n;
	return s;
}

/* Drop trailing blanks and characters of STRIP from S (NUL-terminated,
 * LEN bytes); returns the new length. */
static size_t
quote_rtrim(char *s, size_t len, const char *strip)
{
	while (len > 0) {
		unsigned char c = (unsigned char)s[len - 1];
		if (c == ' ' || c == '\t' || c == '\r' || strchr(strip, c) != NULL)
			len--;
		else if (len >= 2 && c == 0xa0 && (unsigned char)s[len - 2] == 0xc2)
			len -= 2;
		else if (len >= 3 && c == 0x80 && (unsigned char)s[len - 2] == 0x80 &&
		         (unsigned char)s[len - 3] == 0xe3)
			len -= 3;
		else
			break;
		s[len] = '\0';
	}
	return len;
}

/* Copy at most BUFLEN-1 bytes of S into BUF without cutting a UTF-8
 * sequence; returns the bytes copied. */
static size_t
quote_copy(char *buf, size_t buflen, const char *s, size_t len)
{
	if (len >= buflen) {
		len = buflen - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	return len;
}

/* ---- lines --------------------------------------------------------------- */

/* Read the next line at R into L; false past the end or the line limit. */
static bool
quote_read(quote_reader_t *r, quote_line_t *l)
{
	if (r->pos >= r->end || r->no >= QUOTE_LINES_MAX)
		return false;
	const char *start = r->text + r->pos;
	size_t avail = r->end - r->pos;
	const char *nl = memchr(start, '\n', avail);
	size_t len = nl != NULL ? (size_t)(nl - start) : avail;

	r->pos += len + (nl != NULL);
	r->no++;
	l->no = r->no;
	len = quote_copy(l->s, sizeof(l->s), start, len);
	/* A NUL inside the text would end the line early. */
	for (size_t i = 0; i < len; i++)
		if (l->s[i] == '\0')
			l->s[i] = ' ';

	char *p = quote_skip_blanks(l->s);
	l->depth = 0;
	while (*p == '>') {
		l->depth++;
		p = quote_skip_blanks(p + 1);
	}
	len = strlen(p);
	memmove(l->s, p, len + 1);
	l->len = quote_rtrim(l->s, len, "");
	return true;
}

/* ---- participants -------------------------------------------------------- */

/* Add NAME / ADDR (either may be empty) to the result, merging with a
 * participant already known by the same address or the same bare name. */
static void
quote_add(quote_ctx_t *c, const char *name, const char *addr,
          quote_role_t role, quote_form_t form, const quote_line_t *l)
{
	quote_result_t *out = c->out;

	if (name[0] == '\0' && addr[0] == '\0')
		return;
	for (size_t i = 0; i < out->n; i++) {
		quote_participant_t *p = &out->p[i];
		bool same_addr = addr[0] != '\0' && strcmp(p->addr, addr) == 0;
		bool same_name = name[0] != '\0' && strcmp(p->name, name) == 0;
		if (same_addr && (name[0] == '\0' || p->name[0] == '\0' ||
		                  same_name)) {
			if (p->name[0] == '\0')
				quote_copy(p->name, sizeof(p->name), name,
				           strlen(name));
			return;
		}
		if (same_name && (addr[0] == '\0' || p->addr[0] == '\0')) {
			if (p->addr[0] == '\0')
				quote_copy(p->addr, sizeof(p->addr), addr,
				           strlen(addr));
			return;
		}
	}
	if (out->n >= QUOTE_PARTICIPANTS_MAX) {
		out->truncated = true;
		return;
	}
	quote_participant_t *p = &out->p[out->n++];
	quote_copy(p->name, sizeof(p->name), name, strlen(name));
	quote_copy(p->addr, sizeof(p->addr), addr, strlen(addr));
	p->role = role;
	p->form = form;
	p->line = l->no;
	p->depth = l->depth;
}

/* Copy S (LEN bytes) into ADDR when it looks like an address: local@domain
 * without blanks, "mailto:" dropped, lowercased.  False otherwise. */
static bool
quote_take_addr(const char *s, size_t len, char *addr, size_t addrlen)
{
	/* "< taro@example.test>" after a wrapped line was joined. */
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= 7 && strncasecmp(s, "mailto:", 7) == 0) {
		s += 7;
		len -= 7;
	}
	const char *at = memchr(s, '@', len);
	if (at == NULL || at == s || at == s + len - 1 || len >= addrlen)
		return false;
	for (size_t i = 0; i < len; i++)
		if (quote_blank(s + i) > 0 || strchr("<>()[],;\"", s[i]) != NULL)
			return false;
	for (size_t i = 0; i < len; i++)
		addr[i] = (char)tolower((unsigned char)s[i]);
	addr[len] = '\0';
	return true;
}

/* Clean a display name in place: outer blanks, quotes and brackets go; a
 * name that is an address says nothing more than the address. */
static void
quote_clean_name(char *name)
{
	char *p = quote_skip_blanks(name);
	while (*p == '"' || *p == '\'' || *p == '(')
		p = quote_skip_blanks(p + 1);
	memmove(name, p, strlen(p) + 1);
	quote_rtrim(name, strlen(name), "\"'),;");
	if (strchr(name, '@') != NULL)
		name[0] = '\0';
}

/* Split one person, "Name <a@b>", "Name [mailto:a@b]", "a@b (Name)",
 * "a@b" or a bare "Name", into NAME and ADDR (both "" when absent). */
static void
quote_person(char *s, char *name, char *addr)
{
	char *open, *close;

	name[0] = addr[0] = '\0';
	if ((open = strstr(s, "[mailto:")) != NULL &&
	    (close = strchr(open, ']')) != NULL) {
		quote_take_addr(open + 1, (size_t)(close - open - 1), addr,
		                QUOTE_ADDR_MAX);
		*open = '\0';
		quote_copy(name, QUOTE_NAME_MAX, s, strlen(s));
	} else if ((open = strrchr(s, '<')) != NULL &&
	           (close = strchr(open, '>')) != NULL &&
	           quote_take_addr(open + 1, (size_t)(close - open - 1), addr,
	                           QUOTE_ADDR_MAX)) {
		*open = '\0';
		quote_copy(name, QUOTE_NAME_MAX, s, strlen(s));
	} else if ((open = strchr(s, '@')) != NULL) {
		/* The word holding the '@', the rest (a comment) is the name. */
		char *b = open, *e = open;
		while (b > s && quote_blank(b - 1) == 0 && b[-1] != '(')
			b--;
		while (*e != '\0' && quote_blank(e) == 0 && *e != ')' && *e != '(')
			e++;
		if (quote_take_addr(b, (size_t)(e - b), addr, QUOTE_ADDR_MAX)) {
			memset(b, ' ', (size_t)(e - b));
			quote_copy(name, QUOTE_NAME_MAX, s, strlen(s));
		}
	} else {
		quote_copy(name, QUOTE_NAME_MAX, s, strlen(s));
	}
	quote_clean_name(name);
}

/* Read the people of a header value V ("A <a@x>; B <b@x>", "Yamada, Taro
 * <t@x>", "a@x, b@x") as participants of ROLE.  ';' always separates;
 * ',' only once the piece before it holds an address, because Outlook
 * writes "Last, First" names. */
static void
quote_people(quote_ctx_t *c, char *v, quote_role_t role, quote_form_t form,
             const quote_line_t *l, bool wrapped)
{
	char name[QUOTE_NAME_MAX], addr[QUOTE_ADDR_MAX];
	char *piece = v;
	bool quoted = false, angle = false, has_at = false;

	for (char *p = v;; p++) {
		char ch = *p;
		bool split = ch == '\0';
		if (ch == '"')
			quoted = !quoted;
		else if (ch == '<' || ch == '[')
			angle = true;
		else if (ch == '>' || ch == ']')
			angle = false;
		else if (ch == '@')
			has_at = true;
		else if (!quoted && !angle && (ch == ';' || (ch == ',' && has_at)))
			split = true;
		if (!split)
			continue;
		*p = '\0';
		quote_person(piece, name, addr);
		/* "鈴木 一郎" at the end of a line, " <suzuki@x>" wrapped
		 * onto the next: one person. */
		quote_participant_t *last =
		    c->out->n > 0 ? &c->out->p[c->out->n - 1] : NULL;
		if (wrapped && piece == v && name[0] == '\0' && last != NULL &&
		    last->addr[0] == '\0' && last->role == role)
			quote_copy(last->addr, sizeof(last->addr), addr,
			           strlen(addr));
		else
			quote_add(c, name, addr, role, form, l);
		if (ch == '\0')
			break;
		piece = p + 1;
		has_at = quoted = angle = false;
	}
}

/* ---- header blocks ------------------------------------------------------- */

/* The key of a header-block line S ("From: ...", "*差出人：* ..."), its
 * value in *VALUE; QUOTE_KEY_NONE when S is no such line. */
static quote_key_t
quote_key_of(char *s, char **value)
{
	char *p = s;

	while (*p == '*') /* Gmail renders bold HTML as *From:* */
		p++;
	for (size_t i = 0; i < sizeof(quote_keys) / sizeof(quote_keys[0]); i++) {
		size_t n = strlen(quote_keys[i].name), colon;
		if (strncasecmp(p, quote_keys[i].name, n) != 0)
			continue;
		char *q = quote_skip_blanks(p + n);
		while (*q == '*')
			q++;
		if ((colon = quote_colon(q)) == 0)
			continue;
		q += colon;
		while (*q == '*')
			q++;
		*value = quote_skip_blanks(q);
		return quote_keys[i].key;
	}
	return QUOTE_KEY_NONE;
}

/* True when S is a separator line: a rule of underscores (Outlook), or
 * dashes around a phrase of quote_separators.  *PHRASE tells which. */
static bool
quote_separator(const char *s, bool *phrase)
{
	size_t under = strspn(s, "_"), dash = strspn(s, "-=");

	*phrase = false;
	if (under >= 10 && s[under] == '\0')
		return true;
	if (dash < 2)
		return false;
	for (size_t i = 0;
	     i < sizeof(quote_separators) / sizeof(quote_separators[0]); i++) {
		const char *w = quote_separators[i];
		size_t n = strlen(w);
		for (const char *p = s + dash; *p != '\0'; p++)
			if (strncasecmp(p, w, n) == 0) {
				*phrase = true;
				return true;
			}
	}
	return false;
}

/* One header line of an open block. */
static void
quote_block_line(quote_ctx_t *c, const quote_line_t *l, quote_key_t key,
                 char *value)
{
	if (c->block_keys++ == 0)
		c->out->n_blocks++;
	c->last_key = key;
	if (key == QUOTE_KEY_FROM)
		quote_people(c, value, QUOTE_ROLE_FROM, QUOTE_FORM_HEADER, l,
		             false);
	else if (key == QUOTE_KEY_TO)
		quote_people(c, value, QUOTE_ROLE_TO, QUOTE_FORM_HEADER, l,
		             false);
	else if (key == QUOTE_KEY_CC)
		quote_people(c, value, QUOTE_ROLE_CC, QUOTE_FORM_HEADER, l,
		             false);
}

/* True when another header line follows within QUOTE_LOOKAHEAD lines of
 * R: a From: line that opens a block without a separator. */
static bool
quote_block_follows(quote_ctx_t *c, const quote_reader_t *r)
{
	quote_reader_t look = *r;
	char *value;

	for (int i = 0; i < QUOTE_LOOKAHEAD && quote_read(&look, &c->ahead);
	     i++) {
		if (c->ahead.len == 0)
			continue;
		return quote_key_of(c->ahead.s, &value) != QUOTE_KEY_NONE;
	}
	return false;
}

/* ---- attribution lines --------------------------------------------------- */

/* Where the name starts in an attribution's head S after its date: past
 * the last time ("10:00", "10:00:00"), an AM/PM, a zone ("+0900", "JST",
 * "(JST)"), commas and the Japanese "に".  NULL when there is no time. */
static const char *
quote_after_date(const char *s)
{
	const char *end = NULL, *p;

	for (p = s; p[0] != '\0'; p++)
		if (isdigit((unsigned char)p[0]) && p[1] == ':' &&
		    isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3])) {
			end = p + 4;
			if (end[0] == ':' && isdigit((unsigned char)end[1]) &&
			    isdigit((unsigned char)end[2]))
				end += 3;
		}
	if (end == NULL)
		return NULL;
	p = quote_skip_blanks((char *)end);
	if ((strncasecmp(p, "am", 2) == 0 || strncasecmp(p, "pm", 2) == 0) &&
	    !isalpha((unsigned char)p[2]))
		p = quote_skip_blanks((char *)p + 2);
	while (*p == ',')
		p = quote_skip_blanks((char *)p + 1);
	if ((p[0] == '+' || p[0] == '-') && strspn(p + 1, "0123456789") == 4)
		p = quote_skip_blanks((char *)p + 5);
	else if (strncmp(p, "JST", 3) == 0 || strncmp(p, "UTC", 3) == 0 ||
	         strncmp(p, "GMT", 3) == 0)
		p = quote_skip_blanks((char *)p + 3);
	else if (p[0] == '(' && strchr(p, ')') != NULL &&
	         strchr(p, ')') - p <= 8)
		p = quote_skip_blanks(strchr(p, ')') + 1);
	while (*p == ',')
		p = quote_skip_blanks((char *)p + 1);
	if (strncmp(p, "に", strlen("に")) == 0)
		p = quote_skip_blanks((char *)p + strlen("に"));
	return p;
}

/* The name part of an attribution head HEAD (address already cut off):
 * without its date, into NAME. */
static void
quote_attr_name(char *head, char *name)
{
	const char *p = quote_after_date(head);

	if (p == NULL && strncasecmp(head, "On ", 3) == 0) {
		/* "On Monday, Taro Yamada": the name follows the last comma. */
		const char *comma = strrchr(head, ',');
		p = comma != NULL ? comma + 1 : head + 3;
	}
	if (p == NULL)
		p = head;
	quote_copy(name, QUOTE_NAME_MAX, p, strlen(p));
	quote_clean_name(name);
}

/* True when S (a line, or two joined) is an attribution; its author
 * becomes a participant.  BARE_OK lets "Taro Yamada wrote:" without date
 * or address count (a quoted paragraph follows it). */
static bool
quote_attr(quote_ctx_t *c, char *s, const quote_line_t *l, bool bare_ok)
{
	size_t len = strlen(s), colon = 0;
	bool japanese = false, gmail_ja = false, found = false;

	if (len < 2 || len > QUOTE_ATTR_MAX)
		return false;
	if (s[len - 1] == ':')
		colon = 1;
	else if (len >= 3 && quote_colon(s + len - 3) == 3)
		colon = 3;
	if (colon == 0)
		return false;
	len = quote_rtrim(s, len - colon, "");
	s[len] = '\0';
	for (size_t i = 0; !found && i < sizeof(quote_suffixes) /
	                                       sizeof(quote_suffixes[0]);
	     i++) {
		size_t n = strlen(quote_suffixes[i].suffix);
		if (len < n || strcasecmp(s + len - n, quote_suffixes[i].suffix))
			continue;
		/* "wrote" must be a word of its own. */
		if (!quote_suffixes[i].japanese && len > n &&
		    quote_blank(s + len - n - 1) == 0)
			continue;
		s[len - n] = '\0';
		japanese = quote_suffixes[i].japanese;
		found = true;
	}
	/* Gmail in Japanese: "2024年1月15日(月) 10:00 山田太郎 <t@x>:" */
	if (!found && len > 0 && s[len - 1] == '>' && strchr(s, '@') != NULL &&
	    isdigit((unsigned char)s[0]))
		found = gmail_ja = true;
	if (!found)
		return false;

	char *head = quote_skip_blanks(s);
	quote_rtrim(head, strlen(head), ",");
	/* "On time wrote:" is prose; a client's "On" line carries a date. */
	bool dated = (strncasecmp(head, "On ", 3) == 0 &&
	              strpbrk(head, "0123456789") != NULL) ||
	             isdigit((unsigned char)head[0]) || head[0] == '(';
	if (!japanese && !gmail_ja && !dated && strchr(head, '@') == NULL &&
	    !bare_ok)
		return false;

	char name[QUOTE_NAME_MAX], addr[QUOTE_ADDR_MAX];
	quote_person(head, name, addr); /* cuts the address off HEAD */
	quote_attr_name(head, name);
	c->out->n_attributions++;
	quote_add(c, name, addr, QUOTE_ROLE_FROM, QUOTE_FORM_ATTRIBUTION, l);
	return true;
}

/* True when the next non-empty line after R is quoted deeper than L: the
 * paragraph a bare "Name wrote:" introduces. */
static bool
quote_deeper_follows(quote_ctx_t *c, const quote_reader_t *r,
                     const quote_line_t *l)
{
	quote_reader_t look = *r;

	for (int i = 0; i < QUOTE_LOOKAHEAD && quote_read(&look, &c->ahead);
	     i++)
		if (c->ahead.len > 0)
			return c->ahead.depth > l->depth;
	return false;
}

/* Try L as an attribution, alone or joined with the next line (Gmail
 * wraps long ones; Becky! puts the date on a line of its own).  Consumes
 * the next line from R when the pair matched. */
static void
quote_attribution(quote_ctx_t *c, quote_reader_t *r, const quote_line_t *l)
{
	bool bare_ok = quote_deeper_follows(c, r, l);

	quote_copy(c->join, sizeof(c->join), l->s, l->len);
	if (quote_attr(c, c->join, l, bare_ok))
		return;
	if (strncasecmp(l->s, "On ", 3) != 0 && !isdigit((unsigned char)l->s[0]))
		return;
	quote_reader_t look = *r;
	if (!quote_read(&look, &c->ahead) || c->ahead.len == 0 ||
	    c->ahead.depth != l->depth)
		return;
	size_t n = l->len;
	memcpy(c->join, l->s, n);
	c->join[n++] = ' ';
	memcpy(c->join + n, c->ahead.s, c->ahead.len + 1);
	if (quote_attr(c, c->join, l, false))
		*r = look;
}

/* ---- the parse ----------------------------------------------------------- */

static void
quote_line(quote_ctx_t *c, quote_reader_t *r, const quote_line_t *l)
{
	quote_result_t *out = c->out;
	char *value = NULL;
	bool phrase;

	if (l->depth > 0) {
		out->quoted_lines++;
		if (l->depth > out->max_depth)
			out->max_depth = l->depth;
	}
	if (l->len == 0) {
		if (c->in_block && c->block_keys > 0)
			c->in_block = false;
		return;
	}
	if (quote_separator(l->s, &phrase)) {
		c->in_block = true;
		c->block_keys = 0;
		c->last_key = QUOTE_KEY_NONE;
		if (phrase)
			out->quotes_original = true;
		return;
	}
	/* L is const: key lookup and value splitting work on a copy. */
	quote_copy(c->join, sizeof(c->join), l->s, l->len);
	quote_key_t key = quote_key_of(c->join, &value);
	if (c->in_block) {
		if (key != QUOTE_KEY_NONE) {
			quote_block_line(c, l, key, value);
			return;
		}
		/* A To: or Cc: list wrapped onto the next line. */
		if ((c->last_key == QUOTE_KEY_TO || c->last_key == QUOTE_KEY_CC) &&
		    strchr(c->join, '@') != NULL) {
			quote_people(c, c->join,
			             c->last_key == QUOTE_KEY_TO ? QUOTE_ROLE_TO
			                                         : QUOTE_ROLE_CC,
			             QUOTE_FORM_HEADER, l, true);
			return;
		}
		c->in_block = false;
	} else if (key == QUOTE_KEY_FROM && quote_block_follows(c, r)) {
		c->in_block = true;
		c->block_keys = 0;
		quote_block_line(c, l, key, value);
		return;
	}
	quote_attribution(c, r, l);
}

emg_status_t
quote_parse(const char *text, size_t len, quote_result_t *out)
{
	if (out == NULL || (text == NULL && len > 0))
		return EMG_EINVAL;
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return EMG_OK;

	quote_ctx_t c = {.out = out};
	quote_reader_t r = {
		.text = text,
		.end = len < QUOTE_BYTES_MAX ? len : QUOTE_BYTES_MAX,
	};
	quote_line_t l;
	while (quote_read(&r, &l))
		quote_line(&c, &r, &l);
	if (r.pos < len)
		out->truncated = true;
	out->quotes_original = out->quotes_original || out->n_blocks > 0 ||
	                       out->n_attributions > 0 ||
	                       out->quoted_lines > 0;
	return EMG_OK;
}

/* ---- names --------------------------------------------------------------- */

/* The code point at S (LEN bytes left) and its length in *SEQ; a stray
 * byte is itself, one byte long. */
static uint32_t
quote_codepoint(const unsigned char *s, size_t len, size_t *seq)
{
	size_t n = s[0] < 0xc0 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	uint32_t cp = n == 1 ? s[0] : s[0] & (0x7fu >> n);

	if (n > len)
		n = 1;
	for (size_t k = 1; k < n; k++)
		cp = (cp << 6) | (s[k] & 0x3fu);
	*seq = n;
	return cp;
}

/* True for what a name comparison ignores: blanks, quotes, and the
 * zero-width characters attackers put into names to dodge exact matches
 * (U+200B..U+200D, U+2060, U+FEFF). */
static bool
quote_ignorable(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '"' || cp == '\'' ||
	       (cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 || cp == 0xfeff;
}

emg_status_t
quote_name_key(const char *name, char *buf, size_t buflen)
{
	size_t len, n = 0;

	if (buflen == 0)
		return EMG_EINVAL;
	buf[0] = '\0';
	if (name == NULL)
		return EMG_OK;
	char *nf = text_nfkc(name, strnlen(name, QUOTE_NAME_MAX * 2), &len);
	if (nf == NULL)
		return EMG_ENOMEM;
	for (size_t i = 0, seq; i < len; i += seq) {
		uint32_t cp = quote_codepoint((const unsigned char *)nf + i,
		                              len - i, &seq);
		if (quote_ignorable(cp))
			continue;
		/* Whole characters only: a cut one would never compare. */
		if (n + seq >= buflen)
			break;
		for (size_t k = 0; k < seq; k++)
			buf[n++] = (char)(nf[i + k] >= 'A' && nf[i + k] <= 'Z'
			                      ? nf[i + k] + 32
			                      : nf[i + k]);
	}
	buf[n] = '\0';
	free(nf);
	/* Honorifics are not part of the name: "山田太郎様" is 山田太郎. */
	static const char *const honorifics[] = {"様", "さん", "殿"};
	for (size_t i = 0; i < sizeof(honorifics) / sizeof(honorifics[0]); i++) {
		size_t h = strlen(honorifics[i]);
		if (n > h && strcmp(buf + n - h, honorifics[i]) == 0)
			buf[n -= h] = '\0';
	}
	return EMG_OK;
}
