/* sim_run.c - see sim_run.h. */
#include "tests/support/sim_run.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

char sim_dirs[SIM_SLOTS][64];

void sim_cleanup(void)
{
	for (size_t i = 0; i < SIM_SLOTS; i++) {
		char cmd[sizeof sim_dirs + 16];

		if (!sim_dirs[i][0])
			continue;
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", sim_dirs[i]);
		if (system(cmd) != 0)
			cr_log_warn("could not remove %s", sim_dirs[i]);
		sim_dirs[i][0] = '\0';
	}
}

const char *sim_bin(void)
{
	const char *bin = getenv("TAPSIGHT_SIM");

	return bin && *bin ? bin : "build/release/tapsight-sim";
}

int sim_run(size_t slot, unsigned seed, unsigned duration)
{
	const char *bin = sim_bin();
	char cmd[512];
	int st;
	snprintf(sim_dirs[slot], sizeof sim_dirs[slot], "/tmp/tapsight-sim-XXXXXX");
	if (!mkdtemp(sim_dirs[slot]))
		cr_assert_fail("mkdtemp failed");
	snprintf(cmd, sizeof cmd, "'%s' --seed %u --duration %u -o '%s'", bin, seed, duration,
		 sim_dirs[slot]);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void sim_path(char *out, size_t n, size_t slot, const char *name)
{
	snprintf(out, n, "%s/%s", sim_dirs[slot], name);
}
