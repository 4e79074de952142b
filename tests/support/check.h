/*
 * check.h - small assertions the Criterion API lacks.
 */
#ifndef TP_TEST_CHECK_H
#define TP_TEST_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Strings equal, NULL only to NULL; logs what differed.  (Criterion's
 * eq(str) takes char *, and the library rightly hands out const char *.)
 * Use as cr_assert(same(got, want)).
 */
bool same(const char *got, const char *want);

/* n bytes equal; logs every byte when not.  (Criterion's eq(u8[n]) leaks
 * its diff under LeakSanitizer.) */
bool same_bytes(const uint8_t *got, const uint8_t *want, size_t n);

#endif
