/* test_sender.c - unit tests for sender (stub). */
#include "testutil.h"
START_TEST(test_sender_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("sender", test_sender_placeholder)
