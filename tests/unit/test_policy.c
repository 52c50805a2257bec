/* test_policy.c - unit tests for policy (stub). */
#include "testutil.h"
START_TEST(test_policy_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("policy", test_policy_placeholder)
