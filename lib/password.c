/*
 * password.c - password candidates for encrypted archives, read from the
 * Subject and body text of a mail (see password.h).
 *
 * Emotet and Japanese "PPAP" mails write the ZIP password next to a keyword
 * ("パスワード：k9Xp2", "Password: ABC123", "解凍キーは下記です\n  k9Xp2")
 * or inside brackets (「k9Xp2」).  The text has been NFKC-normalised by the
 * caller, so only half-width forms need matching, but "：" and "＝" are
 * matched too for callers that skip NFKC.  A token taken from the mail must
 * be printable ASCII without blanks: Japanese prose that follows a keyword
 * ("パスワードは別メールでお送りします") then never becomes a candidate, and
 * a ZIP password typed on Japanese Windows is ASCII in practice.
 *
 * Relies only on libc and strlist.h.  Every scan is bounded by the input
 * length; the work is O(length x keywords).  Fails only with EMG_ENOMEM.
 */
#include "password.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How far after a keyword a ':' may stand ("Password for the file: x"). */
#define PW_COLON_SPAN 64
/* Blank lines skipped when looking for the password on the next line. */
#define PW_NEXT_LINES 3
/* A "(半角英数字)" style note after a keyword is skipped up to this size. */
#define PW_PAREN_SPAN 48

typedef struct pw_keyword {
	const char *s;   /* as matched: ASCII ones in lower case */
	const char *tag; /* as named in the source string */
	bool ascii;      /* case-insensitive, on ASCII word boundaries */
} pw_keyword_t;

/* Longer keywords before their prefixes: the first match wins. */
static const pw_keyword_t pw_keywords[] = {
    {"パスワード", "パスワード", false},
    {"パスコード", "パスコード", false},
    {"パス", "パス", false},
    {"解凍キー", "解凍キー", false},
    {"解凍", "解凍", false},
    {"暗証番号", "暗証番号", false},
    {"暗証", "暗証", false},
    {"鍵", "鍵", false},
    {"password", "Password", true},
    {"passwort", "Passwort", true},
    {"passwd", "passwd", true},
    {"passcode", "passcode", true},
    {"pass", "Pass", true},
    {"pwd", "PWD", true},
    {"p/w", "P/W", true},
    {"pw", "PW", true},
    {"key", "key", true},
};
#define PW_N_KEYWORDS (sizeof(pw_keywords) / sizeof(pw_keywords[0]))

typedef struct pw_quote {
	const char *open;
	const char *close;
	const char *tag;
} pw_quote_t;

static const pw_quote_t pw_quotes[] = {
    {"「", "」", "「」"}, {"『", "』", "『』"}, {"【", "】", "【】"},
    {"“", "”", "“”"},     {"‘", "’", "‘’"},     {"\"", "\"", "\"\""},
    {"'", "'", "''"},
};
#define PW_N_QUOTES (sizeof(pw_quotes) / sizeof(pw_quotes[0]))

/* English words that follow "password"/"pass"/"key" in prose, never a
 * password themselves ("the password will be sent", "key points"). */
static const char *const pw_stopwords[] = {
    "a",         "an",       "and", "are",  "as",         "attached",
    "be",        "below",    "by",  "file", "follows",    "following",
    "for",       "from",     "has", "here", "in",         "is",
    "it",        "not",      "of",  "on",   "or",         "please",
    "protected", "required", "see", "sent", "separately", "that",
    "the",       "this",     "to",  "was",  "will",       "with",
    "you",       "your",     "zip",
};

/* Connectors skipped between a keyword and its value. */
static const char *const pw_connectors[] = {
    ":",  "：", "=",  "＝", "→",  "⇒",  "->", ")", "]", ">",  "】",
    "』", "」", "》", "は", "が", "も", "、", ",", " ", "\t", "　",
};

typedef struct pw_ctx {
	password_list_t *out;
	size_t max;
	emg_status_t st;
} pw_ctx_t;

/* A line of the text being scanned, and how to name it in a source. */
typedef struct pw_line {
	const char *p, *e; /* the line, without its line end */
	const char *next;  /* where the following line starts */
	const char *end;   /* end of the whole text */
	const char *label; /* "body" or "subject" */
	unsigned no;       /* line number, 0 when not numbered */
} pw_line_t;

static bool
pw_full(const pw_ctx_t *c)
{
	return c->st != EMG_OK || c->out->n >= c->max;
}

static bool
pw_isalnum(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') ||
	       ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z');
}

static bool
pw_starts(const char *p, const char *e, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(e - p) >= n && memcmp(p, s, n) == 0;
}

/* True when the 3 bytes at P (P + 3 <= E) are a katakana, U+30A0..30FF. */
static bool
pw_katakana(const char *p, const char *e)
{
	const unsigned char *u = (const unsigned char *)p;
	if (e - p < 3 || u[0] != 0xE3)
		return false;
	return (u[1] == 0x82 && u[2] >= 0xA0) || u[1] == 0x83;
}

/* Length of the keyword at P within [B, E), with its index, or 0. */
static size_t
pw_keyword_at(const char *b, const char *p, const char *e, size_t *idx)
{
	for (size_t k = 0; k < PW_N_KEYWORDS; k++) {
		const pw_keyword_t *kw = &pw_keywords[k];
		size_t n = strlen(kw->s);
		if ((size_t)(e - p) < n)
			continue;
		if (kw->ascii) {
			if (strncasecmp(p, kw->s, n) != 0)
				continue;
			if ((p > b && pw_isalnum((unsigned char)p[-1])) ||
			    (p + n < e && pw_isalnum((unsigned char)p[n])))
				continue;
		} else {
			if (memcmp(p, kw->s, n) != 0)
				continue;
			/* "パス" inside パスポート, コンパス, パスタ is no
			 * keyword. */
			if (strcmp(kw->s, "パス") == 0 &&
			    ((p - b >= 3 && pw_katakana(p - 3, e)) ||
			     pw_katakana(p + n, e)))
				continue;
		}
		*idx = k;
		return n;
	}
	return 0;
}

static bool
pw_has_keyword(const char *p, const char *e)
{
	size_t kw;
	for (const char *q = p; q < e; q++)
		if (pw_keyword_at(p, q, e, &kw) > 0)
			return true;
	return false;
}

/* Skip one parenthesised note such as "(半角英数字)" or "(case sensitive)". */
static const char *
pw_skip_paren(const char *p, const char *e)
{
	if (p >= e || *p != '(')
		return p;
	for (const char *q = p + 1; q < e && q - p <= PW_PAREN_SPAN; q++)
		if (*q == ')')
			return q + 1;
	return p;
}

/* Skip blanks, ':', '=', particles, "is" and closing brackets. */
static const char *
pw_skip_connectors(const char *p, const char *e)
{
	for (unsigned round = 0; round < 32 && p < e; round++) {
		const char *q = pw_skip_paren(p, e);
		if (q == p && (size_t)(e - p) >= 2 &&
		    strncasecmp(p, "is", 2) == 0 &&
		    (e - p == 2 || !pw_isalnum((unsigned char)p[2])))
			q = p + 2;
		for (size_t i = 0; q == p && i < sizeof(pw_connectors) /
		                                     sizeof(pw_connectors[0]);
		     i++)
			if (pw_starts(p, e, pw_connectors[i]))
				q = p + strlen(pw_connectors[i]);
		if (q == p)
			break;
		p = q;
	}
	return p;
}

/* After "Password for the file:", the value follows the colon; a sentence
 * end before the colon means the colon belongs to something else. */
static const char *
pw_after_colon(const char *p, const char *e)
{
	for (const char *q = p; q < e && q - p < PW_COLON_SPAN; q++) {
		if (*q == ':')
			return q + 1;
		if (pw_starts(q, e, "："))
			return q + strlen("：");
		if (pw_starts(q, e, "。") || *q == '!' || *q == '?' ||
		    (*q == '.' && (q + 1 == e || q[1] == ' ')))
			return NULL;
	}
	return NULL;
}

/* True when the last byte of [P, Q) ends a sentence or opens a note
 * ("abc123.", "abc123(半角)") or closes a bracket never opened
 * ("(PW: abc123)"), rather than belonging to the password ("Ab(1)"). */
static bool
pw_strip_last(const char *p, const char *q)
{
	static const char closers[] = ")]}>", openers[] = "([{<";
	char ch = q[-1];
	const char *cl = strchr(closers, ch);

	if (ch == '\0')
		return false;
	if (strchr(".,;:!?([{<", ch) != NULL)
		return true;
	if (cl == NULL)
		return false;
	return memchr(p, openers[cl - closers], (size_t)(q - 1 - p)) == NULL;
}

/* The quoted text at P, if P opens one of pw_quotes closed on this line. */
static bool
pw_quoted_at(const char *b, const char *p, const char *e, const char **tok,
             size_t *len, const char **after, size_t *which)
{
	for (size_t i = 0; i < PW_N_QUOTES; i++) {
		const pw_quote_t *q = &pw_quotes[i];
		size_t ol = strlen(q->open), cl = strlen(q->close);
		if (!pw_starts(p, e, q->open))
			continue;
		/* An apostrophe inside a word ("don't") opens nothing. */
		if (*q->open == '\'' && p > b &&
		    pw_isalnum((unsigned char)p[-1]))
			return false;
		const char *s = p + ol;
		for (const char *c = s; c < e && c - s <= PASSWORD_MAX_LEN;
		     c++) {
			if (!pw_starts(c, e, q->close))
				continue;
			*tok = s;
			*len = (size_t)(c - s);
			*after = c + cl;
			*which = i;
			return true;
		}
		return false;
	}
	return false;
}

/* The token at P: quoted text, or a run of printable ASCII without the
 * sentence punctuation after it.  *AFTER is where scanning resumes. */
static bool
pw_token_at(const char *b, const char *p, const char *e, const char **tok,
            size_t *len, const char **after)
{
	size_t which;
	if (pw_quoted_at(b, p, e, tok, len, after, &which))
		return *len > 0;
	const char *q = p;
	while (q < e && (unsigned char)*q > 0x20 && (unsigned char)*q < 0x7F)
		q++;
	*after = q;
	while (q > p && pw_strip_last(p, q))
		q--;
	*tok = p;
	*len = (size_t)(q - p);
	return *len > 0;
}

/* True when TOK can be a password typed by a person. */
static bool
pw_token_ok(const char *tok, size_t len, bool check_stopwords)
{
	bool alnum = false;
	if (len == 0 || len > PASSWORD_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)tok[i];
		if (ch <= 0x20 || ch >= 0x7F)
			return false;
		alnum |= pw_isalnum(ch);
	}
	if (!alnum)
		return false;
	for (size_t i = 0; check_stopwords &&
	                   i < sizeof(pw_stopwords) / sizeof(pw_stopwords[0]);
	     i++)
		if (strlen(pw_stopwords[i]) == len &&
		    strncasecmp(tok, pw_stopwords[i], len) == 0)
			return false;
	return true;
}

/* True when every byte of [P, E) is in SET (the text is not terminated). */
static bool
pw_only(const char *p, const char *e, const char *set)
{
	for (; p < e; p++)
		if (*p == '\0' || strchr(set, *p) == NULL)
			return false;
	return true;
}

/* Append TOK unless already present; SOURCE is copied. */
static void
pw_add(pw_ctx_t *c, const char *tok, size_t len, const char *source)
{
	password_list_t *l = c->out;
	if (pw_full(c))
		return;
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i].text) == len &&
		    memcmp(l->v[i].text, tok, len) == 0)
			return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		password_candidate_t *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			c->st = EMG_ENOMEM;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	char *t = strndup(tok, len), *s = strdup(source);
	if (t == NULL || s == NULL) {
		free(t);
		free(s);
		c->st = EMG_ENOMEM;
		return;
	}
	l->v[l->n].text = t;
	l->v[l->n].source = s;
	l->n++;
}

/* "body line 3 after パスワード" / "subject after PW". */
static void
pw_source(char *buf, size_t len, const pw_line_t *ln, const char *how,
          const char *tag)
{
	if (ln->no == 0)
		snprintf(buf, len, "%s %s %s", ln->label, how, tag);
	else
		snprintf(buf, len, "%s line %u %s %s", ln->label, ln->no, how,
		         tag);
}

/* The value of the keyword ending at P; true when a valid token was seen
 * (added, or already present).  *REST_EMPTY: nothing follows the keyword. */
static bool
pw_keyword_value(pw_ctx_t *c, const pw_line_t *ln, const char *p, size_t kw,
                 bool *rest_empty, const char **resume)
{
	const char *tok, *after, *colon = pw_after_colon(p, ln->e);
	size_t len;
	char src[160];

	p = pw_skip_connectors(colon ? colon : p, ln->e);
	*resume = p;
	*rest_empty = p >= ln->e;
	if (!pw_token_at(ln->p, p, ln->e, &tok, &len, &after) ||
	    !pw_token_ok(tok, len, true))
		return false;
	*resume = after;
	pw_source(src, sizeof(src), ln, "after", pw_keywords[kw].tag);
	pw_add(c, tok, len, src);
	/* "Password: Summer2024!": the '!' may be the password's own; try
	 * the text as written after the stripped form. */
	if (tok + len < after && tok == p && pw_only(tok + len, after, "!?.") &&
	    pw_token_ok(tok, (size_t)(after - tok), true)) {
		pw_source(src, sizeof(src), ln, "after", pw_keywords[kw].tag);
		strncat(src, ", as written", sizeof(src) - strlen(src) - 1);
		pw_add(c, tok, (size_t)(after - tok), src);
	}
	return true;
}

/* The password alone on the next non-empty line ("パスワード：\n  k9Xp2").
 * When text followed the keyword ("パスワードは下記の通りです。"), the next
 * line must hold nothing but the token, so that prose is not taken. */
static void
pw_next_line(pw_ctx_t *c, const pw_line_t *ln, size_t kw, bool rest_empty)
{
	const char *p = ln->next, *tok, *after;
	unsigned no = ln->no;
	size_t len;
	char src[160];

	for (unsigned skipped = 0; p < ln->end && skipped <= PW_NEXT_LINES;
	     skipped++) {
		const char *e = memchr(p, '\n', (size_t)(ln->end - p));
		const char *le = e ? e : ln->end;
		no++;
		const char *a = pw_skip_connectors(p, le); /* leading blanks */
		while (le > a &&
		       (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
			le--;
		if (a < le) {
			/* "PW: x" on the next line is that line's own. */
			if (pw_has_keyword(a, le) ||
			    !pw_token_at(p, a, le, &tok, &len, &after) ||
			    !pw_token_ok(tok, len, true))
				return;
			if (!rest_empty && pw_skip_connectors(after, le) < le)
				return;
			if (ln->no == 0)
				snprintf(src, sizeof(src),
				         "%s next line after %s", ln->label,
				         pw_keywords[kw].tag);
			else
				snprintf(src, sizeof(src),
				         "%s line %u after %s on line %u",
				         ln->label, no, pw_keywords[kw].tag,
				         ln->no);
			pw_add(c, tok, len, src);
			return;
		}
		if (e == NULL)
			return;
		p = e + 1;
	}
}

/* Every keyword on one line; the next line when none had a value. */
static void
pw_line_keywords(pw_ctx_t *c, const pw_line_t *ln)
{
	bool found = false, rest_empty = false, first = true;
	size_t first_kw = 0, kw, n;
	const char *p = ln->p;

	while (p < ln->e && !pw_full(c)) {
		n = pw_keyword_at(ln->p, p, ln->e, &kw);
		if (n == 0) {
			p++;
			continue;
		}
		/* "解凍パスワード", "ZIP Password (PW):": let the last keyword
		 * of a run take the value. */
		const char *q = pw_skip_connectors(p + n, ln->e);
		size_t k2;
		if (q < ln->e && pw_keyword_at(ln->p, q, ln->e, &k2) > 0) {
			p = q;
			continue;
		}
		bool empty = false;
		const char *resume;
		found |= pw_keyword_value(c, ln, p + n, kw, &empty, &resume);
		if (first) {
			first_kw = kw;
			first = false;
		}
		rest_empty |= empty;
		p = resume > p + n ? resume : p + n;
	}
	if (!first && !found && !pw_full(c))
		pw_next_line(c, ln, first_kw, rest_empty);
}

/* Quoted text on one line: 「k9Xp2」, "ABC123". */
static void
pw_line_quotes(pw_ctx_t *c, const pw_line_t *ln)
{
	const char *p = ln->p, *tok, *after;
	size_t len, which;
	char src[160];

	while (p < ln->e && !pw_full(c)) {
		if (!pw_quoted_at(ln->p, p, ln->e, &tok, &len, &after,
		                  &which)) {
			p++;
			continue;
		}
		if (!pw_token_ok(tok, len, false)) {
			/* Nested quotes: 「パスワードは「abc」です」. */
			p += strlen(pw_quotes[which].open);
			continue;
		}
		pw_source(src, sizeof(src), ln, "in", pw_quotes[which].tag);
		pw_add(c, tok, len, src);
		p = after;
	}
}

/* Run FN over every line of S (LEN bytes). */
static void
pw_lines(pw_ctx_t *c, const char *s, size_t len, const char *label,
         bool numbered, void (*fn)(pw_ctx_t *, const pw_line_t *))
{
	const char *p = s, *end = s + len;
	unsigned no = 0;

	while (p < end && !pw_full(c)) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		pw_line_t ln = {
		    .p = p, .e = nl ? nl : end, .end = end, .label = label};
		ln.next = nl ? nl + 1 : end;
		if (ln.e > ln.p && ln.e[-1] == '\r')
			ln.e--;
		no++;
		ln.no = numbered ? no : 0;
		fn(c, &ln);
		p = ln.next;
	}
}

emg_status_t
password_candidates(const char *subject, const char *text, size_t text_len,
                    const emg_strlist_t *common, unsigned max,
                    password_list_t *out)
{
	pw_ctx_t c = {.out = out, .max = max, .st = EMG_OK};
	size_t slen = subject ? strlen(subject) : 0;

	if (out == NULL || (text == NULL && text_len > 0))
		return EMG_EINVAL;
	if (c.max > PASSWORD_HARD_MAX)
		c.max = PASSWORD_HARD_MAX;
	if (text == NULL)
		text = "";
	pw_lines(&c, subject ? subject : "", slen, "subject", false,
	         pw_line_keywords);
	pw_lines(&c, text, text_len, "body", true, pw_line_keywords);
	pw_lines(&c, subject ? subject : "", slen, "subject", false,
	         pw_line_quotes);
	pw_lines(&c, text, text_len, "body", true, pw_line_quotes);
	for (size_t i = 0; common != NULL && i < common->n && !pw_full(&c);
	     i++) {
		size_t len = strlen(common->v[i]);
		if (len > 0 && len <= PASSWORD_MAX_LEN)
			pw_add(&c, common->v[i], len, "common list");
	}
	return c.st;
}

void
password_list_free(password_list_t *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].text);
		free(l->v[i].source);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
