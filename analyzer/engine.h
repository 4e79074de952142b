/*
 * engine.h - runs the analyses over every view and writes the reports.
 *
 * Views are read one after the other; the captures of a view are merged in
 * timestamp order (merge.h) and every record passes through the analyses.
 * What each capture was (format, link types, timestamps, faults, SHA-256)
 * is gathered into one row of captures.csv.
 */
#ifndef TP_ENGINE_H
#define TP_ENGINE_H

#include "analyzer/cli.h"

/* Returns the process exit status: 0, or 1 when nothing at all could be
 * read or an output could not be written. */
int engine_run(const struct tp_config *cfg);

#endif
