/* test_netaddr.c - unit tests for netaddr (stub). */
#include "testutil.h"
START_TEST(test_netaddr_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("netaddr", test_netaddr_placeholder)
