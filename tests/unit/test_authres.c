/* test_authres.c - unit tests for authres (stub). */
#include "testutil.h"
START_TEST(test_authres_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("authres", test_authres_placeholder)
