/*
 * sim_run.h - run the plant simulator (samples/) in tests.
 *
 * Each test suite keeps up to SIM_SLOTS output folders; sim_cleanup()
 * removes them (use it as the suite's .fini).
 */
#ifndef TP_TEST_SIM_RUN_H
#define TP_TEST_SIM_RUN_H

#include <stddef.h>

#define SIM_SLOTS 3
#define SIM_TSHARK "/usr/bin/tshark"

extern char sim_dirs[SIM_SLOTS][64];

/* The simulator binary: $TAPSIGHT_SIM, default build/release/tapsight-sim. */
const char *sim_bin(void);

/* Runs $TAPSIGHT_SIM (default build/release/tapsight-sim) with seed and
 * duration into a fresh folder sim_dirs[slot]; returns its exit status. */
int sim_run(size_t slot, unsigned seed, unsigned duration);
void sim_cleanup(void);
/* out = sim_dirs[slot]/name */
void sim_path(char *out, size_t n, size_t slot, const char *name);

#endif
