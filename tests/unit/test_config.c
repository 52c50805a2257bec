/* test_config.c - unit tests for config (stub). */
#include "testutil.h"
START_TEST(test_config_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("config", test_config_placeholder)
