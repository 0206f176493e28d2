#!/usr/bin/env bash
# A single-node Slurm cluster inside the scanner's namespace, running orbit's job array
# (deploy/slurm/orbit-array.sbatch) against orbit-responder. Sourced by beyond_tests.sh
# (which made the namespaces: $RESP_NS_S, the scanner's, holds munged, slurmctld and slurmd
# on its loopback; nothing runs in the root namespace), uses its result(), scan args and
# $tmp. Checks:
#  - a 4-task array over 198.19.0.0/16 x 3 ports, merged by deploy/orbit-merge: coverage
#    complete, the union equals a one-machine scan and the responder's truth exactly;
#  - another array with task 1 killed (SIGKILL) halfway, re-run alone with --resume
#    (sbatch --array=1 --shards 4): merge names shard 1 missing before the re-run, and
#    after it the union is again exactly the one-machine scan.
slurm_dir=$tmp/slurm
slurm_pids=()
slurm_down() {
	local p
	for p in "${slurm_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${slurm_pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	slurm_pids=()
}
nsx() { ip netns exec "$RESP_NS_S" "$@"; }

slurm_up() {
	mkdir -p "$slurm_dir"/{munge,state,spool,log}
	chmod 700 "$slurm_dir/munge"
	mungekey --create --keyfile="$slurm_dir/munge/munge.key" >/dev/null 2>&1 || return 1
	chmod 600 "$slurm_dir/munge/munge.key"
	nsx munged --force --key-file="$slurm_dir/munge/munge.key" --socket="$slurm_dir/munge/socket" \
		--pid-file="$slurm_dir/munge/pid" --log-file="$slurm_dir/log/munged.log" \
		--seed-file="$slurm_dir/munge/seed" || return 1
	slurm_pids+=("$(cat "$slurm_dir/munge/pid")")
	local node host
	host=$(hostname -s)
	node=$(nsx slurmd -C 2>/dev/null | head -1 | sed 's/^NodeName=[^ ]*//; s/UpTime=.*//')
	cat >"$slurm_dir/slurm.conf" <<CONF
ClusterName=orbitci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$slurm_dir/munge/socket
StateSaveLocation=$slurm_dir/state
SlurmdSpoolDir=$slurm_dir/spool
SlurmctldPidFile=$slurm_dir/slurmctld.pid
SlurmdPidFile=$slurm_dir/slurmd.pid
SlurmctldLogFile=$slurm_dir/log/slurmctld.log
SlurmdLogFile=$slurm_dir/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
KillWait=2
NodeName=$host NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=10 State=UP OverSubscribe=FORCE:4
MailProg=/bin/true
CONF
	# No cgroups are used (proctrack/linuxproc, task/none); slurmd still loads the plugin.
	printf 'CgroupPlugin=cgroup/v1\nCgroupMountpoint=/sys/fs/cgroup\n' >"$slurm_dir/cgroup.conf"
	export SLURM_CONF=$slurm_dir/slurm.conf
	nsx slurmctld -i -f "$SLURM_CONF" || return 1
	for _ in $(seq 50); do [ -s "$slurm_dir/slurmctld.pid" ] && break; sleep 0.1; done
	slurm_pids+=("$(cat "$slurm_dir/slurmctld.pid")")
	nsx slurmd -f "$SLURM_CONF" || return 1
	for _ in $(seq 50); do [ -s "$slurm_dir/slurmd.pid" ] && break; sleep 0.1; done
	slurm_pids+=("$(cat "$slurm_dir/slurmd.pid")")
	# The node is up when sinfo says idle (at most 20 s).
	for _ in $(seq 100); do
		nsx sinfo -h -o %T 2>/dev/null | grep -q idle && return 0
		sleep 0.2
	done
	return 1
}

# Waits (at most $2 s) until job $1 has no task pending or running.
slurm_wait() {
	local t
	for t in $(seq $(($2 * 5))); do
		[ -z "$(nsx squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
		sleep 0.2
	done
	return 1
}
# sbatch the array script: slurm_submit ARRAY OUTDIR ORBIT-ARGS... -> the job id
slurm_submit() {
	local array=$1 out=$2
	shift 2
	ORBIT=$orbit ORBIT_OUT=$out nsx sbatch --parsable --array="$array" \
		--output="$slurm_dir/log/job-%A_%a.out" --chdir="$slurm_dir" \
		"$root/deploy/slurm/orbit-array.sbatch" "$@"
}

slurm_t0=$(date +%s.%N)
extra_cleanup+=(slurm_down)
if ! slurm_up; then
	for f in "$slurm_dir"/log/*.log; do echo "== $f"; tail -n 8 "$f"; done
	result "single-node Slurm cluster up in $RESP_NS_S (munged, slurmctld, slurmd)" 1
	return 0 2>/dev/null || exit 1
fi
result "single-node Slurm cluster up in $RESP_NS_S (munged, slurmctld, slurmd)" 0

sports=22,80,443
truth $sports $range >"$tmp/slurm.truth.csv"
start_responder slurm
# The one-machine scan the union must equal.
scan single -p $sports --rate 40000 --cooldown 1 --seed 5 $range
cp "$tmp/single.out" "$tmp/single.json"
python3 "$here/responder_compare.py" "$tmp/slurm.truth.csv" "$tmp/single.json" >/dev/null
single_rc=$?
orbit_args=("${link_args[@]}" -p $sports --rate 10000 --cooldown 1 --quiet $range)

job=$(slurm_submit 0-3 "$tmp/arr1" "${orbit_args[@]}")
slurm_wait "$job" 60
wait_rc=$?
"$root/deploy/orbit-merge" "$tmp"/arr1/*.meta.json --results "$tmp"/arr1/shard-0.run1.ndjson.zst \
	--results "$tmp"/arr1/shard-1.run1.ndjson.zst --results "$tmp"/arr1/shard-2.run1.ndjson.zst \
	--results "$tmp"/arr1/shard-3.run1.ndjson.zst --output "$tmp/arr1.ndjson" --quiet >"$tmp/arr1.summary"
merge_rc=$?
cat "$tmp/arr1.summary"
python3 - "$tmp/single.json" "$tmp/arr1.ndjson" "$tmp/arr1.summary" <<'PY'
import json, sys
key = lambda r: (r['addr'], r['proto'], r['port'], r['state'], r['reason'])
a = sorted(key(json.loads(l)) for l in open(sys.argv[1]))
b = sorted(key(json.loads(l)) for l in open(sys.argv[2]))
s = json.load(open(sys.argv[3]))
print(f'one machine {len(a)} results, the 4 shards merged {len(b)}; equal: {a == b}; '
      f'merge: complete {s["complete"]}, shards {s["shards_present"]}, sent {s["counters"]["sent"]}')
sys.exit(0 if a == b and s['complete'] and s['counters']['sent'] == 65536 * 3 else 1)
PY
result "Slurm array 0-3 (--shard auto, seed from SLURM_ARRAY_JOB_ID) merged = the one-machine scan exactly (= truth: $single_rc)" $((wait_rc || merge_rc || single_rc || $?))

# Task 1 killed halfway, then re-run alone with --resume.
slow_args=("${link_args[@]}" -p $sports --rate 4000 --cooldown 1 --quiet $range)
job2=$(slurm_submit 0-3 "$tmp/arr2" "${slow_args[@]}")
# Halfway: ~12 s per task at 4 kpps; the checkpoint is rewritten every 5 s: once it has
# moved past the start, a second more, then SIGKILL (what a lost node does).
for _ in $(seq 150); do
	awk '/^arc / { if ($5 != $3) moved = 1 } END { exit !moved }' "$tmp/arr2/shard-1.ckpt" 2>/dev/null &&
		[ -n "$(find "$tmp/arr2" -name 'shard-1.run1.ndjson.zst' -size +1k)" ] && break
	sleep 0.2
done
sleep 1
echo "killing task 1 at: $(grep '^arc' "$tmp/arr2/shard-1.ckpt" 2>/dev/null), results so far $(zstdcat "$tmp/arr2/shard-1.run1.ndjson.zst" 2>/dev/null | wc -l), $(nsx squeue -h -j "$job2" -o '%i %T' | tr '\n' ' ')"
# SIGKILL to orbit itself, by its pid (scancel's signals go through slurmstepd, which
# lets orbit stop cleanly: a lost node gives no such chance).
kpid=$(pgrep -f -- "--metadata $tmp/arr2/shard-1.run1.meta.json" | head -1)
[ -n "$kpid" ] && kill -9 "$kpid"
slurm_wait "$job2" 60
wait_rc=$?
"$root/deploy/orbit-merge" "$tmp"/arr2/*.meta.json --quiet >"$tmp/arr2.before" 2>"$tmp/arr2.before.err"
before_rc=$?
cat "$tmp/arr2.before.err"
job3=$(slurm_submit 1 "$tmp/arr2" --shards 4 "${slow_args[@]}")
slurm_wait "$job3" 60
wait_rc=$((wait_rc || $?))
cat "$slurm_dir/log/job-${job2}_1.out" "$slurm_dir/log/job-${job3}_1.out"
ls -la "$tmp/arr2"
results=()
for f in "$tmp"/arr2/*.ndjson.zst; do results+=(--results "$f"); done
"$root/deploy/orbit-merge" "$tmp"/arr2/*.meta.json "${results[@]}" --output "$tmp/arr2.ndjson" \
	--quiet >"$tmp/arr2.summary"
merge_rc=$?
cat "$tmp/arr2.summary"
python3 - "$tmp/single.json" "$tmp/arr2.ndjson" "$tmp/arr2.summary" $before_rc <<'PY'
import json, sys
key = lambda r: (r['addr'], r['proto'], r['port'], r['state'], r['reason'])
a = sorted(key(json.loads(l)) for l in open(sys.argv[1]))
b = sorted(key(json.loads(l)) for l in open(sys.argv[2]))
s = json.load(open(sys.argv[3]))
m = s.get('merged', {})
print(f'after the kill merge said exit {sys.argv[4]} (1: incomplete); one machine {len(a)}, '
      f'merged {len(b)} ({m.get("duplicates_dropped")} duplicates of the killed run dropped); '
      f'equal: {a == b}; resumed runs {s["resumed_runs"]}, complete {s["complete"]}')
sys.exit(0 if a == b and s['complete'] and s['resumed_runs'] == 1 and sys.argv[4] == '1' and
         m.get('duplicates_dropped', 0) > 0 else 1)
PY
result "Slurm task killed (SIGKILL) halfway + re-run with --resume: merge named it missing, then the union = the one-machine scan" $((wait_rc || merge_rc || $?))
# Shards of two different scans (other seed) are refused.
"$root/deploy/orbit-merge" "$tmp/arr1/shard-0.run1.meta.json" "$tmp/arr2/shard-1.run2.meta.json" \
	>/dev/null 2>"$tmp/mix.err"
mix_rc=$?
cat "$tmp/mix.err"
[ $mix_rc -eq 2 ] && grep -q 'another scan.*seed' "$tmp/mix.err"
result "orbit-merge refuses shards of another scan (a different seed), exit 2" $?
stop_responder
slurm_down
extra_cleanup=()
echo "slurm: $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$slurm_t0" "$(date +%s.%N)") s wall (cluster up, 3 arrays, merges)"
