/*
 * manifest.c - manifest.csv; see manifest.h.
 */
#include "reports/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/compare.h"
#include "analyzer/dedup.h"
#include "reports/csv.h"

static const char *const columns[] = { "kind", "name", "value", "bytes", "sha256" };

int64_t manifest_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* SHA-256 of the file at path, in hex; false if it cannot be read. */
static bool file_sha256(const char *path, char hex[65], uint64_t *bytes)
{
	unsigned char buf[1 << 16], md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = ctx && fd >= 0 && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	ssize_t n;

	*bytes = 0;
	while (ok && (n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			ok = errno == EINTR;
			continue;
		}
		*bytes += (uint64_t)n;
		ok = EVP_DigestUpdate(ctx, buf, (size_t)n);
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
	for (size_t i = 0; ok && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return ok;
}

static void row(struct csv_out *o, const char *kind, const char *name, const char *value)
{
	csv_text(o, kind);
	csv_text(o, name);
	if (value)
		csv_hostile(o, (const uint8_t *)value, strlen(value));
	else
		csv_empty(o);
	csv_empty(o);
	csv_empty(o);
	csv_end_row(o);
}

static void option_ms(struct csv_out *o, const char *name, int64_t ns, int64_t dflt)
{
	char v[48];

	snprintf(v, sizeof v, "%.3f", (double)(ns ? ns : dflt) / 1e6);
	row(o, "option", name, ns < 0 ? "off" : v);
}

static void option_s(struct csv_out *o, const char *name, int64_t ns, double dflt_s)
{
	char v[48];

	snprintf(v, sizeof v, "%.3f", ns ? (double)ns / 1e9 : dflt_s);
	row(o, "option", name, v);
}

static void file_row(struct csv_out *o, const char *kind, const char *path, const char *value)
{
	char hex[65];
	uint64_t bytes;

	csv_text(o, kind);
	csv_hostile(o, (const uint8_t *)path, strlen(path));
	if (value)
		csv_hostile(o, (const uint8_t *)value, strlen(value));
	else
		csv_empty(o);
	if (file_sha256(path, hex, &bytes)) {
		csv_u64(o, bytes);
		csv_text(o, hex);
	} else {
		csv_empty(o);
		csv_empty(o);
	}
	csv_end_row(o);
}

bool manifest_write(const struct tp_config *cfg, int64_t started_ns, int64_t finished_ns,
		    const struct capture_stats *inputs, size_t ninputs, const char *const *outputs, size_t noutputs,
		    char *err, size_t errlen)
{
	struct csv_out *o = csv_open(cfg->out_dir, "manifest.csv", columns, sizeof columns / sizeof *columns,
				     cfg->bom, err, errlen);
	char ts[48];

	if (!o)
		return false;
	row(o, "tool", "tapsight", TP_VERSION);
	tp_format_ts(ts, sizeof ts, started_ns);
	row(o, "run", "started", ts);
	tp_format_ts(ts, sizeof ts, finished_ns);
	row(o, "run", "finished", ts);
	row(o, "run", "command_line", cfg->command_line);
	row(o, "option", "output", cfg->out_dir);
	row(o, "option", "mode", cfg->ingest_only ? "ingest only" : cfg->flows_only ? "flows only" : "full");
	row(o, "option", "filter", cfg->filter);
	row(o, "option", "inventory", cfg->inventory);
	row(o, "option", "oui_dir", cfg->oui_dir);
	row(o, "option", "reference", cfg->reference);
	option_ms(o, "match_window_ms", cfg->match_window_ns, COMPARE_WINDOW_NS);
	option_ms(o, "dup_window_ms", cfg->dup_window_ns, DEDUP_WINDOW_NS);
	row(o, "option", "keep_duplicates", cfg->keep_duplicates ? "yes" : "no");
	option_s(o, "tcp_timeout_s", cfg->tcp_timeout_ns, 300);
	option_s(o, "udp_timeout_s", cfg->udp_timeout_ns, 60);
	option_s(o, "other_timeout_s", cfg->other_timeout_ns, 60);
	row(o, "option", "bom", cfg->bom ? "yes" : "no");
	row(o, "option", "hash", cfg->no_hash ? "no" : "yes");
	row(o, "option", "write_missed", cfg->write_missed);
	row(o, "option", "write_extra", cfg->write_extra);
	for (size_t i = 0; i < ninputs; i++) {
		const struct capture_stats *c = &inputs[i];
		char hex[65] = "";

		csv_text(o, "input");
		csv_hostile(o, (const uint8_t *)c->path, strlen(c->path));
		csv_hostile(o, (const uint8_t *)c->view, strlen(c->view));
		csv_u64(o, c->bytes);
		for (size_t k = 0; c->hashed && k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", c->sha256[k]);
		csv_text(o, hex);
		csv_end_row(o);
	}
	if (cfg->inventory)
		file_row(o, "input", cfg->inventory, "inventory");
	for (size_t i = 0; i < noutputs; i++) {
		struct stat st;

		if (stat(outputs[i], &st) == 0)
			file_row(o, "output", outputs[i], NULL);
	}
	return csv_close(o, err, errlen);
}
