/*
 * manifest.h - manifest.csv, the chain of custody of one run: the tool and
 * its version, when it ran, the command line and every option in effect,
 * then every input (each capture: its view, stored bytes, SHA-256 as read;
 * the --inventory file, which shapes the reports, read again) and every
 * output (bytes and SHA-256 of the file as written, read back once
 * complete).  It is written last; it cannot hold its own hash.
 *
 * Columns (stable; documented in README.md): kind,name,value,bytes,sha256
 *   kind  tool | run | option | input | output
 */
#ifndef TP_MANIFEST_H
#define TP_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/capture_stats.h"
#include "analyzer/cli.h"

/* outputs: paths of the files the run wrote (those missing are skipped). */
bool manifest_write(const struct tp_config *cfg, int64_t started_ns, int64_t finished_ns,
		    const struct capture_stats *inputs, size_t ninputs, const char *const *outputs, size_t noutputs,
		    char *err, size_t errlen);

/* Now, in ns since 1970-01-01T00:00:00Z. */
int64_t manifest_now_ns(void);

#endif
