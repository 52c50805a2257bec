/*
 * test_netaddr.c - unit tests for netaddr.c: CIDR parsing in every form the
 * header promises, and membership tests with IPv4, IPv6 and v4-mapped
 * addresses.  Pure functions; no configuration or scanner needed.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"
#include "testutil.h"

static const struct {
	const char *text;
	int ok;          /* 0 parses, -1 rejected */
	int family;
	unsigned prefix;
	const char *net; /* expected network address (host bits cleared) */
} parse_cases[] = {
	{"192.0.2.0/24", 0, AF_INET, 24, "192.0.2.0"},
	{"192.0.2.77/24", 0, AF_INET, 24, "192.0.2.0"},
	{"198.51.100.7", 0, AF_INET, 32, "198.51.100.7"},
	{"  203.0.113.9  ", 0, AF_INET, 32, "203.0.113.9"},
	{"10.0.0.0/8", 0, AF_INET, 8, "10.0.0.0"},
	{"0.0.0.0/0", 0, AF_INET, 0, "0.0.0.0"},
	{"172.16.0.0/12", 0, AF_INET, 12, "172.16.0.0"},
	{"[192.0.2.1]", 0, AF_INET, 32, "192.0.2.1"},
	{"2001:db8::/32", 0, AF_INET6, 32, "2001:db8::"},
	{"2001:db8:1:2::5/64", 0, AF_INET6, 64, "2001:db8:1:2::"},
	{"::1", 0, AF_INET6, 128, "::1"},
	{"[IPv6:2001:db8::1]", 0, AF_INET6, 128, "2001:db8::1"},
	{"IPv6:2001:db8::2", 0, AF_INET6, 128, "2001:db8::2"},
	{"ipv6:2001:db8::3", 0, AF_INET6, 128, "2001:db8::3"},
	{"fe80::1%eth0", 0, AF_INET6, 128, "fe80::1"},
	{"::ffff:192.0.2.1", 0, AF_INET6, 128, "::ffff:192.0.2.1"},
	{"2001:db8::/129", -1, 0, 0, NULL},
	{"192.0.2.0/33", -1, 0, 0, NULL},
	{"192.0.2.0/", -1, 0, 0, NULL},
	{"192.0.2.0/2x", -1, 0, 0, NULL},
	{"192.0.2.0/-1", -1, 0, 0, NULL},
	{"192.0.2.0/0008", -1, 0, 0, NULL},
	{"192.0.2", -1, 0, 0, NULL},
	{"192.0.2.256", -1, 0, 0, NULL},
	{"mail.example.test", -1, 0, 0, NULL},
	{"", -1, 0, 0, NULL},
	{"[192.0.2.1", -1, 0, 0, NULL},
	{"[192.0.2.1]:25", -1, 0, 0, NULL},
	{"unknown", -1, 0, 0, NULL},
	{"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:"
	 "eeee:ffff:0000:1111:2222",
	 -1, 0, 0, NULL},
};

START_TEST(test_parse_cidr)
{
	const __typeof__(parse_cases[0]) *tc = &parse_cases[_i];
	emg_cidr_t c;
	int rc = netaddr_parse_cidr(tc->text, &c);

	ck_assert_msg(rc == tc->ok, "\"%s\": rc %d, want %d", tc->text, rc,
	              tc->ok);
	if (rc != 0)
		return;
	ck_assert_int_eq(c.family, tc->family);
	ck_assert_uint_eq(c.prefix, tc->prefix);
	char buf[INET6_ADDRSTRLEN];
	ck_assert_ptr_nonnull(inet_ntop(c.family, c.addr, buf, sizeof(buf)));
	ck_assert_str_eq(buf, tc->net);
}
END_TEST

static const char *const list_text[] = {
	"127.0.0.0/8", "10.0.0.0/8", "192.0.2.128/25", "2001:db8:aa::/48",
	"::1", "::ffff:198.51.100.0/120",
};

static const struct {
	const char *ip;
	bool in;
} member_cases[] = {
	{"127.0.0.1", true},
	{"10.255.1.2", true},
	{"192.0.2.200", true},
	{"192.0.2.127", false},
	{"[192.0.2.129]", true},
	{"203.0.113.5", false},
	{"2001:db8:aa::25", true},
	{"[IPv6:2001:db8:aa:1::25]", true},
	{"2001:db8:ab::25", false},
	{"::1", true},
	{"::2", false},
	/* v4-mapped clients match IPv4 networks ... */
	{"::ffff:10.1.2.3", true},
	{"::ffff:127.0.0.1", true},
	{"::FFFF:192.0.2.130", true},
	{"::ffff:203.0.113.5", false},
	/* ... and IPv4 clients match v4-mapped networks. */
	{"198.51.100.33", true},
	{"198.51.101.33", false},
	/* Not a client address at all. */
	{"10.0.0.0/8", false},
	{"unknown", false},
	{"", false},
	{NULL, false},
};

START_TEST(test_in_list)
{
	emg_cidr_t nets[sizeof(list_text) / sizeof(list_text[0])];
	size_t n = sizeof(nets) / sizeof(nets[0]);

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(netaddr_parse_cidr(list_text[i], &nets[i]), 0);
	ck_assert_msg(netaddr_in_list(member_cases[_i].ip, nets, n) ==
	                  member_cases[_i].in,
	              "%s: want %d", member_cases[_i].ip ? member_cases[_i].ip
	                                                 : "(null)",
	              member_cases[_i].in);
}
END_TEST

START_TEST(test_in_empty_list)
{
	ck_assert(!netaddr_in_list("127.0.0.1", NULL, 0));
	emg_cidr_t any;
	ck_assert_int_eq(netaddr_parse_cidr("0.0.0.0/0", &any), 0);
	ck_assert(netaddr_in_list("203.0.113.1", &any, 1));
	ck_assert(!netaddr_in_list("2001:db8::1", &any, 1));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("netaddr");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_cidr, 0,
	                    sizeof(parse_cases) / sizeof(parse_cases[0]));
	tcase_add_loop_test(tc, test_in_list, 0,
	                    sizeof(member_cases) / sizeof(member_cases[0]));
	tcase_add_test(tc, test_in_empty_list);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
