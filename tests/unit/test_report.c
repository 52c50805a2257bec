/* test_report.c - unit tests for report (stub). */
#include "testutil.h"
START_TEST(test_report_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
TESTUTIL_MAIN("report", test_report_placeholder)
