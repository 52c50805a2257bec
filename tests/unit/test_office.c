#include "testutil.h"
#include "ole.h"
#include <stdlib.h>
START_TEST(t) {
	tu_cfb_stream_t s[] = {{"Macros/VBA/dir", "abc", 3}, {"Macros/VBA/Module1", "x", 1}, {"WordDocument", "wd", 2}, {"Macros/PROJECT", "p", 1}};
	size_t len; uint8_t *b = tu_cfb_build(s, 4, &len);
	ole_file_t *f; char why[100];
	ck_assert_int_eq(ole_open(b, len, &f, why, sizeof why), EMG_OK);
	uint8_t *d; size_t dl;
	ck_assert_int_eq(ole_read(f, "macros/vba/DIR", 100, &d, &dl), EMG_OK);
	ck_assert_uint_eq(dl, 3); free(d);
	ck_assert(ole_has(f, "Macros/PROJECT"));
	ole_close(f); free(b);
}
END_TEST
TESTUTIL_MAIN("cfb", t)
