/* test_text.c - unit tests for text (stub). */
#include "testutil.h"
START_TEST(test_text_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("text", test_text_placeholder)
