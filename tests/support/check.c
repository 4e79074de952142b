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
