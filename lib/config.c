/*
 * config.c - emguard.conf: one declarative keyword table drives the parser,
 * the defaults, `emguard --dump-config` and the sample etc/emguard.conf.
 *
 * Format (as OpenDKIM and clamav-milter): "Keyword value" lines, '#'
 * comments, list values comma-separated or "file:/path" (one item a line).
 * A value may be double-quoted to keep blanks.  An unknown keyword, a bad
 * value or a repeated keyword stops loading with "file:line: reason".
 * Defaults are given as text in the table and go through the same parser, so
 * a default can never disagree with what the parser accepts.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

#define CONFIG_MAX_FILE (4u * 1024 * 1024) /* config and list files */
#define CONFIG_MAX_LINE 8192

typedef enum {
	CT_STRING,   /* char * */
	CT_LIST,     /* emg_strlist_t */
	CT_NETWORKS, /* emg_cidr_t * + count */
	CT_NUMBER,   /* double */
	CT_SIZE,     /* size_t, with k/M/G suffixes */
	CT_UINT,     /* unsigned */
	CT_U64SIZE,  /* uint64_t, with k/M/G suffixes */
	CT_MS,       /* unsigned milliseconds, with ms/s/m/h/d suffixes */
	CT_ONERROR,  /* emg_onerror_t */
	CT_QMODE,    /* emg_qmode_t */
	CT_QFALLBACK, /* emg_qfallback_t */
	CT_SCORE,    /* repeatable "SYMBOL score" */
} config_type_t;

typedef struct config_key {
	const char *keyword;
	config_type_t type;
	size_t offset;
	const char *def;     /* default, as config text ("" for none) */
	const char *example; /* shown in the sample file when def is "" */
	const char *help;
} config_key_t;

#define OFF(field) offsetof(struct emg_config, field)
#define LOFF(field) (offsetof(struct emg_config, limits) + offsetof(emg_limits_t, field))

/* Free-mail providers seen in Japanese business mail and in Emotet's
 * reply-to addresses.  Extend with FreemailDomains file:/path. */
#define FREEMAIL_DEFAULT                                                       \
	"gmail.com, googlemail.com, yahoo.co.jp, yahoo.com, ymail.com, "       \
	"outlook.com, outlook.jp, hotmail.com, hotmail.co.jp, live.jp, "       \
	"live.com, msn.com, icloud.com, me.com, mac.com, aol.com, "            \
	"gmx.com, gmx.net, mail.com, yandex.ru, mail.ru, protonmail.com, "     \
	"proton.me, zoho.com, excite.co.jp, goo.jp, nifty.com, "               \
	"docomo.ne.jp, ezweb.ne.jp, au.com, softbank.ne.jp, i.softbank.jp, "   \
	"ybb.ne.jp, 163.com, 126.com, qq.com, naver.com"

static const config_key_t config_keys[] = {
	{"InternalDomains", CT_LIST, OFF(internal_domains), "",
	 "example-corp.co.jp, example-corp.com",
	 "The organisation's own domains (comma-separated or file:/path)."},
	{"InternalNetworks", CT_NETWORKS, OFF(internal_networks),
	 "127.0.0.0/8, ::1/128", NULL,
	 "Client networks that count as inside (CIDR list)."},
	{"ProtectedDomains", CT_LIST, OFF(protected_domains), "",
	 "partner.co.jp, bank.co.jp",
	 "Further domains to guard against look-alikes (partners, banks)."},
	{"TrustedAuthservIDs", CT_LIST, OFF(trusted_authserv_ids), "",
	 "mx.example-corp.co.jp",
	 "Whose Authentication-Results headers to believe."},
	{"KnownNames", CT_LIST, OFF(known_names), "", "山田太郎, Taro Yamada",
	 "Display names of people to protect (executives, accounting)."},
	{"Forwarders", CT_LIST, OFF(forwarders), "", "lists.example.org",
	 "Envelope domains that legitimately re-send others' mail."},
	{"FreemailDomains", CT_LIST, OFF(freemail_domains), FREEMAIL_DEFAULT,
	 NULL, "Free-mail providers (a business From with such a Reply-To is "
	       "suspicious)."},
	{"ArchivePasswords", CT_LIST, OFF(archive_passwords),
	 "infected, virus, malware, password, 1234, 12345, 123456", NULL,
	 "Passwords tried on every encrypted archive after those found in the "
	 "message."},
	{"DataStore", CT_STRING, OFF(data_store),
	 "sqlite:/var/lib/emguard/emguard.db", NULL,
	 "Thread history and quarantine index: sqlite:PATH or postgresql://..."},
	{"HistoryRetention", CT_UINT, OFF(history_retention_days), "400", NULL,
	 "Days the thread history keeps a message, or a correspondent after "
	 "it was last seen (pruned daily; 0 keeps everything)."},
	{"HistoryMinMessages", CT_UINT, OFF(history_min_messages), "200", NULL,
	 "Messages the history must hold before the thread checks trust it "
	 "(a colder store is reported as not used)."},
	{"QuarantineDir", CT_STRING, OFF(quarantine_dir),
	 "/var/spool/emguard/quarantine", NULL,
	 "Where held messages are kept (SQLite backend)."},
	{"Socket", CT_STRING, OFF(socket), "unix:/run/emguard/milter.sock", NULL,
	 "Milter listen address: unix:PATH or inet:PORT@HOST."},
	{"UserID", CT_STRING, OFF(user_id), "emguard", NULL,
	 "User the milter runs as after opening its socket."},
	{"SyslogFacility", CT_STRING, OFF(syslog_facility), "mail", NULL,
	 "Syslog facility of the milter."},
	{"MilterBufferSize", CT_SIZE, OFF(milter_buffer_size), "1M", NULL,
	 "Bytes of one message the milter keeps in memory; the rest of a "
	 "larger message goes to an unlinked temporary file."},
	{"TemporaryDirectory", CT_STRING, OFF(temporary_directory), "",
	 "/var/tmp",
	 "Where the milter spills large messages (default: $TMPDIR or /tmp)."},
	{"ThresholdTag", CT_NUMBER, OFF(threshold_tag), "5", NULL,
	 "Score from which a message is tagged."},
	{"ThresholdQuarantine", CT_NUMBER, OFF(threshold_quarantine), "10", NULL,
	 "Score from which a message is quarantined."},
	{"ThresholdReject", CT_NUMBER, OFF(threshold_reject), "20", NULL,
	 "Score from which a message is rejected."},
	{"SubjectTag", CT_STRING, OFF(subject_tag), "\"[要注意] \"", NULL,
	 "Prefix added to the Subject of tagged mail (quote it to keep the "
	 "blank)."},
	{"RejectText", CT_STRING, OFF(reject_text),
	 "\"Message rejected by security policy\"", NULL,
	 "Text of the 550 5.7.1 answer; the short reasons are appended."},
	{"Score", CT_SCORE, OFF(scores), "", "ATTACH_UNSCANNABLE 4.0",
	 "Override a symbol's score: Score SYMBOL VALUE (repeatable; see "
	 "`emguard symbols`)."},
	{"OnError", CT_ONERROR, OFF(on_error), "tempfail", NULL,
	 "What the milter does when a scan fails: accept or tempfail."},
	{"QuarantineMode", CT_QMODE, OFF(quarantine_mode), "hold", NULL,
	 "hold (MTA hold queue), store (emguard store) or both."},
	{"ReleaseMethod", CT_STRING, OFF(release_method),
	 "sendmail:/usr/sbin/sendmail", NULL,
	 "How released mail is re-injected: sendmail:PATH or smtp:HOST:PORT."},
	{"QuarantineFallback", CT_QFALLBACK, OFF(quarantine_fallback), "hold",
	 NULL,
	 "When the emguard store fails: hold (MTA hold queue) or tempfail "
	 "(451, the sender retries)."},
	{"QuarantineRetention", CT_UINT, OFF(quarantine_retention_days), "30",
	 NULL,
	 "Days a quarantined message is kept before `emguard quarantine "
	 "purge` removes it (0 keeps everything)."},
	{"WebListen", CT_STRING, OFF(web_listen), "127.0.0.1:8025", NULL,
	 "Address of the quarantine web page (emguard-web): HOST:PORT."},
	{"WebCertificate", CT_STRING, OFF(web_certificate), "",
	 "/etc/emguard/web.pem",
	 "PEM certificate for HTTPS on the web page (with WebKey; empty: "
	 "plain HTTP, for loopback or a TLS proxy)."},
	{"WebKey", CT_STRING, OFF(web_key), "", "/etc/emguard/web.key",
	 "PEM private key of WebCertificate."},
	{"WebSessionTimeout", CT_MS, OFF(web_session_timeout_ms), "8h", NULL,
	 "Idle time after which a web page login ends."},
	{"WebSessionLifetime", CT_MS, OFF(web_session_lifetime_ms), "12h", NULL,
	 "Time after which a web page login ends however busy it is."},
	{"LimitMessageSize", CT_SIZE, LOFF(message_size), "50M", NULL,
	 "Largest message scanned in full."},
	{"LimitMimeDepth", CT_UINT, LOFF(mime_depth), "20", NULL,
	 "Deepest MIME nesting followed."},
	{"LimitMimeParts", CT_UINT, LOFF(mime_parts), "1000", NULL,
	 "Most MIME parts read in one message."},
	{"LimitHeaders", CT_UINT, LOFF(headers), "1000", NULL,
	 "Most header fields read in one header block."},
	{"LimitHeaderSize", CT_SIZE, LOFF(header_size), "64k", NULL,
	 "Longest header field read."},
	{"LimitTextSize", CT_SIZE, LOFF(text_size), "4M", NULL,
	 "Body text kept for the analyzers."},
	{"LimitScanTime", CT_MS, LOFF(scan_time_ms), "20s", NULL,
	 "Time budget of one scan."},
	{"LimitArchiveDepth", CT_UINT, LOFF(archive_depth), "4", NULL,
	 "Deepest archive-in-archive nesting opened."},
	{"LimitArchiveFiles", CT_UINT, LOFF(archive_files), "1000", NULL,
	 "Most members read from one archive."},
	{"LimitArchiveBytes", CT_U64SIZE, LOFF(archive_bytes), "256M", NULL,
	 "Most uncompressed bytes read from the archives of one message."},
	{"LimitCompressionRatio", CT_UINT, LOFF(compression_ratio), "200", NULL,
	 "Highest compression ratio of an archive member."},
	{"LimitPasswordCandidates", CT_UINT, LOFF(password_candidates), "50",
	 NULL, "Most passwords tried on one encrypted archive."},
};

#define N_KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

/* Parser state for one file. */
typedef struct config_parser {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
	unsigned char seen[N_KEYS];
} config_parser_t;

static emg_status_t __attribute__((format(printf, 2, 3)))
config_fail(config_parser_t *p, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (p->err == NULL || p->errlen == 0)
		return EMG_ECONFIG;
	if (p->line > 0)
		n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n < 0 || (size_t)n >= p->errlen)
		return EMG_ECONFIG;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return EMG_ECONFIG;
}

/* Read a whole small file; "limit" keeps a wrong path (a device, a huge
 * log) from being slurped. */
static emg_status_t
config_read_file(const char *path, char **out, size_t *len, char *why,
                 size_t whylen)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		return EMG_EIO;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	emg_status_t st = EMG_OK;
	while (buf != NULL) {
		if (n == cap) {
			if (cap >= CONFIG_MAX_FILE) {
				snprintf(why, whylen, "file larger than %u bytes",
				         CONFIG_MAX_FILE);
				st = EMG_ELIMIT;
				break;
			}
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0) {
			if (ferror(fp)) {
				snprintf(why, whylen, "%s", strerror(errno));
				st = EMG_EIO;
			}
			break;
		}
	}
	fclose(fp);
	if (buf == NULL)
		return EMG_ENOMEM;
	if (st != EMG_OK) {
		free(buf);
		return st;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return EMG_OK;
}

static char *
config_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Add the items of a comma-separated TEXT to L. */
static emg_status_t
config_split_list(char *text, emg_strlist_t *l)
{
	char *save = NULL;
	for (char *tok = strtok_r(text, ",\n", &save); tok != NULL;
	     tok = strtok_r(NULL, ",\n", &save)) {
		char *item = config_trim(tok);
		if (*item == '\0' || *item == '#')
			continue;
		if (strlist_add(l, item, (size_t)-1) != 0)
			return EMG_ENOMEM;
	}
	return EMG_OK;
}

/* A list value: "a, b, c" or "file:/path" with one item a line. */
static emg_status_t
config_parse_list(config_parser_t *p, char *value, emg_strlist_t *l)
{
	strlist_free(l);
	if (strncmp(value, "file:", 5) != 0)
		return config_split_list(value, l);

	char *text = NULL, why[256] = "";
	size_t len = 0;
	emg_status_t st = config_read_file(value + 5, &text, &len, why,
	                                   sizeof(why));
	if (st == EMG_ENOMEM)
		return st;
	if (st != EMG_OK)
		return config_fail(p, "cannot read list %s: %s", value + 5, why);
	/* One item a line: commas inside a line still separate items, and
	 * '#' starts a comment line. */
	st = config_split_list(text, l);
	free(text);
	return st;
}

static emg_status_t
config_parse_networks(config_parser_t *p, char *value, emg_config_t *cfg)
{
	emg_strlist_t items = {0};
	emg_status_t st = config_parse_list(p, value, &items);
	if (st != EMG_OK) {
		strlist_free(&items);
		return st;
	}
	emg_cidr_t *nets = calloc(items.n ? items.n : 1, sizeof(*nets));
	if (nets == NULL) {
		strlist_free(&items);
		return EMG_ENOMEM;
	}
	for (size_t i = 0; i < items.n; i++) {
		if (netaddr_parse_cidr(items.v[i], &nets[i]) != 0) {
			st = config_fail(p, "bad network \"%s\"", items.v[i]);
			free(nets);
			strlist_free(&items);
			return st;
		}
	}
	free(cfg->internal_networks);
	cfg->internal_networks = nets;
	cfg->n_internal_networks = items.n;
	strlist_free(&items);
	return EMG_OK;
}

/* A number with an optional unit suffix: UNITS maps suffixes to factors. */
typedef struct config_unit {
	const char *suffix;
	double factor;
} config_unit_t;

static const config_unit_t size_units[] = {
	{"", 1}, {"b", 1}, {"k", 1024.0}, {"kb", 1024.0}, {"m", 1048576.0},
	{"mb", 1048576.0}, {"g", 1073741824.0}, {"gb", 1073741824.0}, {NULL, 0}};
static const config_unit_t time_units[] = {
	{"ms", 1}, {"", 1000}, {"s", 1000}, {"m", 60000}, {"h", 3600000},
	{"d", 86400000.0}, {NULL, 0}};

static int
config_parse_unit(const char *value, const config_unit_t *units, double max,
                  double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(value, &end);
	if (end == value || errno != 0 || !isfinite(v) || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	for (const config_unit_t *u = units; u->suffix != NULL; u++) {
		if (strcasecmp(end, u->suffix) == 0) {
			v *= u->factor;
			if (v > max)
				return -1;
			*out = floor(v);
			return 0;
		}
	}
	return -1;
}

static emg_status_t
config_parse_score(config_parser_t *p, char *value, emg_config_t *cfg)
{
	char *sp = strpbrk(value, " \t");
	char *end = NULL;
	if (sp == NULL)
		return config_fail(p, "Score needs a symbol and a value");
	*sp = '\0';
	char *num = config_trim(sp + 1);
	double v = strtod(num, &end);
	if (end == num || *end != '\0' || !isfinite(v))
		return config_fail(p, "bad score \"%s\"", num);
	if (policy_symbol_find(value) < 0)
		return config_fail(p, "unknown symbol \"%s\" (see `emguard "
		                      "symbols`)", value);
	emg_score_override_t *s = realloc(cfg->scores, (cfg->n_scores + 1) *
	                                                   sizeof(*s));
	if (s == NULL)
		return EMG_ENOMEM;
	cfg->scores = s;
	s[cfg->n_scores].symbol = strdup(value);
	if (s[cfg->n_scores].symbol == NULL)
		return EMG_ENOMEM;
	s[cfg->n_scores++].score = v;
	return EMG_OK;
}

static emg_status_t
config_set_enum(config_parser_t *p, const config_key_t *k, const char *value,
                const char *const *names, int n, int *field)
{
	for (int i = 0; i < n; i++) {
		if (strcasecmp(value, names[i]) == 0) {
			*field = i;
			return EMG_OK;
		}
	}
	return config_fail(p, "%s must be one of %s, %s%s%s", k->keyword,
	                   names[0], names[1], n > 2 ? ", " : "",
	                   n > 2 ? names[2] : "");
}

static const char *const onerror_names[] = {"accept", "tempfail"};
static const char *const qmode_names[] = {"hold", "store", "both"};
static const char *const qfallback_names[] = {"hold", "tempfail"};

/* Store VALUE into the field of K. */
static emg_status_t
config_set(config_parser_t *p, const config_key_t *k, char *value,
           emg_config_t *cfg)
{
	char *field = (char *)cfg + k->offset;
	double d = 0;

	switch (k->type) {
	case CT_STRING: {
		char *copy = strdup(value);
		if (copy == NULL)
			return EMG_ENOMEM;
		free(*(char **)field);
		*(char **)field = copy;
		return EMG_OK;
	}
	case CT_LIST:
		return config_parse_list(p, value, (emg_strlist_t *)field);
	case CT_NETWORKS:
		return config_parse_networks(p, value, cfg);
	case CT_NUMBER: {
		char *end = NULL;
		d = strtod(value, &end);
		if (end == value || *end != '\0' || !isfinite(d))
			return config_fail(p, "%s: bad number \"%s\"",
			                   k->keyword, value);
		*(double *)field = d;
		return EMG_OK;
	}
	case CT_SIZE:
	case CT_U64SIZE:
		if (config_parse_unit(value, size_units, 1e15, &d) != 0)
			return config_fail(p, "%s: bad size \"%s\" (e.g. 512k, "
			                      "50M)", k->keyword, value);
		if (k->type == CT_SIZE)
			*(size_t *)field = (size_t)d;
		else
			*(uint64_t *)field = (uint64_t)d;
		return EMG_OK;
	case CT_UINT:
		if (config_parse_unit(value, size_units, 4e9, &d) != 0)
			return config_fail(p, "%s: bad number \"%s\"",
			                   k->keyword, value);
		*(unsigned *)field = (unsigned)d;
		return EMG_OK;
	case CT_MS:
		if (config_parse_unit(value, time_units, 4e9, &d) != 0)
			return config_fail(p, "%s: bad duration \"%s\" (e.g. "
			                      "500ms, 20s, 2m)", k->keyword, value);
		*(unsigned *)field = (unsigned)d;
		return EMG_OK;
	case CT_ONERROR:
		return config_set_enum(p, k, value, onerror_names, 2,
		                       (int *)field);
	case CT_QMODE:
		return config_set_enum(p, k, value, qmode_names, 3,
		                       (int *)field);
	case CT_QFALLBACK:
		return config_set_enum(p, k, value, qfallback_names, 2,
		                       (int *)field);
	case CT_SCORE:
		return config_parse_score(p, value, cfg);
	}
	return EMG_EINVAL;
}

/* Strip one pair of surrounding double quotes. */
static char *
config_unquote(char *value)
{
	size_t n = strlen(value);
	if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		value[n - 1] = '\0';
		return value + 1;
	}
	return value;
}

static emg_status_t
config_line(config_parser_t *p, char *line, emg_config_t *cfg)
{
	line = config_trim(line);
	if (*line == '\0' || *line == '#')
		return EMG_OK;
	char *sp = strpbrk(line, " \t");
	char *value = "";
	if (sp != NULL) {
		*sp = '\0';
		value = config_unquote(config_trim(sp + 1));
	}
	for (size_t i = 0; i < N_KEYS; i++) {
		const config_key_t *k = &config_keys[i];
		if (strcasecmp(line, k->keyword) != 0)
			continue;
		if (p->seen[i] && k->type != CT_SCORE)
			return config_fail(p, "%s given twice", k->keyword);
		p->seen[i] = 1;
		return config_set(p, k, value, cfg);
	}
	return config_fail(p, "unknown keyword \"%s\"", line);
}

static emg_status_t
config_parse_text(config_parser_t *p, const char *text, size_t len,
                  emg_config_t *cfg)
{
	size_t pos = 0;
	char buf[CONFIG_MAX_LINE];

	p->line = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		p->line++;
		if (n >= sizeof(buf))
			return config_fail(p, "line longer than %u bytes",
			                   CONFIG_MAX_LINE - 1);
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		if (memchr(buf, '\0', n) != NULL)
			return config_fail(p, "NUL byte in line");
		emg_status_t st = config_line(p, buf, cfg);
		if (st != EMG_OK)
			return st;
		pos += n + 1;
	}
	return EMG_OK;
}

/* A snapshot holding every default. */
static emg_status_t
config_new_default(emg_config_t **out, char *err, size_t errlen)
{
	emg_config_t *cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return EMG_ENOMEM;
	cfg->refcount = 1;
	limits_default(&cfg->limits);
	config_parser_t p = {.name = "(defaults)", .err = err, .errlen = errlen};
	for (size_t i = 0; i < N_KEYS; i++) {
		char buf[1024];
		if (config_keys[i].def[0] == '\0')
			continue;
		snprintf(buf, sizeof(buf), "%s", config_keys[i].def);
		emg_status_t st = config_set(&p, &config_keys[i],
		                             config_unquote(buf), cfg);
		if (st != EMG_OK) {
			emg_config_unref(cfg);
			return st;
		}
	}
	*out = cfg;
	return EMG_OK;
}

static emg_status_t
config_check(config_parser_t *p, emg_config_t *cfg)
{
	p->line = 0;
	if (!(cfg->threshold_tag <= cfg->threshold_quarantine &&
	      cfg->threshold_quarantine <= cfg->threshold_reject))
		return config_fail(p, "thresholds must satisfy ThresholdTag <= "
		                      "ThresholdQuarantine <= ThresholdReject");
	if (cfg->limits.scan_time_ms == 0)
		return config_fail(p, "LimitScanTime must be above zero");
	return EMG_OK;
}

emg_status_t
config_parse(const char *name, const char *text, size_t len,
             emg_config_t **out, char *err, size_t errlen)
{
	emg_config_t *cfg = NULL;
	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	emg_status_t st = config_new_default(&cfg, err, errlen);
	if (st != EMG_OK)
		return st;
	config_parser_t p = {.name = name, .err = err, .errlen = errlen};
	st = config_parse_text(&p, text, len, cfg);
	if (st == EMG_OK)
		st = config_check(&p, cfg);
	if (st == EMG_OK) {
		cfg->path = strdup(name);
		if (cfg->path == NULL)
			st = EMG_ENOMEM;
	}
	if (st == EMG_OK)
		st = policy_apply_scores(cfg, err, errlen);
	if (st != EMG_OK) {
		emg_config_unref(cfg);
		return st;
	}
	*out = cfg;
	return EMG_OK;
}

emg_status_t
emg_config_load(const char *path, emg_config_t **out, char *err, size_t errlen)
{
	char *text = NULL, why[256] = "";
	size_t len = 0;

	if (path == NULL || out == NULL)
		return EMG_EINVAL;
	*out = NULL;
	emg_status_t st = config_read_file(path, &text, &len, why, sizeof(why));
	if (st != EMG_OK) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, why);
		return st == EMG_ENOMEM ? st : EMG_ECONFIG;
	}
	st = config_parse(path, text, len, out, err, errlen);
	free(text);
	return st;
}

emg_status_t
emg_config_default(emg_config_t **out)
{
	if (out == NULL)
		return EMG_EINVAL;
	return config_parse("(defaults)", "", 0, out, NULL, 0);
}

emg_config_t *
emg_config_ref(emg_config_t *cfg)
{
	if (cfg != NULL)
		__atomic_add_fetch(&cfg->refcount, 1, __ATOMIC_RELAXED);
	return cfg;
}

void
emg_config_unref(emg_config_t *cfg)
{
	if (cfg == NULL ||
	    __atomic_sub_fetch(&cfg->refcount, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (size_t i = 0; i < N_KEYS; i++) {
		char *field = (char *)cfg + config_keys[i].offset;
		if (config_keys[i].type == CT_STRING)
			free(*(char **)field);
		else if (config_keys[i].type == CT_LIST)
			strlist_free((emg_strlist_t *)field);
	}
	for (size_t i = 0; i < cfg->n_scores; i++)
		free(cfg->scores[i].symbol);
	free(cfg->scores);
	free(cfg->internal_networks);
	free(cfg->symbol_scores);
	free(cfg->path);
	free(cfg);
}

/* ---- dumping ------------------------------------------------------------ */

static void
config_dump_list(const emg_strlist_t *l, FILE *fp)
{
	for (size_t i = 0; i < l->n; i++)
		fprintf(fp, "%s%s", i ? ", " : "", l->v[i]);
}

static void
config_dump_networks(const emg_config_t *cfg, FILE *fp)
{
	for (size_t i = 0; i < cfg->n_internal_networks; i++) {
		const emg_cidr_t *c = &cfg->internal_networks[i];
		char buf[INET6_ADDRSTRLEN] = "";
		inet_ntop(c->family, c->addr, buf, sizeof(buf));
		fprintf(fp, "%s%s/%u", i ? ", " : "", buf, c->prefix);
	}
}

/* The current value of K in CFG, in config syntax. */
static void
config_dump_value(const emg_config_t *cfg, const config_key_t *k, FILE *fp)
{
	const char *field = (const char *)cfg + k->offset;
	switch (k->type) {
	case CT_STRING: {
		const char *s = *(char *const *)field;
		s = s ? s : "";
		bool q = s[0] == '\0' || s[0] == ' ' || s[strlen(s) - 1] == ' ';
		fprintf(fp, q ? "\"%s\"" : "%s", s);
		break;
	}
	case CT_LIST: config_dump_list((const emg_strlist_t *)field, fp); break;
	case CT_NETWORKS: config_dump_networks(cfg, fp); break;
	case CT_NUMBER: fprintf(fp, "%g", *(const double *)field); break;
	case CT_SIZE: fprintf(fp, "%zu", *(const size_t *)field); break;
	case CT_U64SIZE:
		fprintf(fp, "%llu",
		        (unsigned long long)*(const uint64_t *)field);
		break;
	case CT_UINT: fprintf(fp, "%u", *(const unsigned *)field); break;
	case CT_MS: fprintf(fp, "%ums", *(const unsigned *)field); break;
	case CT_ONERROR: fputs(onerror_names[*(const int *)field], fp); break;
	case CT_QMODE: fputs(qmode_names[*(const int *)field], fp); break;
	case CT_QFALLBACK:
		fputs(qfallback_names[*(const int *)field], fp);
		break;
	case CT_SCORE: break;
	}
}

void
emg_config_dump(const emg_config_t *cfg, FILE *fp, bool commented)
{
	if (commented)
		fputs("# emguard.conf - configuration of emguard-milter and the "
		      "emguard command.\n"
		      "#\n# \"Keyword value\" lines; '#' starts a comment. A list "
		      "is comma-separated\n# or file:/path with one item a line. "
		      "Every keyword is shown with its\n# default, commented "
		      "out. Generated by `emguard --dump-config`.\n\n",
		      fp);
	for (size_t i = 0; i < N_KEYS; i++) {
		const config_key_t *k = &config_keys[i];
		if (!commented) {
			if (k->type == CT_SCORE) {
				for (size_t j = 0; j < cfg->n_scores; j++)
					fprintf(fp, "Score %s %g\n",
					        cfg->scores[j].symbol,
					        cfg->scores[j].score);
				continue;
			}
			fprintf(fp, "%s ", k->keyword);
			config_dump_value(cfg, k, fp);
			fputc('\n', fp);
			continue;
		}
		fprintf(fp, "## %s\n", k->help);
		if (k->def[0] != '\0' || k->example == NULL) {
			fprintf(fp, "#%s ", k->keyword);
			config_dump_value(cfg, k, fp);
			fputc('\n', fp);
		} else {
			fprintf(fp, "## (no default)\n#%s %s\n", k->keyword,
			        k->example);
		}
		fputc('\n', fp);
	}
}
