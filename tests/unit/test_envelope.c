/*
 * test_envelope.c - unit tests for envelope.c.
 *
 * First the Received parser over the "from" clauses real MTAs write
 * (Postfix, Sendmail, Exim, Exchange / Office 365, qmail, IronPort,
 * fetchmail; shapes taken from public bounce and ham corpora, addresses
 * rewritten into the documentation ranges), then envelope_build() over
 * hand-built header blocks: what is given wins, what is missing is derived,
 * internal and loopback hops are skipped.
 */
#include <string.h>

#include "config.h"
#include "envelope.h"
#include "testutil.h"

static const struct {
	const char *value;
	const char *ip;   /* NULL: no address */
	const char *helo;
} rcvd_cases[] = {
	/* Postfix */
	{"from mail.example.test (mail.example.test [192.0.2.1]) by "
	 "mx.example.net (Postfix) with ESMTPS id 4Xy; Mon, 1 Jan 2024",
	 "192.0.2.1", "mail.example.test"},
	{"from helo.example.test (unknown [198.51.100.7])\tby mx.example.net "
	 "(Postfix) with ESMTP id 5880E2966A for <u@example.net>; Tue",
	 "198.51.100.7", "helo.example.test"},
	{"from [10.2.22.222] (c0135.example.test [192.0.2.222]) "
	 "(authenticated bits=0) by example.jp (V8/cf) with ESMTP id r9G5",
	 "192.0.2.222", "[10.2.22.222]"},
	{"from client.example.test (client.example.test "
	 "[IPv6:2001:db8::25]) by mx.example.net (Postfix) with ESMTPS",
	 "2001:db8::25", "client.example.test"},
	{"from [192.0.2.192] (localhost [127.0.0.1]) by smtp.example.net "
	 "(Postfix) with ESMTPA id BBBB for <k@example.org>; Thu",
	 "127.0.0.1", "[192.0.2.192]"},
	{"from (unknown [192.0.2.4]) by mpps.example.test with smtp id ffff",
	 "192.0.2.4", ""},
	/* Sendmail */
	{"from e1.example.org (r135.example.net [192.0.2.128]) by "
	 "mx.example.jp (8.14.4/8.14.4) with ESMTP id o91AFNQX000234",
	 "192.0.2.128", "e1.example.org"},
	{"from helo.example.test (user@rdns.example.test [203.0.113.9] (may "
	 "be forged)) by mx.example.jp (8.15.2/8.15.2) with ESMTP id x",
	 "203.0.113.9", "helo.example.test"},
	{"from localhost (localhost) by example.jp (V8/cf) id r9G5FZh9018575; "
	 "Wed, 16 Oct 2013",
	 NULL, "localhost"},
	/* Exim */
	{"from rdns.example.test ([198.51.100.20]:54321 helo=mail.example.test) "
	 "by mx.example.net with esmtps (TLS1.2) (Exim 4.92) id 1abc",
	 "198.51.100.20", "mail.example.test"},
	{"from [203.0.113.40] (helo=[10.0.0.5]) by mx.example.net with esmtpa "
	 "(Exim 4.94) id 1P1ce6",
	 "203.0.113.40", "[10.0.0.5]"},
	{"from localhost ([127.0.0.1] helo=[192.168.0.2]) by localhost with "
	 "esmtp (Exim 4.52) id 000000-000000-00",
	 "127.0.0.1", "[192.168.0.2]"},
	{"from mail by e1.example.org with local (Exim 4.72) id 1P1ceB",
	 NULL, "mail"},
	{"from host.example.test ([2001:db8:1::5]:40000 helo=host.example.test) "
	 "by mx.example.net with esmtp (Exim 4.96)",
	 "2001:db8:1::5", "host.example.test"},
	/* Exchange / Office 365 */
	{"from EUR01-VE1-obe.outbound.protection.outlook.com "
	 "(mail-ve1eur01on0100.outbound.protection.outlook.com "
	 "[198.51.100.100]) by mx.example.net (Postfix) with ESMTPS id 1",
	 "198.51.100.100", "EUR01-VE1-obe.outbound.protection.outlook.com"},
	{"from AM6PR0502MB3878.eurprd05.prod.outlook.com (2001:db8:209:12::27) "
	 "by AM6PR0502MB3879.eurprd05.prod.outlook.com (2001:db8:209:12::28) "
	 "with Microsoft SMTP Server (version=TLS1_2) id 15.20.1",
	 "2001:db8:209:12::27", "AM6PR0502MB3878.eurprd05.prod.outlook.com"},
	{"from neko.home (192.0.2.6) by DDDD2200EEF1.mail.protection.outlook.com "
	 "(192.0.2.8) with Microsoft SMTP Server id 11.1.111.11 via Frontend "
	 "Transport; Thu, 29 Apr 2015",
	 "192.0.2.6", "neko.home"},
	{"from BLU436-SMTP66 ([198.51.100.73]) by BLU004-OMC3S13.example.com "
	 "over TLS secured channel with Microsoft SMTPSVC(7.5.7601.22751);",
	 "198.51.100.73", "BLU436-SMTP66"},
	{"from DM6PR12MB2603.namprd12.prod.outlook.com "
	 "([fe80::b539:1234:5678:9abc%11]) by DM6PR12MB2604.namprd12.prod."
	 "outlook.com ([fe80::b539:1234:5678:9abd%11]) with mapi id 15.20",
	 "fe80::b539:1234:5678:9abc", "DM6PR12MB2603.namprd12.prod.outlook.com"},
	/* qmail, IronPort, Yahoo */
	{"from unknown (HELO re-2335g.example.net) (192.0.2.61) by ksdc2288sv02 "
	 "with SMTP; 15 Oct 2015 06:22:22 -0000",
	 "192.0.2.61", "re-2335g.example.net"},
	{"from mail0.example.com (HELO mail0.example.com) (192.0.2.225)  by "
	 "server-0.example.com with DHE-RSA-AES256-GCM-SHA384 encrypted SMTP;",
	 "192.0.2.225", "mail0.example.com"},
	{"from unknown (HELO [10.0.0.1]) (user@203.0.113.77) by "
	 "mx.example.net with SMTP; 1 Jan 2020",
	 "203.0.113.77", "[10.0.0.1]"},
	{"from post.email.example.net (HELO post-3.email.example.net) "
	 "([192.0.2.61]) by vs-002.example.co.jp with ESMTP; 15 Oct 2015",
	 "192.0.2.61", "post-3.email.example.net"},
	{"from 192.0.2.12  (EHLO mail4.example.net) (192.0.2.12) by "
	 "mx4.mail5.example.com with SMTP; Thu, 09 Apr 2008",
	 "192.0.2.12", "mail4.example.net"},
	{"(qmail 19083 invoked from network); 12 Jun 2013 02:22:13 -0000",
	 NULL, ""},
	{"from mx ([192.0.2.34]:10000 \"EHLO smtp.example.net\") by "
	 "mx4.example.net with ESMTP id 000000000000000; Thu",
	 "192.0.2.34", "smtp.example.net"},
	{"from a (\"\" \"\" [192.0.2.35]) by b", "192.0.2.35", "a"},
	/* fetchmail, webmail, messagelabs */
	{"from 192.0.2.172 [192.0.2.172] by host-022.example.com with POP3 "
	 "(fetchmail-6.3.17) for <n@localhost> (single-drop);",
	 "192.0.2.172", "192.0.2.172"},
	{"from [203.0.113.1] by server-0.example.com id EE/EE-00000; Thu",
	 "203.0.113.1", "[203.0.113.1]"},
	{"from [192.0.2.135] by 3capp-mailcom-lxa02.server.lan (via HTTP); Sat",
	 "192.0.2.135", "[192.0.2.135]"},
	/* Google; v4-mapped address written by a dual-stack MTA */
	{"from mail-sor-f41.google.com (mail-sor-f41.google.com. "
	 "[198.51.100.41]) by mx.google.com with SMTPS id a1sor for <x>",
	 "198.51.100.41", "mail-sor-f41.google.com"},
	{"from h.example.test (h.example.test [::ffff:192.0.2.50]) by mx",
	 "::ffff:192.0.2.50", "h.example.test"},
	/* Not a from clause, hostile or empty */
	{"by mx.example.net (Postfix, from userid 1000) id 1234; Mon", NULL, ""},
	{"", NULL, ""},
	{"from", NULL, ""},
	{"fromage.example.test ([192.0.2.1])", NULL, ""},
	{"from ((((((([192.0.2.9] ;;; ))))))))) by x", "192.0.2.9", ""},
	{"from x (y [192.0.2.1/24]) by z", NULL, "x"},
};

START_TEST(test_parse_received)
{
	char ip[64], helo[300];
	int rc = envelope_parse_received(rcvd_cases[_i].value, ip, sizeof(ip),
	                                 helo, sizeof(helo));

	if (rcvd_cases[_i].ip == NULL) {
		ck_assert_msg(rc == -1, "case %d: got ip %s", _i, ip);
		ck_assert_str_eq(ip, "");
	} else {
		ck_assert_msg(rc == 0, "case %d: no address", _i);
		ck_assert_str_eq(ip, rcvd_cases[_i].ip);
	}
	ck_assert_str_eq(helo, rcvd_cases[_i].helo);
}
END_TEST

START_TEST(test_parse_received_small_buffers)
{
	char ip[8], helo[4];
	ck_assert_int_eq(envelope_parse_received(
	                     "from verylonghelo (x [2001:db8::1234:5678]) by y",
	                     ip, sizeof(ip), helo, sizeof(helo)),
	                 0);
	ck_assert_str_eq(ip, "2001:db");
	ck_assert_str_eq(helo, "ver");
	ck_assert_int_eq(envelope_parse_received(NULL, ip, sizeof(ip), helo,
	                                         sizeof(helo)),
	                 -1);
}
END_TEST

/* ---- envelope_build ----------------------------------------------------- */

#define MAX_HDRS 6

typedef struct {
	const char *name;
	const char *conf;
	const char *hdrs[MAX_HDRS][2];
	emg_envelope_t given;
	const char *mail_from;  /* expected; NULL for unknown */
	const char *mf_domain;
	const char *rcpt;       /* expected first recipient, or NULL */
	const char *client_ip;
	const char *helo;
	unsigned derived;
	bool internal;
	bool outbound;
} build_case_t;

static const char *const rcpt_given[] = {"<given@example.net>", "b@example.net"};

#define R_EXT "from mail.example.test (mail.example.test [203.0.113.5]) by mx"
#define R_LOCAL "from localhost (localhost [127.0.0.1]) by mx (Postfix)"
#define R_INT "from pc1.corp.example.net (pc1 [10.1.2.3]) by mx (Postfix)"

static const build_case_t build_cases[] = {
	{"derive all: skip loopback hop, take the external client", NULL,
	 {{"Return-Path", "<Alice@Mail.Example.TEST>"},
	  {"Delivered-To", "bob@example.net"},
	  {"Received", R_LOCAL},
	  {"Received", R_EXT},
	  {"Received", "from forged.example (forged [192.0.2.99]) by x"}},
	 {0}, "Alice@Mail.Example.TEST", "mail.example.test", "bob@example.net",
	 "203.0.113.5", "mail.example.test",
	 ENV_DERIVED_MAIL_FROM | ENV_DERIVED_RCPTS | ENV_DERIVED_CLIENT, false,
	 false},
	{"null sender", NULL,
	 {{"Return-Path", "<>"}, {"X-Original-To", "<bob@example.net>"}},
	 {0}, "", NULL, "bob@example.net", NULL, NULL,
	 ENV_DERIVED_MAIL_FROM | ENV_DERIVED_RCPTS, false, false},
	{"topmost Return-Path wins, Delivered-To over X-Original-To", NULL,
	 {{"Return-Path", "<last@example.test>"},
	  {"X-Original-To", "alias@example.net"},
	  {"Delivered-To", "box@example.net"},
	  {"Return-Path", "<first@example.test>"}},
	 {0}, "last@example.test", "example.test", "box@example.net", NULL,
	 NULL, ENV_DERIVED_MAIL_FROM | ENV_DERIVED_RCPTS, false, false},
	{"internal hop skipped with InternalNetworks",
	 "InternalNetworks 127.0.0.0/8, 10.0.0.0/8\n",
	 {{"Received", R_INT}, {"Received", R_EXT}},
	 {0}, NULL, NULL, NULL, "203.0.113.5", "mail.example.test",
	 ENV_DERIVED_CLIENT, false, false},
	{"internal hop taken without InternalNetworks", "InternalNetworks ::1\n",
	 {{"Received", R_INT}, {"Received", R_EXT}},
	 {0}, NULL, NULL, NULL, "10.1.2.3", "pc1.corp.example.net",
	 ENV_DERIVED_CLIENT, false, false},
	{"every hop internal: topmost hop's client, internal, outbound",
	 "InternalNetworks 127.0.0.0/8, 10.0.0.0/8\n",
	 {{"Received", "(qmail 1 invoked by uid 0)"},
	  {"Received", R_INT},
	  {"Received", R_LOCAL}},
	 {0}, NULL, NULL, NULL, "10.1.2.3", "pc1.corp.example.net",
	 ENV_DERIVED_CLIENT, true, true},
	{"given envelope wins over headers", NULL,
	 {{"Return-Path", "<hdr@example.test>"},
	  {"Delivered-To", "hdr@example.net"},
	  {"Received", R_EXT}},
	 {.mail_from = "<Given@Example.ORG.>", .rcpts = rcpt_given,
	  .n_rcpts = 2, .client_ip = "[198.51.100.9]", .helo = "h.example.org"},
	 "Given@Example.ORG.", "example.org", "given@example.net",
	 "198.51.100.9", "h.example.org", 0, false, false},
	{"given null sender stays null, authenticated user is outbound", NULL,
	 {{"Return-Path", "<hdr@example.test>"}},
	 {.mail_from = "<>", .client_ip = "IPv6:2001:db8::7",
	  .auth_user = "alice"},
	 "", NULL, NULL, "2001:db8::7", NULL, 0, false, true},
	{"given internal client", "InternalNetworks 192.0.2.0/24\n",
	 {{"Received", R_EXT}},
	 {.client_ip = "192.0.2.10", .helo = "pc.example.net"},
	 NULL, NULL, NULL, "192.0.2.10", "pc.example.net", 0, true, true},
	{"no headers at all", NULL, {{NULL, NULL}}, {0}, NULL, NULL, NULL, NULL,
	 NULL, 0, false, false},
	{"Received without any address", NULL,
	 {{"Received", "from localhost (localhost) by x (V8/cf) id 1"},
	  {"Return-Path", "bare@example.test"}},
	 {0}, "bare@example.test", "example.test", NULL, NULL, NULL,
	 ENV_DERIVED_MAIL_FROM, false, false},
	{"empty auth_user is no authentication", NULL, {{NULL, NULL}},
	 {.auth_user = ""}, NULL, NULL, NULL, NULL, NULL, 0, false, false},
};

static void
check_str(const char *what, const char *got, const char *want)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: got \"%s\", want NULL", what, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0,
		              "%s: got \"%s\", want \"%s\"", what,
		              got ? got : "(null)", want);
}

START_TEST(test_build)
{
	const build_case_t *tc = &build_cases[_i];
	emg_header_t hdrs[MAX_HDRS];
	emg_message_t msg;
	emg_env_t env;

	memset(&msg, 0, sizeof(msg));
	for (size_t i = 0; i < MAX_HDRS && tc->hdrs[i][0] != NULL; i++) {
		hdrs[i].name = (char *)tc->hdrs[i][0];
		hdrs[i].value = (char *)tc->hdrs[i][1];
		hdrs[i].raw = (char *)tc->hdrs[i][1];
		msg.n_headers = i + 1;
	}
	msg.headers = hdrs;
	emg_config_t *cfg = tu_config(tc->conf);
	ck_assert_int_eq(envelope_build(&tc->given, &msg, cfg, &env), EMG_OK);
	check_str("mail_from", env.mail_from, tc->mail_from);
	check_str("mail_from_domain", env.mail_from_domain, tc->mf_domain);
	check_str("rcpt", env.rcpts.n ? env.rcpts.v[0] : NULL, tc->rcpt);
	check_str("client_ip", env.client_ip, tc->client_ip);
	check_str("helo", env.helo, tc->helo);
	ck_assert_uint_eq(env.derived, tc->derived);
	ck_assert_msg(env.client_internal == tc->internal, "%s: internal",
	              tc->name);
	ck_assert_msg(env.outbound == tc->outbound, "%s: outbound", tc->name);
	if (tc->given.n_rcpts == 2)
		ck_assert_uint_eq(env.rcpts.n, 2);
	envelope_free(&env);
	emg_config_unref(cfg);
}
END_TEST

START_TEST(test_build_without_message)
{
	emg_env_t env;
	ck_assert_int_eq(envelope_build(NULL, NULL, NULL, &env), EMG_OK);
	ck_assert_ptr_null(env.mail_from);
	ck_assert_ptr_null(env.client_ip);
	ck_assert(!env.outbound);
	envelope_free(&env);
	envelope_free(&env); /* twice is harmless */
	ck_assert_int_eq(envelope_build(NULL, NULL, NULL, NULL), EMG_EINVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("envelope");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_received, 0,
	                    sizeof(rcvd_cases) / sizeof(rcvd_cases[0]));
	tcase_add_test(tc, test_parse_received_small_buffers);
	tcase_add_loop_test(tc, test_build, 0,
	                    sizeof(build_cases) / sizeof(build_cases[0]));
	tcase_add_test(tc, test_build_without_message);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
