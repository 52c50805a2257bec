/* test_onenote.c - unit tests for onenote (being written). */
#include "testutil.h"
START_TEST(test_onenote_pending) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("onenote", test_onenote_pending)
