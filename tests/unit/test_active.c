/* test_active.c - unit tests for active (being written). */
#include "testutil.h"
START_TEST(test_active_pending) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("active", test_active_pending)
