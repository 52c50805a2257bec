/* test_lookalike.c - unit tests for lookalike (stub). */
#include "testutil.h"
START_TEST(test_lookalike_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("lookalike", test_lookalike_placeholder)
