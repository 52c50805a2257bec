/* test_input.c - unit tests for input (stub). */
#include "testutil.h"
START_TEST(test_input_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("input", test_input_placeholder)
