/* SCAFFOLD: replaced by the module owner. */
#include "testutil.h"
START_TEST(test_scaffold) { ck_abort_msg("scaffold: not written yet"); }
END_TEST
TESTUTIL_MAIN("history", test_scaffold)
