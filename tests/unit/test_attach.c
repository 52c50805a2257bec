/* test_attach.c - unit tests for attach (being written). */
#include "testutil.h"
START_TEST(test_attach_pending) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("attach", test_attach_pending)
