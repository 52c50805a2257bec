/* test_envelope.c - unit tests for envelope (stub). */
#include "testutil.h"
START_TEST(test_envelope_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("envelope", test_envelope_placeholder)
