/* test_message.c - unit tests for message (stub). */
#include "testutil.h"
START_TEST(test_message_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("message", test_message_placeholder)
