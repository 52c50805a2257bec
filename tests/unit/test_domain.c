/* test_domain.c - unit tests for domain (stub). */
#include "testutil.h"
START_TEST(test_domain_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("domain", test_domain_placeholder)
