#!/usr/bin/env bash
# --output-postgres against a real PostgreSQL server (Debian's), sourced by beyond_tests.sh:
# a cluster initdb'd in $tmp/pg, started inside the scanner's namespace, listening on a
# unix socket only (listen_addresses ''), stopped after. Checks: a bad CONNINFO is one line
# and exit 2; a /16 x 4 ports responder scan into the table equals its NDJSON; kill -9
# mid-scan, then --resume from the checkpoint stored in the database: rows = the truth,
# no duplicate.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pg=$tmp/pg
pg_down() {
	[ -d "$pg/data" ] && nsx runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg/data" -m immediate -w stop >/dev/null 2>&1
}
nsx() { ip netns exec "$RESP_NS_S" "$@"; }
mkdir -p "$pg"
chown postgres: "$pg"
chmod 755 "$pg"
extra_cleanup+=(pg_down)
runuser -u postgres -- "$pgbin/initdb" -D "$pg/data" -U orbit -A trust >"$pg/initdb.log" 2>&1 &&
	nsx runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w \
		-o "-c listen_addresses='' -c unix_socket_directories='$pg' -c fsync=off" start >/dev/null
result "PostgreSQL cluster up in $RESP_NS_S, unix socket only ($pg)" $?
conninfo="host=$pg user=orbit dbname=postgres"
psqlq() { psql "$conninfo" -X -At -v ON_ERROR_STOP=1 -c "$1"; }

# A bad CONNINFO: one line, exit 2, nothing sent (the capture at the responder stays empty).
scan pgbad -p 80 --output-postgres "host=$pg/nowhere user=orbit dbname=postgres" --rate 1000 198.19.0.0/24
rc1=$?
scan pgbad2 -p 80 --output-postgres "bogus=1" --rate 1000 198.19.0.0/24
rc2=$?
cat "$tmp/pgbad.err" "$tmp/pgbad2.err"
[ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && [ "$(wc -l <"$tmp/pgbad.err")" -eq 1 ] && [ "$(wc -l <"$tmp/pgbad2.err")" -eq 1 ] &&
	! grep -q 'sent' "$tmp/pgbad.err"
result "--output-postgres with a bad CONNINFO (no server; bad syntax): one line, exit 2, before any probe" $?

# /16 x 4 ports into the table = the NDJSON of the same scan.
pports=22,80,443,8080
truth $pports $range >"$tmp/pg.truth.csv"
start_responder pg
t_pg=$(date +%s.%N)
scan pg4 -p $pports --rate 50000 --cooldown 1 --seed 41 --output-postgres "$conninfo" \
	--output-file "$tmp/pg4.ndjson" $range
rc=$?
grep postgres "$tmp/pg4.err"
sid=$(psqlq "select scan_id from orbit_checkpoints where scan_id like '%-41'")
psqlq "select record from orbit_results where scan_id = '$sid'" >"$tmp/pg4.rows"
python3 - "$tmp/pg4.ndjson" "$tmp/pg4.rows" "$(psqlq "select count(*), count(distinct (addr, proto, port)) from orbit_results where scan_id = '$sid'")" <<'PY'
import json, sys
key = lambda r: (r['addr'], r['proto'], r['port'], r['state'], r['reason'])
a = sorted(key(json.loads(l)) for l in open(sys.argv[1]))
b = sorted(key(json.loads(l)) for l in open(sys.argv[2]))
print(f'NDJSON {len(a)} results, table {len(b)} rows (count, distinct keys: {sys.argv[3]}); equal: {a == b}')
sys.exit(0 if a == b and len(a) > 1000 else 1)
PY
result "--output-postgres: a /16 x 4 ports scan into the table equals its NDJSON" $((rc || $?))
python3 "$here/responder_compare.py" "$tmp/pg.truth.csv" "$tmp/pg4.ndjson" >/dev/null
result "(and that NDJSON equals the responder's truth)" $?

# kill -9 mid-scan, then --resume from the checkpoint the database holds.
truth 80,443 $range >"$tmp/pgk.truth.csv"
ip netns exec "$RESP_NS_S" "$orbit" "${link_args[@]}" -p 80,443 --rate 10000 --cooldown 1 --seed 42 \
	--output-postgres "$conninfo" --output-file /dev/null $range >/dev/null 2>"$tmp/pgk.err" &
kpid=$!
# The database gets its first checkpoint after two rounds (10 s): kill 1.5 s after it.
for _ in $(seq 150); do
	[ -n "$(psqlq "select 1 from orbit_checkpoints where scan_id like '%-42'" 2>/dev/null)" ] && break
	sleep 0.1
done
sleep 1.5
kill -9 $kpid
wait $kpid 2>/dev/null
sid=$(psqlq "select scan_id from orbit_checkpoints where scan_id like '%-42'")
psqlq "select checkpoint from orbit_checkpoints where scan_id = '$sid'" >"$tmp/pgk.ckpt"
chmod 644 "$tmp/pgk.ckpt"
before=$(psqlq "select count(*) from orbit_results where scan_id = '$sid'")
scan pgk2 -p 80,443 --rate 10000 --cooldown 1 --resume "$tmp/pgk.ckpt" --output-postgres "$conninfo" \
	--output-file /dev/null $range
rc=$?
grep postgres "$tmp/pgk2.err"
psqlq "select record from orbit_results where scan_id = '$sid'" >"$tmp/pgk.rows"
counts=$(psqlq "select count(*), count(distinct (addr, proto, port)) from orbit_results where scan_id = '$sid'")
python3 "$here/responder_compare.py" "$tmp/pgk.truth.csv" "$tmp/pgk.rows"
cmp_rc=$?
echo "kill -9 with $before rows committed; after --resume: rows, distinct keys: $counts"
[ "${counts%|*}" = "${counts#*|}" ] && [ "$before" -gt 0 ]
result "kill -9 mid-scan + --resume from the database's checkpoint: rows = the truth, no duplicate" $((rc || cmp_rc || $?))
stop_responder
# The figure: rows/s through the writer into this database (bench/bench_output.c).
bench=$(dirname "$orbit")/bench/bench_output
[ -x "$bench" ] && "$bench" postgres "$conninfo" 300000
pg_down
extra_cleanup=()
