/* check.c - see check.h. */
#include "tests/support/check.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <string.h>

bool same(const char *got, const char *want)
{
	bool ok = got && want ? strcmp(got, want) == 0 : got == want;

	if (!ok)
		cr_log_error("got  \"%s\"\nwant \"%s\"", got ? got : "(null)",
			     want ? want : "(null)");
	return ok;
}

bool same_bytes(const uint8_t *got, const uint8_t *want, size_t n)
{
	if (memcmp(got, want, n) == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		cr_log_error("byte %zu: got 0x%02x, want 0x%02x", i, got[i], want[i]);
	return false;
}
