#include "output/pgsink.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"

struct pg_sink {
	char *conninfo;
	PGconn *conn;
	char scan_id[96];
	unsigned shard;
	char *buf; /* COPY text rows: scan_id TAB record NL */
	size_t len, cap;
	uint64_t rows;
	char *last_checkpoint;
	struct pg_stats st;
};

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS orbit_results ("
	" scan_id text NOT NULL, addr inet NOT NULL, proto text NOT NULL, port int NOT NULL,"
	" state text NOT NULL, reason text, ttl int, responder inet, ts timestamptz,"
	" record jsonb NOT NULL, PRIMARY KEY (scan_id, addr, proto, port));"
	"CREATE TABLE IF NOT EXISTS orbit_checkpoints ("
	" scan_id text NOT NULL, shard int NOT NULL, checkpoint text NOT NULL, rows bigint,"
	" committed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scan_id, shard));";

/* The rows of one batch go through a temporary table so that duplicates can be skipped
 * (COPY itself cannot). */
static const char STAGE[] =
	"CREATE TEMP TABLE IF NOT EXISTS orbit_stage (scan_id text, record jsonb) "
	"ON COMMIT DELETE ROWS";
static const char MERGE[] =
	"INSERT INTO orbit_results SELECT scan_id, (record->>'addr')::inet, record->>'proto',"
	" (record->>'port')::int, record->>'state', record->>'reason', (record->>'ttl')::int,"
	" (record->>'responder')::inet, (record->>'time')::timestamptz,"
	" record FROM orbit_stage ON CONFLICT DO NOTHING";

static bool exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	PQclear(r);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* One line: libpq's message without its trailing newline. */
static const char *conn_error(PGconn *c)
{
	static _Thread_local char msg[256];
	snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "out of memory");
	msg[strcspn(msg, "\n")] = '\0';
	return msg;
}

static bool connect_and_prepare(struct pg_sink *s)
{
	if (s->conn)
		PQfinish(s->conn);
	s->conn = PQconnectdb(s->conninfo);
	if (!s->conn || PQstatus(s->conn) != CONNECTION_OK)
		return false;
	return exec_ok(s->conn, "SET client_min_messages = warning") && exec_ok(s->conn, SCHEMA) &&
	       exec_ok(s->conn, STAGE);
}

int pg_sink_open(struct pg_sink **out, const char *conninfo, bool check_only, struct errbuf *e)
{
	char *why = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &why);
	if (!opts) {
		if (why)
			why[strcspn(why, "\n")] = '\0';
		int rc = err_set(e, "invalid --output-postgres '%s': %s", conninfo,
				 why ? why : "out of memory");
		PQfreemem(why);
		return rc;
	}
	PQconninfoFree(opts);
	if (check_only)
		return 0;
	struct pg_sink *s = calloc(1, sizeof *s);
	if (!s || !(s->conninfo = strdup(conninfo))) {
		free(s);
		return err_set(e, "out of memory");
	}
	if (!connect_and_prepare(s)) {
		err_set(e, "--output-postgres '%s': %s", conninfo,
			s->conn && PQstatus(s->conn) == CONNECTION_OK ? "cannot create the tables"
								 : conn_error(s->conn));
		pg_sink_close(s);
		return -1;
	}
	snprintf(s->scan_id, sizeof s->scan_id, "orbit");
	*out = s;
	return 0;
}

void pg_sink_set_scan(struct pg_sink *s, const char *scan_id, unsigned shard)
{
	snprintf(s->scan_id, sizeof s->scan_id, "%s", scan_id);
	s->shard = shard;
}

/* COPY's text format: backslash, tab, newline and CR escaped (JSON has none raw but
 * backslashes). */
void pg_sink_row(struct pg_sink *s, const char *line, size_t len)
{
	size_t need = s->len + strlen(s->scan_id) + 2 * len + 3;
	if (need > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1 << 20;
		while (cap < need)
			cap *= 2;
		char *b = realloc(s->buf, cap);
		if (!b) {
			s->st.rows_dropped++;
			return;
		}
		s->buf = b;
		s->cap = cap;
	}
	char *p = s->buf + s->len;
	p += sprintf(p, "%s\t", s->scan_id);
	for (size_t i = 0; i < len; i++) {
		char c = line[i];
		if (c == '\n')
			break;
		if (c == '\\' || c == '\t' || c == '\r')
			*p++ = '\\';
		*p++ = c == '\t' ? 't' : c == '\r' ? 'r' : c;
	}
	*p++ = '\n';
	s->len = (size_t)(p - s->buf);
	s->rows++;
	if (s->len >= PG_BUFFER_BYTES) {
		s->st.early_commits++;
		pg_sink_commit(s, NULL);
	}
}

/* One attempt: COPY, merge, checkpoint, COMMIT. */
static bool commit_once(struct pg_sink *s, const char *checkpoint)
{
	PGconn *c = s->conn;
	if (!c || PQstatus(c) != CONNECTION_OK || !exec_ok(c, "BEGIN"))
		return false;
	PGresult *r = PQexec(c, "COPY orbit_stage (scan_id, record) FROM STDIN");
	bool ok = PQresultStatus(r) == PGRES_COPY_IN;
	PQclear(r);
	if (ok)
		ok = PQputCopyData(c, s->buf, (int)s->len) == 1;
	if (PQputCopyEnd(c, ok ? NULL : "orbit: aborted") != 1)
		ok = false;
	while ((r = PQgetResult(c))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			ok = false;
		PQclear(r);
	}
	ok = ok && exec_ok(c, MERGE);
	if (ok && checkpoint) {
		char shard[16], rows[24];
		snprintf(shard, sizeof shard, "%u", s->shard);
		snprintf(rows, sizeof rows, "%llu", (unsigned long long)(s->st.rows_sent + s->rows));
		const char *v[4] = {s->scan_id, shard, checkpoint, rows};
		r = PQexecParams(c,
				 "INSERT INTO orbit_checkpoints (scan_id, shard, checkpoint, rows) "
				 "VALUES ($1, $2::int, $3, $4::bigint) ON CONFLICT (scan_id, shard) DO "
				 "UPDATE SET checkpoint = $3, rows = $4::bigint, committed_at = now()",
				 4, NULL, v, NULL, NULL, 0);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	ok = ok && exec_ok(c, "COMMIT");
	if (!ok)
		exec_ok(c, "ROLLBACK");
	return ok;
}

int pg_sink_commit(struct pg_sink *s, const char *checkpoint)
{
	if (checkpoint) {
		char *copy = strdup(checkpoint);
		if (copy) {
			free(s->last_checkpoint);
			s->last_checkpoint = copy;
		}
	}
	const char *cp = s->last_checkpoint;
	if (s->rows == 0 && !checkpoint)
		return 0;
	uint64_t t0 = clock_mono_ns(), pause = 100000000u;
	int rc = 0;
	while (!commit_once(s, cp)) {
		if (clock_mono_ns() - t0 > (uint64_t)PG_RETRY_SECONDS * 1000000000u) {
			fprintf(stderr, "orbit: --output-postgres: %s; %llu rows dropped\n",
				conn_error(s->conn), (unsigned long long)s->rows);
			s->st.rows_dropped += s->rows;
			rc = -1;
			break;
		}
		clock_sleep_ns(pause);
		pause = pause * 2 > 5000000000u ? 5000000000u : pause * 2;
		s->st.reconnects++;
		connect_and_prepare(s);
	}
	if (rc == 0) {
		s->st.rows_sent += s->rows;
		s->st.commits++;
	}
	s->len = 0;
	s->rows = 0;
	s->st.blocked_seconds += (double)(clock_mono_ns() - t0) / 1e9;
	return rc;
}

void pg_sink_stats(const struct pg_sink *s, struct pg_stats *st)
{
	*st = s->st;
}

void pg_sink_close(struct pg_sink *s)
{
	if (!s)
		return;
	if (s->conn)
		PQfinish(s->conn);
	free(s->conninfo);
	free(s->buf);
	free(s->last_checkpoint);
	free(s);
}
