/*
 * test_s7comm.c - formats/ics/s7comm.c: TPKT (RFC 1006), COTP (X.224), S7
 * jobs, acks and userdata, the SZL identification records, the
 * S7comm-plus header; hand-built PDUs, every truncation, and the corpus
 * captures against tshark.
 *
 * PDUs are spelled out byte by byte (tests/support/bytes.h) with the
 * layouts drawn at the top of s7comm.c; expected values are written here,
 * never computed by the code under test.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/logging.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ics/ics.h"
#include "tests/support/bytes.h"
#include "tests/support/check.h"
#include "tests/support/corpus.h"
#include "tests/support/ics_run.h"

extern const struct ics_dissector ics_s7comm;

TestSuite(s7comm);

#define BE true

#define JOB 1
#define ACK 2
#define ACK_DATA 3
#define USERDATA 7

/* ---- builders ---- */

/* TPKT and a class 0 COTP DT around n bytes of TSDU. */
static void dt(struct bytes *b, const void *tsdu, size_t n, bool eot)
{
	bytes_u8(b, 3);
	bytes_u8(b, 0);
	bytes_u16(b, (uint16_t)(n + 7), BE);
	bytes_u8(b, 2);
	bytes_u8(b, 0xf0);
	bytes_u8(b, eot ? 0x80 : 0x00);
	bytes_put(b, tsdu, n);
}

/* An S7 PDU: header (error class and code for ack/ack_data), parameter,
 * data. */
static void s7_tsdu(struct bytes *p, uint8_t rosctr, uint16_t ref, const void *param,
		    size_t plen, const void *data, size_t dlen, uint8_t err_class, uint8_t err_code)
{
	bytes_u8(p, 0x32);
	bytes_u8(p, rosctr);
	bytes_u16(p, 0, BE);
	bytes_u16(p, ref, BE);
	bytes_u16(p, (uint16_t)plen, BE);
	bytes_u16(p, (uint16_t)dlen, BE);
	if (rosctr == ACK || rosctr == ACK_DATA) {
		bytes_u8(p, err_class);
		bytes_u8(p, err_code);
	}
	bytes_put(p, param, plen);
	bytes_put(p, data, dlen);
}

static void s7(struct bytes *b, uint8_t rosctr, uint16_t ref, const void *param, size_t plen,
	       const void *data, size_t dlen, uint8_t err_class, uint8_t err_code)
{
	struct bytes p = { 0 };

	s7_tsdu(&p, rosctr, ref, param, plen, data, dlen, err_class, err_code);
	dt(b, p.p, p.len, true);
	bytes_free(&p);
}

/* Userdata: parameter head, type/group, subfunction; long form (8) with
 * data unit reference, last data unit and error code. */
static void userdata(struct bytes *b, uint16_t ref, uint8_t type, uint8_t group, uint8_t sub,
		     bool longform, uint8_t unit_ref, uint8_t last, uint16_t error,
		     const void *data, size_t dlen)
{
	struct bytes par = { 0 };

	bytes_put(&par, "\x00\x01\x12", 3);
	bytes_u8(&par, longform ? 8 : 4);
	bytes_u8(&par, type == 4 ? 0x11 : 0x12);
	bytes_u8(&par, (uint8_t)(type << 4 | group));
	bytes_u8(&par, sub);
	bytes_u8(&par, 1);	/* sequence number */
	if (longform) {
		bytes_u8(&par, unit_ref);
		bytes_u8(&par, last);
		bytes_u16(&par, error, BE);
	}
	s7(b, USERDATA, ref, par.p, par.len, data, dlen, 0, 0);
	bytes_free(&par);
}

/* Userdata data part around an SZL answer: return code, transport size,
 * length, then id, index, record length, count, records. */
static void szl_data(struct bytes *d, uint16_t id, uint16_t len, uint16_t count,
		     const void *records, size_t n)
{
	bytes_u8(d, 0xff);
	bytes_u8(d, 0x09);
	bytes_u16(d, (uint16_t)(8 + n), BE);
	bytes_u16(d, id, BE);
	bytes_u16(d, 0, BE);
	bytes_u16(d, len, BE);
	bytes_u16(d, count, BE);
	bytes_put(d, records, n);
}

/* xy11 record: index, MLFB (20, blank padded), BGTyp, Ausbg, Ausbe. */
static void rec11(struct bytes *r, uint16_t index, const char *mlfb, uint16_t ausbg, uint16_t ausbe)
{
	char pad[20];

	memset(pad, ' ', sizeof pad);
	memcpy(pad, mlfb, strlen(mlfb));
	bytes_u16(r, index, BE);
	bytes_put(r, pad, sizeof pad);
	bytes_u16(r, 0, BE);
	bytes_u16(r, ausbg, BE);
	bytes_u16(r, ausbe, BE);
}

/* xy1C record: index and 32 bytes, the text NUL padded. */
static void rec1c(struct bytes *r, uint16_t index, const void *text, size_t n)
{
	uint8_t pad[32] = { 0 };

	memcpy(pad, text, n);
	bytes_u16(r, index, BE);
	bytes_put(r, pad, sizeof pad);
}

static struct ics_log run(const struct bytes *b, uint32_t *used)
{
	struct ics_log log = { 0 };
	uint32_t u = ics_run_bytes(&ics_s7comm, NULL, -1, b->p, b->len, &log);

	if (used)
		*used = u;
	return log;
}

static const struct ics_msg *only_msg(const struct ics_log *log)
{
	cr_assert(eq(sz, log->nmsgs, 1));
	return &log->msgs[0].m;
}

/* The messages b makes, all its bytes consumed. */
static size_t consumed(const struct bytes *b)
{
	uint32_t used;
	struct ics_log log = run(b, &used);
	size_t n = log.nmsgs;

	cr_assert(eq(u32, used, b->len));
	ics_log_free(&log);
	return n;
}

/* The one message b makes, the direction given (-1 unknown). */
static struct ics_msg one(const struct bytes *b, int to_server)
{
	struct ics_log log = { 0 };
	uint32_t used = ics_run_bytes(&ics_s7comm, NULL, to_server, b->p, b->len, &log);
	struct ics_msg m;

	cr_assert(eq(u32, used, b->len));
	m = *only_msg(&log);
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	return m;
}

/* The one message of a single S7 PDU. */
static struct ics_msg one_s7(uint8_t rosctr, uint16_t ref, const void *param, size_t plen,
			     const void *data, size_t dlen, uint8_t err_class, uint8_t err_code)
{
	struct bytes b = { 0 };
	struct ics_msg m;

	s7(&b, rosctr, ref, param, plen, data, dlen, err_class, err_code);
	m = one(&b, -1);
	bytes_free(&b);
	return m;
}

/* The identities of field, in order, joined by '|'. */
static const char *idents(const struct ics_log *log, enum ics_field f)
{
	static char buf[2048];
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < log->nidents; i++) {
		if (log->idents[i].id.field != f)
			continue;
		at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", at ? "|" : "",
				       log->idents[i].value);
	}
	return buf;
}

/* ---- jobs and acks ---- */

Test(s7comm, setup_communication_job_and_ack_data)
{
	static const uint8_t par[] = { 0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xe0 };
	struct ics_msg m = one_s7(JOB, 0x0100, par, sizeof par, NULL, 0, 0, 0);

	cr_assert(eq(u8, m.proto, ICS_S7COMM));
	cr_assert(eq(u16, m.function, 0xf0));
	cr_assert(eq(u8, m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_CLIENT));
	cr_assert(eq(u8, m.receiver_role, ICS_ROLE_SERVER));
	cr_assert(m.has_transaction);
	cr_assert(eq(u32, m.transaction, 0x0100));
	cr_assert(eq(u8, m.actions, 0));
	cr_assert(not(m.exception));
	cr_assert(not(m.has_unit));
	cr_assert(eq(u8, m.nseq, 0));

	m = one_s7(ACK_DATA, 0x0100, par, sizeof par, NULL, 0, 0, 0);
	cr_assert(eq(u16, m.function, 0xf0));
	cr_assert(eq(u8, m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_SERVER));
	cr_assert(eq(u8, m.receiver_role, ICS_ROLE_CLIENT));
	cr_assert(not(m.exception));
}

Test(s7comm, read_and_write_var)
{
	/* One S7ANY item: DB1.DBB0 BYTE 8 (the sample's read). */
	static const uint8_t par[] = { 0x04, 0x01, 0x12, 0x0a, 0x10, 0x02, 0x00, 0x08, 0x00, 0x01,
				       0x84, 0x00, 0x00, 0x00 };
	static const uint8_t value[] = { 0x00, 0x04, 0x00, 0x40, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t wpar[sizeof par];
	struct ics_msg m = one_s7(JOB, 7, par, sizeof par, NULL, 0, 0, 0);

	cr_assert(eq(u16, m.function, 0x04));
	cr_assert(eq(u8, m.actions, ICS_ACT_READ));

	memcpy(wpar, par, sizeof par);
	wpar[0] = 0x05;
	m = one_s7(JOB, 8, wpar, sizeof wpar, value, sizeof value, 0, 0);
	cr_assert(eq(u16, m.function, 0x05));
	cr_assert(eq(u8, m.actions, ICS_ACT_WRITE));
	cr_assert(eq(u32, m.transaction, 8));

	/* The answer carries no action: actions count operations. */
	m = one_s7(ACK_DATA, 8, "\x05\x01", 2, "\xff", 1, 0, 0);
	cr_assert(eq(u16, m.function, 0x05));
	cr_assert(eq(u8, m.actions, 0));
	cr_assert(eq(u8, m.kind, ICS_KIND_RESPONSE));
}

Test(s7comm, error_class_is_an_exception)
{
	/* Ack without parameter, error class 0xd2 code 0x41 (as s7ident.pcap). */
	struct ics_msg m = one_s7(ACK, 6, NULL, 0, NULL, 0, 0xd2, 0x41);

	cr_assert(eq(u16, m.function, 0x100));
	cr_assert(m.exception);
	cr_assert(eq(u8, m.kind, ICS_KIND_RESPONSE));

	m = one_s7(ACK_DATA, 6, "\x04\x01", 2, "\x0a\x00\x00\x00", 4, 0x85, 0x00);
	cr_assert(eq(u16, m.function, 0x04));
	cr_assert(m.exception);
	m = one_s7(ACK_DATA, 6, "\x04\x01", 2, "\x0a\x00\x00\x00", 4, 0x00, 0x01);
	cr_assert(m.exception);
}

Test(s7comm, block_download_and_upload_are_program)
{
	struct bytes b = { 0 };
	struct ics_msg m;

	for (uint8_t fn = 0x1a; fn <= 0x1f; fn++) {
		uint8_t par[18] = { fn };

		m = one_s7(JOB, fn, par, sizeof par, NULL, 0, 0, 0);
		cr_assert(eq(u16, m.function, fn));
		cr_assert(eq(u8, m.actions, ICS_ACT_PROGRAM));
	}
	/* In a download the PLC sends the download block jobs: the port 102
	 * side is the server whatever the PDU says. */
	s7(&b, JOB, 0x6501, "\x1b\x00\x00\x00\x00\x00\x00\x00\x09_0A00001P", 18, NULL, 0, 0, 0);
	cr_assert(eq(u8, one(&b, -1).sender_role, ICS_ROLE_CLIENT));
	m = one(&b, 0);
	cr_assert(eq(u8, m.sender_role, ICS_ROLE_SERVER));
	cr_assert(eq(u8, m.receiver_role, ICS_ROLE_CLIENT));
	cr_assert(eq(u8, m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, m.actions, ICS_ACT_PROGRAM));
	bytes_free(&b);
}

/* What a PI service job does: function, 7 unknown, block length, block,
 * name. */
static uint8_t pi_job_actions(const char *name, const void *block, uint16_t blen)
{
	struct bytes par = { 0 };
	struct ics_msg m;

	bytes_put(&par, "\x28\x00\x00\x00\x00\x00\x00\xfd", 8);
	bytes_u16(&par, blen, BE);
	bytes_put(&par, block, blen);
	bytes_u8(&par, (uint8_t)strlen(name));
	bytes_put(&par, name, strlen(name));
	m = one_s7(JOB, 0x1c, par.p, par.len, NULL, 0, 0, 0);
	cr_assert(eq(u16, m.function, 0x28));
	bytes_free(&par);
	return m.actions;
}

Test(s7comm, pi_services_and_plc_stop)
{
	static const char block[] = "\x01\x00\x30\x41\x30\x30\x30\x30\x31\x50";
	struct ics_msg m;

	/* As step7_s300_download.pcapng and snap7_s300_everything.pcapng. */
	cr_assert(eq(u8, pi_job_actions("_INSE", block, 10), ICS_ACT_PROGRAM));
	cr_assert(eq(u8, pi_job_actions("_DELE", block, 10), ICS_ACT_PROGRAM));
	cr_assert(eq(u8, pi_job_actions("_MODU", "EP", 2), ICS_ACT_PROGRAM));
	cr_assert(eq(u8, pi_job_actions("P_PROGRAM", "C ", 2), ICS_ACT_STOPSTART));
	cr_assert(eq(u8, pi_job_actions("P_PROGRAM", NULL, 0), ICS_ACT_STOPSTART));
	cr_assert(eq(u8, pi_job_actions("_GARB", NULL, 0), 0));
	cr_assert(eq(u8, pi_job_actions("_INSEX", NULL, 0), 0));
	cr_assert(eq(u8, pi_job_actions("_INS", NULL, 0), 0));

	/* The name length overruns the parameter: no action, still a message. */
	m = one_s7(JOB, 1, "\x28\x00\x00\x00\x00\x00\x00\xfd\x00\x00\x09_INSE", 16, NULL, 0, 0, 0);
	cr_assert(eq(u16, m.function, 0x28));
	cr_assert(eq(u8, m.actions, 0));

	m = one_s7(JOB, 0x1c, "\x29\x00\x00\x00\x00\x00\x09P_PROGRAM", 16, NULL, 0, 0, 0);
	cr_assert(eq(u16, m.function, 0x29));
	cr_assert(eq(u8, m.actions, ICS_ACT_STOPSTART));
}

Test(s7comm, job_without_parameter)
{
	struct ics_msg m = one_s7(JOB, 3, NULL, 0, NULL, 0, 0, 0);

	cr_assert(eq(u16, m.function, 0x100));
	cr_assert(eq(u8, m.actions, 0));
}

/* ---- userdata and SZL ---- */

/* The sample's SZL 0x0011 answer (samples/build_s7comm.c). */
static void sample_szl_answer(struct bytes *b)
{
	struct bytes r = { 0 }, d = { 0 };

	rec11(&r, 0x0001, "6ES7 515-2AM01-0AB0", 0x0000, 0x0003);
	rec11(&r, 0x0006, "6ES7 515-2AM01-0AB0", 0x0000, 0x0003);
	rec11(&r, 0x0007, "", 'V' << 8 | 2, 0x0901);
	szl_data(&d, 0x0011, 28, 3, r.p, r.len);
	userdata(b, 0x0102, 8, 4, 1, true, 0, 0, 0, d.p, d.len);
	bytes_free(&r);
	bytes_free(&d);
}

/* A read-SZL answer with the records r: its log (one message).  ret is the
 * return code; grow is added to the data length; unit and last are the
 * data unit reference and last data unit octets (a multi-part answer). */
static struct ics_log szl_run(uint16_t id, uint16_t reclen, uint16_t count, const struct bytes *r,
			      uint8_t ret, uint8_t grow, uint8_t unit, uint8_t last)
{
	struct bytes b = { 0 }, d = { 0 };
	struct ics_log log;

	szl_data(&d, id, reclen, count, r->p, r->len);
	d.p[0] = ret;
	d.p[3] = (uint8_t)(d.p[3] + grow);
	userdata(&b, 2, 8, 4, 1, true, unit, last, 0, d.p, d.len);
	log = run(&b, NULL);
	cr_assert(eq(sz, log.nmsgs, 1));
	bytes_free(&b);
	bytes_free(&d);
	return log;
}

/* How many identities that answer gives. */
static size_t szl_count(uint16_t id, uint16_t reclen, uint16_t count, const struct bytes *r,
			uint8_t ret, uint8_t grow)
{
	struct ics_log log = szl_run(id, reclen, count, r, ret, grow, 0, 0);
	size_t n = log.nidents;

	ics_log_free(&log);
	return n;
}

Test(s7comm, read_szl_0011_model_and_firmware)
{
	struct bytes b = { 0 };
	struct ics_log log;
	const struct ics_msg *m;

	userdata(&b, 0x0102, 4, 4, 1, false, 0, 0, 0, "\xff\x09\x00\x04\x00\x11\x00\x00", 8);
	log = run(&b, NULL);
	m = only_msg(&log);
	cr_assert(eq(u16, m->function, 0x1401));
	cr_assert(eq(u8, m->kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, m->actions, ICS_ACT_READ));
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_CLIENT));
	cr_assert(eq(u32, m->transaction, 0x0102));
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);

	b.len = 0;
	sample_szl_answer(&b);
	log = run(&b, NULL);
	m = only_msg(&log);
	cr_assert(eq(u16, m->function, 0x1401));
	cr_assert(eq(u8, m->kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u8, m->sender_role, ICS_ROLE_SERVER));
	cr_assert(eq(u8, m->actions, 0));
	cr_assert(eq(sz, log.nidents, 2));
	cr_assert(same(idents(&log, ICS_F_MODEL), "6ES7 515-2AM01-0AB0"));
	cr_assert(same(idents(&log, ICS_F_FIRMWARE), "V2.9.1"));
	for (size_t i = 0; i < log.nidents; i++) {
		cr_assert(eq(u8, log.idents[i].id.proto, ICS_S7COMM));
		cr_assert(eq(u8, log.idents[i].id.subject, ICS_SUBJECT_SENDER));
	}
	ics_log_free(&log);
	bytes_free(&b);
}

/* An SZL 0x001C answer with the records of snap7's server. */
static void szl_001c_records(struct bytes *r, size_t upto)
{
	static const struct {
		uint16_t index;
		const char *text;
		size_t n;
	} recs[] = {
		{ 1, "SNAP7-SERVER", 12 },
		{ 2, "CPU 315-2 PN/DP", 15 },
		{ 3, "", 0 },
		{ 4, "Original Siemens Equipment", 26 },
		{ 5, "S C-C2UR28922012", 16 },
		{ 7, "CPU 315-2 PN/DP", 15 },
		{ 8, "MMC 267FF11F", 12 },
		{ 9, "\x00\x2a\xf6\x00\x00\x01", 6 },
		{ 10, "", 0 },
		{ 11, "", 0 },
	};

	for (size_t i = 0; i < upto && i < sizeof recs / sizeof recs[0]; i++)
		rec1c(r, recs[i].index, recs[i].text, recs[i].n);
}

/* The names, serial and product of szl_001c_records(). */
static void snap7_names(const struct ics_log *log)
{
	cr_assert(same(idents(log, ICS_F_NAME), "SNAP7-SERVER|CPU 315-2 PN/DP"));
	cr_assert(same(idents(log, ICS_F_SERIAL), "S C-C2UR28922012"));
	cr_assert(same(idents(log, ICS_F_PRODUCT), "CPU 315-2 PN/DP"));
}

Test(s7comm, read_szl_001c_names_serial_product_vendor_id)
{
	struct bytes r = { 0 };
	struct ics_log log;

	szl_001c_records(&r, 10);
	log = szl_run(0x001c, 34, 10, &r, 0xff, 0, 0, 0);
	snap7_names(&log);
	cr_assert(same(idents(&log, ICS_F_VENDOR_ID), "42"));
	cr_assert(same(idents(&log, ICS_F_VENDOR), ""));
	cr_assert(eq(sz, log.nidents, 5));
	ics_log_free(&log);
	bytes_free(&r);
}

Test(s7comm, szl_multi_part_answer)
{
	struct bytes r = { 0 };
	struct ics_log log;

	/* First part: six whole records and two bytes of the seventh, data
	 * unit reference 213, more to come (as snap7_s300_everything frame 6). */
	szl_001c_records(&r, 7);
	r.len -= 32;
	log = szl_run(0x001c, 34, 10, &r, 0xff, 0, 213, 1);
	snap7_names(&log);
	cr_assert(eq(sz, log.nidents, 4));
	ics_log_free(&log);

	/* Last part: no SZL header, even when its bytes look like one. */
	r.len = 0;
	szl_001c_records(&r, 10);
	log = szl_run(0x001c, 34, 10, &r, 0xff, 0, 213, 0);
	cr_assert(eq(sz, log.nidents, 0));
	ics_log_free(&log);
	bytes_free(&r);
}

Test(s7comm, szl_records_bounded)
{
	struct bytes r = { 0 };
	struct ics_log log;

	/* The count says 0xffff, two records are there. */
	rec11(&r, 0x0001, "6ES7 315-2EH14-0AB0", 4, 1);
	rec11(&r, 0x0007, "", 0x5603, 0x0206);
	log = szl_run(0x0011, 28, 0xffff, &r, 0xff, 0, 0, 0);
	cr_assert(same(idents(&log, ICS_F_MODEL), "6ES7 315-2EH14-0AB0"));
	cr_assert(same(idents(&log, ICS_F_FIRMWARE), "V3.2.6"));
	ics_log_free(&log);
	cr_assert(eq(sz, szl_count(0x0011, 28, 2, &r, 0xff, 0), 2));
	/* A record length that is not the list's; another SZL id (0x0132);
	 * a failed answer; a data length past the data part: nothing read. */
	cr_assert(eq(sz, szl_count(0x0011, 26, 2, &r, 0xff, 0), 0));
	cr_assert(eq(sz, szl_count(0x0132, 28, 2, &r, 0xff, 0), 0));
	cr_assert(eq(sz, szl_count(0x0011, 28, 2, &r, 0x0a, 0), 0));
	cr_assert(eq(sz, szl_count(0x0011, 28, 2, &r, 0xff, 1), 0));
	/* Index 0x0111 (one record) reads as 0x0011. */
	cr_assert(eq(sz, szl_count(0x0111, 28, 1, &r, 0xff, 0), 1));
	/* Blank fields are not identities. */
	r.len = 0;
	rec11(&r, 0x0001, "", 4, 1);
	cr_assert(eq(sz, szl_count(0x0011, 28, 1, &r, 0xff, 0), 0));
	bytes_free(&r);
}

Test(s7comm, userdata_kinds_errors_actions)
{
	static const struct {
		uint8_t type, group, sub;
		uint16_t error;
		uint8_t kind, actions, sender;
		bool exception;
	} cases[] = {
		{ 4, 3, 1, 0, ICS_KIND_REQUEST, ICS_ACT_READ, ICS_ROLE_CLIENT, false },
		{ 4, 7, 2, 0, ICS_KIND_REQUEST, ICS_ACT_WRITE, ICS_ROLE_CLIENT, false },
		{ 4, 7, 1, 0, ICS_KIND_REQUEST, ICS_ACT_READ, ICS_ROLE_CLIENT, false },
		{ 4, 1, 8, 0, ICS_KIND_REQUEST, ICS_ACT_WRITE, ICS_ROLE_CLIENT, false },
		{ 4, 1, 9, 0, ICS_KIND_REQUEST, ICS_ACT_WRITE | ICS_ACT_CONTROL, ICS_ROLE_CLIENT,
		  false },
		{ 4, 1, 0x0b, 0, ICS_KIND_REQUEST, ICS_ACT_STOPSTART, ICS_ROLE_CLIENT, false },
		{ 4, 5, 1, 0, ICS_KIND_REQUEST, 0, ICS_ROLE_CLIENT, false },
		{ 8, 3, 3, 0xd209, ICS_KIND_RESPONSE, 0, ICS_ROLE_SERVER, true },
		{ 8, 4, 1, 0xd402, ICS_KIND_RESPONSE, 0, ICS_ROLE_SERVER, true },
		{ 0, 4, 0x11, 0, ICS_KIND_UNSOLICITED, 0, ICS_ROLE_SERVER, false },
		/* NC variants of push, request, response; a type of its own. */
		{ 3, 4, 0x03, 0, ICS_KIND_UNSOLICITED, 0, ICS_ROLE_SERVER, false },
		{ 7, 2, 1, 0, ICS_KIND_REQUEST, ICS_ACT_READ, ICS_ROLE_CLIENT, false },
		{ 0xb, 2, 1, 0, ICS_KIND_RESPONSE, 0, ICS_ROLE_SERVER, false },
		{ 1, 4, 1, 0, ICS_KIND_OTHER, 0, ICS_ROLE_NONE, false },
	};
	struct bytes b = { 0 };

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ics_msg m;

		b.len = 0;
		userdata(&b, 9, cases[i].type, cases[i].group, cases[i].sub, true, 0, 0,
			 cases[i].error, "\x0a\x00\x00\x00", 4);
		m = one(&b, -1);
		cr_assert(eq(u16, m.function, 0x1000 | cases[i].group << 8 | cases[i].sub));
		cr_assert(eq(u8, m.kind, cases[i].kind));
		cr_assert(eq(u8, m.actions, cases[i].actions));
		cr_assert(eq(u8, m.sender_role, cases[i].sender));
		cr_assert(eq(int, m.exception, cases[i].exception));
		cr_assert(eq(u32, m.transaction, 9));
	}
	bytes_free(&b);
}

Test(s7comm, userdata_parameter_too_short)
{
	struct bytes b = { 0 };
	struct ics_log log;

	/* Head and length only: no type, no subfunction. */
	s7(&b, USERDATA, 1, "\x00\x01\x12\x04", 4, NULL, 0, 0, 0);
	log = run(&b, NULL);
	cr_assert(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
	/* Long form announced, short form sent. */
	b.len = 0;
	s7(&b, USERDATA, 1, "\x00\x01\x12\x08\x12\x84\x01\x01", 8, NULL, 0, 0, 0);
	log = run(&b, NULL);
	cr_assert(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);
	bytes_free(&b);
}

/* ---- framing ---- */

Test(s7comm, bad_headers_are_consumed)
{
	struct bytes b = { 0 };
	struct ics_log log;
	uint32_t used;

	s7(&b, JOB, 1, "\x04\x00", 2, NULL, 0, 0, 0);
	b.p[0] = 2;	/* TPKT version */
	cr_assert(eq(sz, consumed(&b), 0));
	b.p[0] = 3;
	b.p[1] = 1;	/* reserved */
	cr_assert(eq(sz, consumed(&b), 0));
	/* A TPKT shorter than TPKT + COTP DT, even cut short. */
	log = run(&(struct bytes){ (uint8_t *)"\x03\x00\x00\x06\x02\xf0", 6, 6 }, &used);
	cr_assert(eq(u32, used, 6));
	ics_log_free(&log);
	log = run(&(struct bytes){ (uint8_t *)"\x03\x00\x00\x06", 4, 4 }, &used);
	cr_assert(eq(u32, used, 4));
	ics_log_free(&log);
	/* A bad TPKT after a good one: the good one is read, all consumed. */
	b.p[1] = 0;
	bytes_put(&b, "\x45\x00\x00\x28", 4);
	cr_assert(eq(sz, consumed(&b), 1));
	bytes_free(&b);
}

Test(s7comm, pdus_that_are_not_messages)
{
	static const uint8_t cr[] = { 0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00,
				      0x01, 0x00, 0xc0, 0x01, 0x0a, 0xc1, 0x02, 0x01, 0x00,
				      0xc2, 0x02, 0x01, 0x02 };
	struct bytes b = { 0 }, p = { 0 };

	/* COTP CR (the sample's), CC, DR: transport, not S7. */
	bytes_put(&b, cr, sizeof cr);
	bytes_put(&b, cr, sizeof cr);
	b.p[sizeof cr + 5] = 0xd0;
	bytes_put(&b, "\x03\x00\x00\x0b\x06\x80\x00\x01\x00\x44\x00", 11);
	/* An unknown ROSCTR, another protocol's TSDU (MMS), an empty DT. */
	s7(&b, 5, 1, "\x04\x00", 2, NULL, 0, 0, 0);
	dt(&b, "\x01\x00\x01\x00\x61\x00", 6, true);
	dt(&b, NULL, 0, true);
	/* Lengths that overrun the TSDU. */
	s7_tsdu(&p, JOB, 1, "\x04\x00", 2, NULL, 0, 0, 0);
	p.p[7] = 3;
	dt(&b, p.p, p.len, true);
	/* A COTP length indicator past the TPDU, and the reserved 255. */
	bytes_put(&b, "\x03\x00\x00\x08\x05\xf0\x80\x32", 8);
	bytes_put(&b, "\x03\x00\x00\x08\xff\xf0\x80\x32", 8);
	cr_assert(eq(sz, consumed(&b), 0));
	bytes_free(&b);
	bytes_free(&p);
}

Test(s7comm, several_pdus_in_one_segment)
{
	struct bytes b = { 0 };
	struct ics_log log;
	uint32_t used;

	for (uint16_t ref = 1; ref <= 5; ref++)
		s7(&b, ref & 1 ? JOB : ACK_DATA, ref, "\x04\x01", 2, NULL, 0, 0, 0);
	log = run(&b, &used);
	cr_assert(eq(u32, used, b.len));
	cr_assert(eq(sz, log.nmsgs, 5));
	for (size_t i = 0; i < 5; i++)
		cr_assert(eq(u32, log.msgs[i].m.transaction, i + 1));
	ics_log_free(&log);
	bytes_free(&b);
}

Test(s7comm, segmented_tsdu_is_put_together)
{
	struct bytes b = { 0 }, p = { 0 }, whole = { 0 };
	struct ics_log log;
	uint32_t used;
	size_t first;

	/* An empty DT without EOT before the PDU, as
	 * s7comm_reading_plc_status.pcap's client sends. */
	dt(&b, NULL, 0, false);
	first = b.len;
	sample_szl_answer(&whole);
	bytes_put(&b, whole.p + 7, whole.len - 7);	/* TPKT length fixed below */
	b.len = first;
	dt(&b, whole.p + 7, whole.len - 7, true);
	log = run(&b, &used);
	cr_assert(eq(u32, used, b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(same(idents(&log, ICS_F_MODEL), "6ES7 515-2AM01-0AB0"));
	ics_log_free(&log);

	/* The PDU cut in three DTs. */
	b.len = 0;
	dt(&b, whole.p + 7, 10, false);
	dt(&b, whole.p + 17, 20, false);
	dt(&b, whole.p + 37, whole.len - 37, true);
	log = run(&b, &used);
	cr_assert(eq(u32, used, b.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u16, log.msgs[0].m.function, 0x1401));
	cr_assert(same(idents(&log, ICS_F_FIRMWARE), "V2.9.1"));
	ics_log_free(&log);

	/* The bytes end before the DT with EOT: all kept for later. */
	log = run(&(struct bytes){ b.p, b.len - 1, b.len }, &used);
	cr_assert(eq(u32, used, 0));
	cr_assert(eq(sz, log.nmsgs, 0));
	ics_log_free(&log);

	/* A PDU before the TSDU is read; the TSDU kept from its first DT. */
	s7(&p, JOB, 1, "\x04\x00", 2, NULL, 0, 0, 0);
	bytes_put(&p, b.p, 17 + 27);
	log = run(&p, &used);
	cr_assert(eq(u32, used, p.len - 17 - 27));
	cr_assert(eq(sz, log.nmsgs, 1));
	ics_log_free(&log);

	/* Something other than a DT breaks the chain: the fragments are
	 * dropped and the rest read. */
	p.len = 0;
	dt(&p, whole.p + 7, 10, false);
	bytes_put(&p, "\x03\x00\x00\x0b\x06\x80\x00\x01\x00\x44\x00", 11);
	s7(&p, JOB, 1, "\x04\x00", 2, NULL, 0, 0, 0);
	log = run(&p, &used);
	cr_assert(eq(u32, used, p.len));
	cr_assert(eq(sz, log.nmsgs, 1));
	cr_assert(eq(u16, log.msgs[0].m.function, 0x04));
	ics_log_free(&log);
	bytes_free(&b);
	bytes_free(&p);
	bytes_free(&whole);
}

Test(s7comm, segmented_tsdu_too_long_is_dropped)
{
	struct bytes b = { 0 };
	static uint8_t chunk[65000];

	/* Three DTs without EOT of 65000 bytes each pass the largest TSDU
	 * (12 + 2 * 65535): consumed, nothing reported. */
	chunk[0] = 0x32;
	for (int i = 0; i < 3; i++)
		dt(&b, chunk, sizeof chunk, false);
	dt(&b, "\x04\x00", 2, true);
	cr_assert(eq(sz, consumed(&b), 0));
	bytes_free(&b);
}

Test(s7comm, largest_tpkt)
{
	struct bytes b = { 0 }, par = { 0 };
	static uint8_t data[65535 - 7 - 10 - 14];
	struct ics_log log;
	uint32_t used;

	/* A write var filling a TPKT of 65535 bytes. */
	bytes_put(&par, "\x05\x01\x12\x0a\x10\x02\xff\xa0\x00\x01\x84\x00\x00\x00", 14);
	s7(&b, JOB, 1, par.p, par.len, data, sizeof data, 0, 0);
	cr_assert(eq(sz, b.len, 65535));
	log = run(&b, &used);
	cr_assert(eq(u32, used, 65535));
	cr_assert(eq(u8, only_msg(&log)->actions, ICS_ACT_WRITE));
	ics_log_free(&log);
	bytes_free(&b);
	bytes_free(&par);
}

/* ---- S7comm-plus ---- */

/* An S7comm-plus PDU: header, [digest], opcode and the rest, trailer. */
static void s7plus(struct bytes *b, uint8_t version, const void *body, size_t n, bool trailer)
{
	struct bytes p = { 0 };
	size_t digest = version == 3 ? 33 : 0;

	bytes_u8(&p, 0x72);
	bytes_u8(&p, version);
	bytes_u16(&p, (uint16_t)(digest + n), BE);
	if (digest) {
		bytes_u8(&p, 32);
		bytes_zeros(&p, 32);
	}
	bytes_put(&p, body, n);
	if (trailer) {
		bytes_u8(&p, 0x72);
		bytes_u8(&p, version);
		bytes_u16(&p, 0, BE);
	}
	dt(b, p.p, p.len, true);
	bytes_free(&p);
}

Test(s7comm, s7comm_plus_header)
{
	struct bytes b = { 0 };
	struct ics_log log;
	uint32_t used;

	/* As s7comm_plus.pcap frames 30, 31 and 2 (version 3). */
	s7plus(&b, 3, "\x31\x00\x00\x05\x4c\x00\x00\x83\x1d\x70\x00\x0e\x4d\x34", 14, true);
	s7plus(&b, 3, "\x32\x00\x00\x05\x4c\x00\x00\x83\x1d\x34\x00", 11, true);
	s7plus(&b, 3, "\x33\x70\x00\x0e\x51\x04\x00", 7, true);
	s7plus(&b, 2, "\x31\x00\x00\x05\x42\x00\x00\x00\x07\x00", 10, true);
	s7plus(&b, 1, "\x31\x00\x00\x04\xca\x00\x00\x00\x01\x00", 10, true);
	/* Keep-alive: 72 ff sequence 00. */
	dt(&b, "\x72\xff\x05\x00", 4, true);
	log = run(&b, &used);
	cr_assert(eq(u32, used, b.len));
	cr_assert(eq(sz, log.nmsgs, 6));
	for (size_t i = 0; i < 6; i++)
		cr_assert(eq(u8, log.msgs[i].m.proto, ICS_S7COMM_PLUS));
	cr_assert(eq(u16, log.msgs[0].m.function, 0x054c));
	cr_assert(eq(u8, log.msgs[0].m.kind, ICS_KIND_REQUEST));
	cr_assert(eq(u8, log.msgs[0].m.actions, ICS_ACT_READ));
	cr_assert(eq(u8, log.msgs[0].m.sender_role, ICS_ROLE_CLIENT));
	cr_assert(log.msgs[0].m.has_transaction);
	cr_assert(eq(u32, log.msgs[0].m.transaction, 0x831d));
	cr_assert(eq(u16, log.msgs[1].m.function, 0x054c));
	cr_assert(eq(u8, log.msgs[1].m.kind, ICS_KIND_RESPONSE));
	cr_assert(eq(u8, log.msgs[1].m.actions, 0));
	cr_assert(eq(u8, log.msgs[1].m.sender_role, ICS_ROLE_SERVER));
	cr_assert(eq(u16, log.msgs[2].m.function, 0x33));
	cr_assert(eq(u8, log.msgs[2].m.kind, ICS_KIND_UNSOLICITED));
	cr_assert(not(log.msgs[2].m.has_transaction));
	cr_assert(eq(u16, log.msgs[3].m.function, 0x0542));
	cr_assert(eq(u8, log.msgs[3].m.actions, ICS_ACT_WRITE));
	cr_assert(eq(u16, log.msgs[4].m.function, 0x04ca));
	cr_assert(eq(u16, log.msgs[5].m.function, 0xff));
	cr_assert(eq(u8, log.msgs[5].m.kind, ICS_KIND_OTHER));
	ics_log_free(&log);

	/* A later fragment (reserved octets not zero), an unknown opcode, an
	 * unknown version, a data length past the TSDU: nothing. */
	b.len = 0;
	s7plus(&b, 3, "\x31\x12\x34\x05\x4c\x00\x00\x83\x1d", 9, true);
	s7plus(&b, 3, "\x20\x00\x00\x05\x4c\x00\x00\x83\x1d", 9, true);
	s7plus(&b, 9, "\x31\x00\x00\x05\x4c\x00\x00\x83\x1d", 9, true);
	dt(&b, "\x72\x02\x00\x20\x31\x00\x00\x05\x4c\x00\x00\x83\x1d", 13, true);
	dt(&b, "\x72", 1, true);
	cr_assert(eq(sz, consumed(&b), 0));
	bytes_free(&b);
}

/* ---- every truncation ---- */

/* PDUs of all kinds in one stream; ends[] where each TPKT chain ends, and
 * the messages and identities complete by then. */
struct stream {
	struct bytes b;
	size_t n;
	size_t ends[16], msgs[16], idents[16];
};

static void mark(struct stream *s, size_t msgs, size_t idents)
{
	s->ends[s->n] = s->b.len;
	s->msgs[s->n] = msgs + (s->n ? s->msgs[s->n - 1] : 0);
	s->idents[s->n] = idents + (s->n ? s->idents[s->n - 1] : 0);
	s->n++;
}

static void mixed_stream(struct stream *s)
{
	struct bytes whole = { 0 };

	bytes_put(&s->b, "\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc0\x01\x0a\xc1\x02\x01"
			 "\x00\xc2\x02\x01\x02", 22);
	mark(s, 0, 0);
	s7(&s->b, JOB, 1, "\xf0\x00\x00\x01\x00\x01\x01\xe0", 8, NULL, 0, 0, 0);
	mark(s, 1, 0);
	sample_szl_answer(&s->b);
	mark(s, 1, 2);
	sample_szl_answer(&whole);
	dt(&s->b, whole.p + 7, 30, false);
	dt(&s->b, whole.p + 37, whole.len - 37, true);
	mark(s, 1, 2);
	s7(&s->b, ACK, 2, NULL, 0, NULL, 0, 0xd2, 0x41);
	mark(s, 1, 0);
	s7plus(&s->b, 3, "\x33\x70\x00\x0e\x51\x04\x00", 7, true);
	mark(s, 1, 0);
	bytes_free(&whole);
}

Test(s7comm, truncated_at_every_byte)
{
	struct stream s = { 0 };

	mixed_stream(&s);
	for (size_t n = 0; n < s.b.len; n++) {
		struct ics_log log;
		uint32_t used;
		size_t k = 0;

		while (k < s.n && s.ends[k] <= n)
			k++;
		log = run(&(struct bytes){ s.b.p, n, n }, &used);
		/* Whole PDUs consumed, the one cut kept from its start. */
		cr_assert(eq(u32, used, k ? s.ends[k - 1] : 0), "n=%zu", n);
		cr_assert(eq(sz, log.nmsgs, k ? s.msgs[k - 1] : 0), "n=%zu", n);
		cr_assert(eq(sz, log.nidents, k ? s.idents[k - 1] : 0), "n=%zu", n);
		ics_log_free(&log);
	}
	bytes_free(&s.b);
}

Test(s7comm, truncated_pdus_never_report_missing_bytes)
{
	struct stream s = { 0 };
	struct ics_log whole;

	/* Each TPKT whose length says less than it is: the TPKT ends the
	 * S7 PDU early; nothing is built from the bytes after it. */
	mixed_stream(&s);
	whole = run(&s.b, NULL);
	for (size_t i = 1; i < s.n; i++) {
		size_t start = s.ends[i - 1], end = s.ends[i];

		for (size_t cut = start + 8; cut < end; cut++) {
			struct bytes t = { 0 };
			struct ics_log log;
			uint32_t used;
			size_t tpkt = cut - start;

			if (i == 3)	/* the segmented TSDU: its own test */
				break;
			bytes_put(&t, s.b.p + start, tpkt);
			t.p[2] = (uint8_t)(tpkt >> 8);
			t.p[3] = (uint8_t)tpkt;
			log = run(&t, &used);
			cr_assert(eq(u32, used, t.len));
			/* An S7 header shorter than its lengths is no message;
			 * records cut are not identities. */
			cr_assert(le(sz, log.nidents, whole.nidents));
			for (size_t j = 0; j < log.nidents; j++)
				cr_assert(eq(sz, strlen(log.idents[j].value),
					     log.idents[j].id.len));
			if (i != 5)
				cr_assert(eq(sz, log.nmsgs, 0), "cut=%zu", cut);
			ics_log_free(&log);
			bytes_free(&t);
		}
	}
	ics_log_free(&whole);
	bytes_free(&s.b);
}

/* ---- detection and names ---- */

Test(s7comm, detect)
{
	static const uint8_t cr[] = { 0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00,
				      0x01, 0x00, 0xc0, 0x01, 0x0a, 0xc1, 0x02, 0x01, 0x00,
				      0xc2, 0x02, 0x01, 0x02 };
	uint8_t bad[sizeof cr];
	struct bytes b = { 0 };

	cr_assert(ics_s7comm.detect(cr, sizeof cr, true));
	cr_assert(not(ics_s7comm.detect(cr, sizeof cr, false)));
	cr_assert(not(ics_s7comm.detect(cr, sizeof cr - 1, true)));
	memcpy(bad, cr, sizeof cr);
	bad[18] = 0xc3;		/* no called TSAP */
	cr_assert(not(ics_s7comm.detect(bad, sizeof bad, true)));
	memcpy(bad, cr, sizeof cr);
	bad[10] = 0x50;		/* class 5 */
	cr_assert(not(ics_s7comm.detect(bad, sizeof bad, true)));
	memcpy(bad, cr, sizeof cr);
	bad[19] = 3;		/* parameter length past the TPDU */
	cr_assert(not(ics_s7comm.detect(bad, sizeof bad, true)));

	s7(&b, JOB, 1, "\xf0\x00\x00\x01\x00\x01\x01\xe0", 8, NULL, 0, 0, 0);
	cr_assert(ics_s7comm.detect(b.p, (uint32_t)b.len, true));
	b.p[14] = 9;		/* parameter length: the PDU no longer fills the DT */
	cr_assert(not(ics_s7comm.detect(b.p, (uint32_t)b.len, true)));
	b.p[14] = 8;
	b.p[8] = 4;		/* ROSCTR */
	cr_assert(not(ics_s7comm.detect(b.p, (uint32_t)b.len, true)));
	b.len = 0;
	s7plus(&b, 3, "\x33\x70\x00\x0e\x51\x04\x00", 7, true);
	cr_assert(ics_s7comm.detect(b.p, (uint32_t)b.len, true));
	b.len = 0;
	s7(&b, JOB, 1, "\xf0\x00\x00\x01\x00\x01\x01\xe0", 8, NULL, 0, 0, 0);
	s7(&b, JOB, 2, "\xf0\x00\x00\x01\x00\x01\x01\xe0", 8, NULL, 0, 0, 0);
	cr_assert(not(ics_s7comm.detect(b.p, (uint32_t)b.len, true)));
	cr_assert(not(ics_s7comm.detect((const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, true)));
	cr_assert(not(ics_s7comm.detect((const uint8_t *)"\x03\x00\x00", 3, true)));
	cr_assert(not(ics_s7comm.detect(NULL, 0, true)));
	bytes_free(&b);
}

Test(s7comm, function_names)
{
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x04), "read_var"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x05), "write_var"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x1a), "request_download"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x28), "pi_service"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x29), "plc_stop"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0xf0), "setup_communication"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x100), "ack"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x1401), "read_szl"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x1702), "set_clock"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x1110), "read_job_list"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x1303), "get_block_info"));
	cr_assert(same(ics_function_name(ICS_S7COMM, 0x77), NULL));
	cr_assert(same(ics_function_name(ICS_S7COMM_PLUS, 0x054c), "get_multi_variables"));
	cr_assert(same(ics_function_name(ICS_S7COMM_PLUS, 0x04f2), "set_variable"));
	cr_assert(same(ics_function_name(ICS_S7COMM_PLUS, 0x33), "notification"));
	cr_assert(same(ics_function_name(ICS_S7COMM_PLUS, 0x04), NULL));
	cr_assert(same(ics_s7comm.function_name(ICS_IEC104, 0x04), NULL));
}

/* ---- the corpus against tshark ---- */

/* A tshark cell's comma-separated values. */
static size_t split(const char *cell, char out[][64], size_t max)
{
	size_t n = 0;

	while (*cell && n < max) {
		const char *comma = strchr(cell, ',');
		size_t len = comma ? (size_t)(comma - cell) : strlen(cell);

		snprintf(out[n++], 64, "%.*s", (int)(len < 63 ? len : 63), cell);
		cell += len + (comma != NULL);
	}
	return n;
}

/* One S7 PDU: frame, our function code, PDU reference, sent from port
 * 102 (the server), an error. */
struct fm {
	uint64_t frame;
	uint32_t function, ref;
	bool from_server, exception;
};

static int fm_cmp(const void *a, const void *b)
{
	const struct fm *x = a, *y = b;

	if (x->frame != y->frame)
		return x->frame < y->frame ? -1 : 1;
	if (x->function != y->function)
		return x->function < y->function ? -1 : 1;
	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

/* The next value of a tshark list, as a number. */
static unsigned long next(char list[][64], size_t n, size_t *i)
{
	cr_assert(lt(sz, *i, n), "tshark's lists do not line up");
	return strtoul(list[(*i)++], NULL, 0);
}

/*
 * The S7 PDUs tshark shows, sorted.  Its lists per frame: ROSCTR,
 * reference and parameter length per PDU; the function code per job, ack
 * or ack_data with a parameter; error class and code per ack and
 * ack_data; group and subfunction per userdata, its error code per long
 * userdata parameter (responses).
 */
/* What tshark says of a frame's segment besides its PDUs. */
struct seg {
	uint64_t frame;
	bool fresh;		/* bytes past all its direction sent before */
	bool retrans;		/* tcp.analysis.retransmission */
};

static size_t tshark_pdus(const char *path, const char *extra, struct fm **out,
			  struct seg **segs, size_t *nsegs)
{
	static const char *const f[] = {
		"s7comm.header.rosctr",	 "s7comm.header.parlg",
		"s7comm.param.func",	 "s7comm.param.userdata.funcgroup",
		"s7comm.param.userdata.subfunc", "s7comm.header.pduref",
		"s7comm.header.errcls",	 "s7comm.header.errcod",
		"s7comm.param.errcod",	 "s7comm.param.userdata.length",
		"tcp.srcport",		 "tcp.seq_raw",
		"tcp.len",		 "tcp.analysis.retransmission",
		"tcp.stream",
	};
	struct tshark_rows t;
	static uint32_t end[64][2];
	static bool seen[64][2];
	size_t n = 0;

	memset(seen, 0, sizeof seen);
	cr_assert(tshark_fields(path, "tcp.len > 0", extra, f, 15, &t));
	*out = calloc(t.nrows * 8 + 1, sizeof **out);
	*segs = calloc(t.nrows + 1, sizeof **segs);
	cr_assert(out[0] != NULL && segs[0] != NULL);
	*nsegs = t.nrows;
	for (size_t r = 0; r < t.nrows; r++) {
		char ros[8][64], par[8][64], fn[8][64], grp[8][64], sub[8][64], ref[8][64],
			ecl[8][64], eco[8][64], uer[8][64], ulen[8][64];
		size_t nr = split(tshark_cell(&t, r, 1), ros, 8);
		size_t npar = split(tshark_cell(&t, r, 2), par, 8);
		size_t nfn = split(tshark_cell(&t, r, 3), fn, 8);
		size_t ngrp = split(tshark_cell(&t, r, 4), grp, 8);
		size_t nsub = split(tshark_cell(&t, r, 5), sub, 8);
		size_t nref = split(tshark_cell(&t, r, 6), ref, 8);
		size_t necl = split(tshark_cell(&t, r, 7), ecl, 8);
		size_t neco = split(tshark_cell(&t, r, 8), eco, 8);
		size_t nuer = split(tshark_cell(&t, r, 9), uer, 8);
		size_t nulen = split(tshark_cell(&t, r, 10), ulen, 8);
		size_t ipar = 0, ifn = 0, igrp = 0, isub = 0, iref = 0, iecl = 0, ieco = 0,
		       iuer = 0, iulen = 0;
		int dir = strcmp(tshark_cell(&t, r, 11), "102") == 0;
		unsigned long st = strtoul(tshark_cell(&t, r, 15), NULL, 10);
		uint32_t stop = (uint32_t)(strtoul(tshark_cell(&t, r, 12), NULL, 10) +
					   strtoul(tshark_cell(&t, r, 13), NULL, 10));

		(*segs)[r].frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
		(*segs)[r].retrans = *tshark_cell(&t, r, 14) != '\0';
		cr_assert(lt(ulong, st, 64));
		(*segs)[r].fresh = !seen[st][dir] || (int32_t)(stop - end[st][dir]) > 0;
		if ((*segs)[r].fresh) {
			end[st][dir] = stop;
			seen[st][dir] = true;
		}

		for (size_t i = 0; i < nr; i++) {
			unsigned long rosctr = strtoul(ros[i], NULL, 0);
			struct fm *e = &(*out)[n++];

			e->frame = strtoull(tshark_cell(&t, r, 0), NULL, 10);
			e->from_server = strcmp(tshark_cell(&t, r, 11), "102") == 0;
			e->ref = (uint32_t)next(ref, nref, &iref);
			if (rosctr == 7) {
				e->function = (uint32_t)(0x1000 | next(grp, ngrp, &igrp) << 8);
				e->function |= (uint32_t)next(sub, nsub, &isub);
				if (next(ulen, nulen, &iulen) >= 8)
					e->exception = next(uer, nuer, &iuer) != 0;
				ipar++;
				continue;
			}
			e->function = 0x100;
			if (next(par, npar, &ipar))
				e->function = (uint32_t)next(fn, nfn, &ifn);
			if (rosctr == 2 || rosctr == 3) {
				e->exception = next(ecl, necl, &iecl) != 0;
				e->exception |= next(eco, neco, &ieco) != 0;
			}
		}
	}
	tshark_rows_free(&t);
	qsort(*out, n, sizeof **out, fm_cmp);
	return n;
}

static size_t our_pdus(const struct ics_log *log, enum ics_proto proto, struct fm **out)
{
	size_t n = 0;

	*out = calloc(log->nmsgs + 1, sizeof **out);
	cr_assert(out[0] != NULL);
	for (size_t i = 0; i < log->nmsgs; i++) {
		const struct ics_msg *m = &log->msgs[i].m;

		if (m->proto == proto)
			(*out)[n++] = (struct fm){ log->msgs[i].frame, m->function,
						   m->transaction,
						   m->sender_role == ICS_ROLE_SERVER,
						   m->exception };
	}
	qsort(*out, n, sizeof **out, fm_cmp);
	return n;
}

static void same_pdus(const struct fm *got, size_t ngot, const struct fm *want, size_t nwant)
{
	for (size_t i = 0; i < ngot && i < nwant; i++)
		cr_assert(fm_cmp(&got[i], &want[i]) == 0 &&
				  got[i].from_server == want[i].from_server &&
				  got[i].exception == want[i].exception,
			  "PDU %zu: got frame %llu function 0x%x ref %u server %d exception %d, "
			  "tshark frame %llu function 0x%x ref %u server %d exception %d",
			  i, (unsigned long long)got[i].frame, got[i].function, got[i].ref,
			  got[i].from_server, got[i].exception, (unsigned long long)want[i].frame,
			  want[i].function, want[i].ref, want[i].from_server, want[i].exception);
	cr_assert(eq(sz, ngot, nwant));
}

/* Trailing blanks off a tshark string (fixed-width fields). */
static const char *trimmed(const char *s)
{
	static char buf[64];
	size_t n = strlen(s);

	while (n && s[n - 1] == ' ')
		n--;
	snprintf(buf, sizeof buf, "%.*s", (int)n, s);
	return buf;
}

struct want_ident {
	size_t n;
	struct {
		uint8_t field;
		char value[64];
	} v[64];
};

static void want(struct want_ident *w, uint8_t field, const char *value)
{
	if (!*value || w->n == 64)
		return;
	w->v[w->n].field = field;
	snprintf(w->v[w->n].value, sizeof w->v[0].value, "%s", trimmed(value));
	if (*w->v[w->n].value)
		w->n++;
}

/*
 * The identities tshark's SZL fields give.  xy11: index 1 MLFB (model),
 * index 7 version "V x.y.z" from Ausbg/Ausbe.  xy1C: names 1-3, serial 5,
 * product 7, manufacturer id 9; of an answer tshark put together from
 * parts (data unit reference set) only the records whole in the first part.
 */
static void tshark_idents(const char *path, struct want_ident *w)
{
	static const char *const f[] = {
		"s7comm.szl.xy11.0001.index",	  "s7comm.szl.xy11.0001.anz",
		"s7comm.szl.xy11.0001.ausbg",	  "s7comm.szl.xy11.0001.ausbe",
		"s7comm.szl.001c.000x.index",	  "s7comm.szl.001c.0001.name",
		"s7comm.szl.001c.0002.name",	  "s7comm.szl.001c.0003.tag",
		"s7comm.szl.001c.0005.serialn",	  "s7comm.szl.001c.0007.cputypname",
		"s7comm.szl.001c.0009.manufacturer_id", "s7comm.param.userdata.dataunitref",
		"s7comm.param.userdata.lastdataunit", "s7comm.data.length",
	};
	struct tshark_rows t;
	size_t nparts = 0;
	struct {
		unsigned long ref, len;
	} parts[16];

	memset(w, 0, sizeof *w);
	cr_assert(tshark_fields(path, "s7comm.header.rosctr == 7", NULL, f, 14, &t));
	for (size_t r = 0; r < t.nrows; r++) {
		char idx[16][64], anz[16][64], ausbg[16][64], ausbe[16][64], v[16][64];
		size_t n = split(tshark_cell(&t, r, 1), idx, 16);
		unsigned long ref = strtoul(tshark_cell(&t, r, 12), NULL, 0);
		size_t whole = 16;

		if (ref && strtoul(tshark_cell(&t, r, 13), NULL, 0) == 1 && nparts < 16) {
			parts[nparts].ref = ref;
			parts[nparts++].len = strtoul(tshark_cell(&t, r, 14), NULL, 0);
		}
		split(tshark_cell(&t, r, 2), anz, 16);
		split(tshark_cell(&t, r, 3), ausbg, 16);
		split(tshark_cell(&t, r, 4), ausbe, 16);
		for (size_t i = 0; i < n; i++) {
			unsigned long g = strtoul(ausbg[i], NULL, 0);
			unsigned long e = strtoul(ausbe[i], NULL, 0);
			char fw[32];

			if (strtoul(idx[i], NULL, 0) == 1)
				want(w, ICS_F_MODEL, anz[i]);
			snprintf(fw, sizeof fw, "%c%lu.%lu.%lu", (int)(g >> 8), g & 0xff, e >> 8,
				 e & 0xff);
			if (strtoul(idx[i], NULL, 0) == 7)
				want(w, ICS_F_FIRMWARE, fw);
		}
		n = split(tshark_cell(&t, r, 5), idx, 16);
		for (size_t p = 0; ref && p < nparts; p++)
			if (parts[p].ref == ref)
				whole = (parts[p].len - 8) / 34;
		for (size_t i = 0; i < n && i < whole; i++) {
			static const struct {
				unsigned long index;
				size_t col;
				uint8_t field;
			} map[] = { { 1, 6, ICS_F_NAME },   { 2, 7, ICS_F_NAME },
				    { 3, 8, ICS_F_NAME },   { 5, 9, ICS_F_SERIAL },
				    { 7, 10, ICS_F_PRODUCT }, { 9, 11, ICS_F_VENDOR_ID } };

			for (size_t m = 0; m < sizeof map / sizeof map[0]; m++) {
				char num[24];

				if (strtoul(idx[i], NULL, 0) != map[m].index)
					continue;
				if (!split(tshark_cell(&t, r, map[m].col), v, 16))
					continue;
				if (map[m].field == ICS_F_VENDOR_ID) {
					snprintf(num, sizeof num, "%lu", strtoul(v[0], NULL, 0));
					want(w, ICS_F_VENDOR_ID, num);
				} else {
					want(w, map[m].field, v[0]);
				}
			}
		}
	}
	tshark_rows_free(&t);
}

static void same_idents(const struct ics_log *log, const struct want_ident *w)
{
	bool used[64] = { false };
	size_t n = 0;

	for (size_t i = 0; i < log->nidents; i++) {
		const struct ics_logged_ident *e = &log->idents[i];
		size_t j = 0;

		if (e->id.proto != ICS_S7COMM)
			continue;
		n++;
		while (j < w->n && (used[j] || w->v[j].field != e->id.field ||
				    strcmp(w->v[j].value, e->value) != 0))
			j++;
		cr_assert(lt(sz, j, w->n), "frame %llu: %s \"%s\" not from tshark",
			  (unsigned long long)e->frame, ics_field_name(e->id.field), e->value);
		used[j] = true;
		cr_assert(eq(u8, e->id.subject, ICS_SUBJECT_SENDER));
	}
	cr_assert(eq(sz, n, w->n), "tshark gives %zu identities, we %zu", w->n, n);
}

static const struct seg *seg_of(const struct seg *segs, size_t n, uint64_t frame)
{
	for (size_t i = 0; i < n; i++)
		if (segs[i].frame == frame)
			return &segs[i];
	cr_fail("frame %llu has no segment", (unsigned long long)frame);
	return NULL;
}

/*
 * One capture: every S7 PDU (frame, function, reference, direction,
 * error) and the SZL identities, as tshark shows them.  Segments whose
 * bytes were all sent before (retransmissions and duplicates) are not
 * dissected again, by tshark or by ics_flow.c; but the two tell them
 * apart differently.  tshark calls a segment a retransmission also when
 * the peer has acknowledged its bytes before they were captured (a copy
 * the capture missed, then duplicates): ics_flow.c dissects the first copy
 * seen.  So the PDUs expected are those tshark shows without sequence
 * analysis (every segment dissected) in segments with bytes past what
 * their direction sent before; those tshark's default view leaves out
 * must all be in segments it flags as retransmissions: `missed` of them.
 */
static void corpus_s7(const char *rel, size_t pdus, size_t missed, size_t nidents,
		      struct ics_log *log)
{
	const char *path = corpus_file(rel);
	struct fm *got, *all, *dflt;
	struct seg *segs, *dsegs;
	size_t ngot, nall, ndflt, nsegs, ndsegs, n = 0, j = 0, extra = 0;
	struct want_ident w;

	cr_assert(ics_run_file(path, log));
	ngot = our_pdus(log, ICS_S7COMM, &got);
	nall = tshark_pdus(path, "-o tcp.analyze_sequence_numbers:FALSE", &all, &segs, &nsegs);
	ndflt = tshark_pdus(path, NULL, &dflt, &dsegs, &ndsegs);
	for (size_t i = 0; i < nall; i++)
		if (seg_of(segs, nsegs, all[i].frame)->fresh)
			all[n++] = all[i];
	same_pdus(got, ngot, all, n);
	cr_assert(eq(sz, ngot, pdus));
	for (size_t i = 0; i < n; i++) {
		if (j < ndflt && fm_cmp(&all[i], &dflt[j]) == 0) {
			j++;
			continue;
		}
		cr_assert(seg_of(dsegs, ndsegs, all[i].frame)->retrans, "frame %llu",
			  (unsigned long long)all[i].frame);
		extra++;
	}
	cr_assert(eq(sz, j, ndflt));
	cr_assert(eq(sz, extra, missed));
	tshark_idents(path, &w);
	same_idents(log, &w);
	cr_assert(eq(sz, w.n, nidents));
	free(got);
	free(all);
	free(dflt);
	free(segs);
	free(dsegs);
}

Test(s7comm, corpus_s7comm_clean)
{
	struct ics_log log = { 0 };

	/* Read var jobs and answers.  185 segments repeat bytes (the
	 * manifest's duplicate frames); 12 of them are the first copy of an
	 * answer whose original the capture missed (the client had
	 * acknowledged it already: tshark's "spurious retransmission", frame
	 * 398 for instance), read here and not by tshark. */
	corpus_s7("ics/s7comm/s7comm_clean.pcap", 5274, 12, 0, &log);
	cr_assert(eq(sz, ics_log_count(&log, ICS_S7COMM, 0x04), 5274));
	ics_log_free(&log);
}

/* Messages of proto whose actions include act. */
static size_t with_action(const struct ics_log *log, enum ics_proto proto, uint8_t act)
{
	size_t n = 0;

	for (size_t i = 0; i < log->nmsgs; i++)
		n += log->msgs[i].m.proto == proto && (log->msgs[i].m.actions & act);
	return n;
}

Test(s7comm, corpus_reading_plc_status)
{
	struct ics_log log = { 0 };

	/* 71 of the 144 PDUs come in COTP segments (an empty DT without EOT
	 * first); the 0x001C answer comes in two parts (frames 69 and 72):
	 * records 1-7 are whole in the first.  Reads: 68 read-SZL requests
	 * and one read clock. */
	corpus_s7("ics/s7comm/s7comm_reading_plc_status.pcap", 144, 0, 7, &log);
	cr_assert(same(ics_log_ident(&log, ICS_S7COMM, ICS_F_MODEL)->value, "6ES7 151-8AB01-0AB0"));
	cr_assert(same(ics_log_ident(&log, ICS_S7COMM, ICS_F_FIRMWARE)->value, "V3.2.6"));
	cr_assert(same(ics_log_ident(&log, ICS_S7COMM, ICS_F_SERIAL)->value, "S C-C6TW74882012"));
	cr_assert(eq(u64, ics_log_ident(&log, ICS_S7COMM, ICS_F_SERIAL)->frame, 69));
	cr_assert(same(ics_log_ident(&log, ICS_S7COMM, ICS_F_PRODUCT)->value, "IM151-8 PN/DP CPU"));
	cr_assert(eq(sz, with_action(&log, ICS_S7COMM, ICS_ACT_READ), 69));
	ics_log_free(&log);
}

Test(s7comm, corpus_s7ident)
{
	struct ics_log log = { 0 };

	/* Two 0x0011 answers (model and firmware each) and one 0x001C answer
	 * in one part (two names, serial, product, manufacturer id 0x002a). */
	corpus_s7("ics/s7comm/s7ident.pcap", 22, 0, 9, &log);
	cr_assert(same(ics_log_ident(&log, ICS_S7COMM, ICS_F_VENDOR_ID)->value, "42"));
	cr_assert(same(ics_log_ident(&log, ICS_S7COMM, ICS_F_NAME)->value, "SNAP7-SERVER"));
	/* Four start-upload jobs refused with error class 0xd2. */
	cr_assert(eq(sz, ics_log_count(&log, ICS_S7COMM, 0x100), 4));
	for (size_t i = 0; i < log.nmsgs; i++)
		cr_assert(eq(int, log.msgs[i].m.exception, log.msgs[i].m.function == 0x100));
	ics_log_free(&log);
}

Test(s7comm, corpus_snap7_everything)
{
	struct ics_log log = { 0 };

	corpus_s7("ics/s7comm/snap7_s300_everything.pcapng", 64, 0, 8, &log);
	/* Uploads 0x1d-0x1f (5 + 4 + 4 jobs) and PI _MODU; PLC stop (frame
	 * 57) and PI P_PROGRAM "C " (cold start, frame 63), not PI _GARB; two
	 * write var jobs and set clock (0x1702). */
	cr_assert(eq(sz, with_action(&log, ICS_S7COMM, ICS_ACT_PROGRAM), 14));
	cr_assert(eq(sz, with_action(&log, ICS_S7COMM, ICS_ACT_STOPSTART), 2));
	cr_assert(eq(sz, with_action(&log, ICS_S7COMM, ICS_ACT_WRITE), 3));
	cr_assert(eq(sz, ics_log_count(&log, ICS_S7COMM, 0x1702), 2));
	cr_assert(same(ics_log_ident(&log, ICS_S7COMM, ICS_F_NAME)->value,
		       "S7300/ET200M station_1"));
	ics_log_free(&log);
}

Test(s7comm, corpus_step7_download)
{
	struct ics_log log = { 0 };

	corpus_s7("ics/s7comm/step7_s300_download.pcapng", 96, 0, 0, &log);
	/* Request download, download block, download ended, PI _INSE. */
	cr_assert(eq(sz, with_action(&log, ICS_S7COMM, ICS_ACT_PROGRAM), 4));
	ics_log_free(&log);
}

Test(s7comm, corpus_s7comm_plus)
{
	struct ics_log log = { 0 };

	/* tshark 4.0 (Debian) has no S7comm-plus dissector: it shows the 121
	 * TSDUs starting 0x72 as data.  Counted by hand from its data.data
	 * bytes (version 3, digest 32 octets, opcode, function): 26
	 * SetVariable, 2 SetMultiVariables and 6 GetMultiVariables requests,
	 * 2 + 6 responses, 79 notifications; no keep-alive, no fragment. */
	corpus_s7("ics/s7comm/s7comm_plus.pcap", 34, 0, 0, &log);
	cr_assert(eq(sz, ics_log_count(&log, ICS_S7COMM_PLUS, -1), 121));
	cr_assert(eq(sz, ics_log_count(&log, ICS_S7COMM_PLUS, 0x04f2), 26));
	cr_assert(eq(sz, ics_log_count(&log, ICS_S7COMM_PLUS, 0x0542), 4));
	cr_assert(eq(sz, ics_log_count(&log, ICS_S7COMM_PLUS, 0x054c), 12));
	cr_assert(eq(sz, ics_log_count(&log, ICS_S7COMM_PLUS, 0x33), 79));
	cr_assert(eq(sz, with_action(&log, ICS_S7COMM_PLUS, ICS_ACT_WRITE), 2));
	cr_assert(eq(sz, with_action(&log, ICS_S7COMM_PLUS, ICS_ACT_READ), 6));
	for (size_t i = 0; i < log.nmsgs; i++)
		if (log.msgs[i].m.proto == ICS_S7COMM_PLUS &&
		    log.msgs[i].m.kind == ICS_KIND_REQUEST)
			cr_assert(eq(u8, log.msgs[i].m.sender_role, ICS_ROLE_CLIENT));
	ics_log_free(&log);
}
