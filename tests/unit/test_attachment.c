/* test_attachment.c - unit tests for attachment (being written). */
#include "testutil.h"
START_TEST(test_attachment_pending) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("attachment", test_attachment_pending)
