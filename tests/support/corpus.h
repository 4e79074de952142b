/*
 * corpus.h - the shared corpus of real captures, and tshark as the oracle.
 *
 * The corpus is $TAPSIGHT_CAPTURES, or ../shared/captures from the top of
 * the repository (where the suite runs).  It is never copied into the
 * project: corpus_file() skips the calling test, saying so, when it is
 * absent.
 */
#ifndef TP_TEST_CORPUS_H
#define TP_TEST_CORPUS_H

#include <stdbool.h>
#include <stddef.h>

const char *corpus_dir(void);

/* The path of rel in the corpus (static buffer); skips the test when the
 * corpus or the file is missing. */
const char *corpus_file(const char *rel);

/* tshark's output, one row per frame it printed, cells by field. */
struct tshark_rows {
	size_t nrows, nfields;
	char **cells;		/* nrows * nfields, row-major; "" when empty */
	char *text;		/* what cells point into */
};

/*
 * Runs tshark -n -r path [-Y filter] -T fields -E separator=/t
 * -E occurrence=a -E aggregator=, -e frame.number -e FIELD... (so cell 0
 * of a row is the frame number); extra (or NULL) is added to the command
 * line as is (e.g. "-o tcp.desegment_tcp_streams:TRUE").  Returns false
 * (and logs why) when tshark cannot be run.
 */
bool tshark_fields(const char *path, const char *filter, const char *extra,
		   const char *const *fields, size_t nfields, struct tshark_rows *out);
const char *tshark_cell(const struct tshark_rows *t, size_t row, size_t field);	/* field 0 = frame */
void tshark_rows_free(struct tshark_rows *t);

#endif
