/* test_walk.c - unit tests for walk (being written). */
#include "testutil.h"
START_TEST(test_walk_pending) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("walk", test_walk_pending)
