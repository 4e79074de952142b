# shellcheck shell=bash
# flows_bench.sh - the "decode + flows" section of `make bench`.
#
# Sourced by run.sh after its ingest section: it uses run.sh's settings
# ($DIR, $SEED, $GEN, $LOOP, $MEASURE, $TAPSIGHT), its helpers (note, warn,
# die, seconds_of, time_cmd, check_frames) and its ROWS, PACKETS and FAILED.
#
# Builds once $DIR/flows.pcap with gen_capture --flows: 600,000 short TCP
# and UDP flows, each its own 5-tuple, under 2,000 of them open at any
# moment; about 5.1 million frames, 1.7 GB, 21 minutes of traffic.  Then,
# with a warm page cache, times $BENCH_FLOW_RUNS runs of each command
# (median wall time; peak resident memory over the runs):
#   pcap_loop   the reading floor, and the frame count
#   argus       argus -S 60 -r flows.pcap -w flows.argus: flow
#               reconstruction into argus's binary records
#   ra          ra -r flows.argus -n -c , -s (12 fields): those records as
#               text; argus + ra is the end-to-end counterpart of tapsight
#   tshark      tshark -q -z conv,tcp -z conv,udp, once (see BENCH_TSHARK)
#   tapsight    decode + flows (--flows-only), writing flows.csv; again with
#               --no-hash; and the whole analysis (ICS dissection, assets)
# and prints seconds, MB/s, frames/s, peak RSS and the flows each tool found
# (ra: flow records; tshark: conversation lines; tapsight: flows.csv rows),
# then tapsight's speed as a multiple of argus's and tshark's.
#
# Why argus -S 60: Debian's /etc/argus.conf asks for a status record every
# 5 s, which cuts a longer flow into several records.  No flow here lives a
# minute, so with 60 s each is one record, as it is one row of flows.csv and
# one line of tshark's table.
#
# Environment (defaults in brackets):
#   BENCH_FLOWS          flows in the capture                        [600000]
#   BENCH_FLOW_RATE      new flows a second; sets how many are open  [500]
#   BENCH_FLOW_RUNS      timed runs per command                      [3]
#   BENCH_TSHARK         auto: time tshark on a prefix of the capture,
#                        then on the whole if that predicts at most
#                        BENCH_TSHARK_LIMIT s, else report the prefix
#                        and the whole estimated from it; full: the
#                        whole only; prefix: the prefix only; off     [auto]
#   BENCH_TSHARK_LIMIT   seconds                                     [120]
#   BENCH_TSHARK_PREFIX  frames in the prefix (editcap -r)           [500000]

FLOWS=${BENCH_FLOWS:-600000}
FLOW_RATE=${BENCH_FLOW_RATE:-500}
FLOW_RUNS=${BENCH_FLOW_RUNS:-3}
TSHARK_MODE=${BENCH_TSHARK:-auto}
TSHARK_LIMIT=${BENCH_TSHARK_LIMIT:-120}
TSHARK_PREFIX=${BENCH_TSHARK_PREFIX:-500000}

for v in FLOWS FLOW_RATE FLOW_RUNS TSHARK_LIMIT TSHARK_PREFIX; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer, not '${!v}'"
done
[[ $TSHARK_MODE =~ ^(auto|full|prefix|off)$ ]] ||
	die "BENCH_TSHARK must be auto, full, prefix or off, not '$TSHARK_MODE'"

FPCAP=$DIR/flows.pcap
FSTAMP=$DIR/flows.params
FSTATS=$DIR/flows.stats		# gen_capture --stats for flows.pcap
ARGUS_OUT=$DIR/flows.argus
# Debian installs argus in /usr/sbin, often not in a user's PATH.
ARGUS_BIN=$(command -v argus || { [[ -x /usr/sbin/argus ]] && echo /usr/sbin/argus; } || true)
RA_BIN=$(command -v ra || true)
TSHARK_BIN=$(command -v tshark || true)

# ---- input: made once, remade when missing, stale or asked differently ----

fparams="gen_capture --flows $FLOWS --flow-rate $FLOW_RATE --seed $SEED"
ffp=$(gen_fingerprint --flows 2000 --flow-rate "$FLOW_RATE" --seed "$SEED") || die "gen_capture --flows failed"
if [[ ! -s $FPCAP || ! -s $FSTATS || "$(cat "$FSTAMP" 2>/dev/null)" != "$fparams $ffp" ]]; then
	note "generating $FPCAP ($FLOWS flows, $FLOW_RATE new a second, seed $SEED)"
	rm -f "$FPCAP" "$FSTAMP" "$FSTATS" "$DIR"/flows-prefix-*.pcap "$DIR/flows-gen.report"
	"$MEASURE" -o "$DIR/flows-gen.report" -- "$GEN" --flows "$FLOWS" --flow-rate "$FLOW_RATE" \
		--seed "$SEED" -o "$FPCAP.tmp" --stats >/dev/null 2>"$FSTATS.tmp" ||
		die "gen_capture --flows failed: $(tail -n 3 "$FSTATS.tmp")"
	mv "$FPCAP.tmp" "$FPCAP"
	mv "$FSTATS.tmp" "$FSTATS"
	printf '%s\n' "$fparams $ffp" >"$FSTAMP"
	note "generated in $(seconds_of "$DIR/flows-gen.report") s"
fi
fsize=$(stat -c %s "$FPCAP")
gen_flows=$(sed -n 's/^gen_capture: \([0-9]*\) flows, .*/\1/p' "$FSTATS")
gen_open=$(sed -n 's/.*at most \([0-9]*\) open at once.*/\1/p' "$FSTATS")
gen_span=$(sed -n 's/.* flows, \([0-9.]*\) s of traffic.*/\1/p' "$FSTATS")
gen_secs=$(seconds_of "$DIR/flows-gen.report" 2>/dev/null || true)
[[ -z $gen_secs ]] || gen_secs=$(printf '%.1f' "$gen_secs")

# ---- timing ----

FLOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
ROWS=()
# shellcheck disable=SC2034 # read by run.sh's time_cmd
TIME_RUNS=$FLOW_RUNS
declare -A FOUND=()	# label -> flows that command found
FRAMES=
PREFIX_FRAMES=
TS_NO_FLOWS=

# Lines of a tool's output that hold one flow each.
count_ra() { awk -F, '{ p = $3; gsub(/ /, "", p) } p != "" && p != "man" && p != "Proto" { n++ } END { print n + 0 }' "$1"; }
count_tshark() { grep -c -- ' <-> ' "$1" || true; }

note "warming the page cache: $FPCAP"
cat "$FPCAP" >/dev/null
time_cmd flows pcap_loop "$fsize" "$fsize" "$DIR/pcap_loop.stdout" 0 - -- "$LOOP" "$FPCAP"
if ((LAST_STATUS == 0)) && [[ -s $DIR/pcap_loop.stdout ]]; then
	read -r FRAMES _ <"$DIR/pcap_loop.stdout"
fi
# shellcheck disable=SC2034 # read by run.sh's check_frames
PACKETS=$FRAMES

if [[ -n $ARGUS_BIN && -n $RA_BIN ]]; then
	# argus appends to an existing -w file: each run starts without one.
	time_cmd flows argus "$fsize" "$fsize" /dev/null 0 "$ARGUS_OUT" -- \
		"$ARGUS_BIN" -S 60 -r "$FPCAP" -w "$ARGUS_OUT"
	if ((LAST_STATUS == 0)); then
		time_cmd flows ra "$fsize" "$fsize" "$DIR/ra.out" 0 - -- "$RA_BIN" -r "$ARGUS_OUT" -n -c , \
			-s stime ltime proto saddr sport daddr dport spkts dpkts sbytes dbytes state
		if ((LAST_STATUS == 0)); then FOUND[ra]=$(count_ra "$DIR/ra.out"); fi
	fi
else
	note "argus: not installed (apt-get install argus-server argus-client)"
fi

# tshark keeps every frame's state: slow and memory-hungry, so one run.
tshark_run() {
	local input=$1 label=$2 file=$3 out=$4
	TIME_RUNS=1 time_cmd "$input" "$label" "$fsize" "$fsize" "$out" 0 - -- \
		"$TSHARK_BIN" -q -z conv,tcp -z conv,udp -r "$file"
	if ((LAST_STATUS == 0)); then FOUND[$label]=$(count_tshark "$out"); fi
}
TSHARK_FULL=0 TSHARK_EST=
if [[ -z $TSHARK_BIN || $TSHARK_MODE == off ]]; then
	[[ -n $TSHARK_BIN ]] || note "tshark: not installed (make deps)"
elif [[ $TSHARK_MODE == full ]] || [[ $TSHARK_MODE == auto && -n $FRAMES && $FRAMES -le $TSHARK_PREFIX ]]; then
	TSHARK_FULL=1
elif ! command -v editcap >/dev/null; then
	note "editcap: not installed (make deps): tshark runs on the whole capture"
	TSHARK_FULL=1
else
	prefix_pcap=$DIR/flows-prefix-$TSHARK_PREFIX.pcap
	if [[ ! -s $prefix_pcap || $FPCAP -nt $prefix_pcap ]]; then
		note "cutting the first $TSHARK_PREFIX frames into $prefix_pcap"
		editcap -F pcap -r "$FPCAP" "$prefix_pcap.tmp" "1-$TSHARK_PREFIX" || die "editcap failed"
		mv "$prefix_pcap.tmp" "$prefix_pcap"
	fi
	read -r PREFIX_FRAMES _ < <("$LOOP" "$prefix_pcap")
	tshark_run prefix tshark-prefix "$prefix_pcap" "$DIR/tshark-prefix.out"
	if ((LAST_STATUS == 0)) && [[ -n $FRAMES ]]; then
		TSHARK_EST=$(printf '%s\n' "${ROWS[@]}" | awk -F'|' -v f="$FRAMES" -v p="$PREFIX_FRAMES" \
			'$2 == "tshark-prefix" { printf "%.1f", $4 * f / p }')
		if [[ $TSHARK_MODE == auto ]] && awk -v e="$TSHARK_EST" -v l="$TSHARK_LIMIT" 'BEGIN { exit !(e <= l) }'; then
			TSHARK_FULL=1
		elif [[ $TSHARK_MODE == auto ]]; then
			note "tshark on the whole capture would take about $TSHARK_EST s (> $TSHARK_LIMIT s): prefix only"
		fi
	fi
fi
if ((TSHARK_FULL)); then
	tshark_run flows tshark "$FPCAP" "$DIR/tshark.out"
fi

# flows_tapsight_row LABEL OUT-DIR [OPTION...]: flows.csv (and with the ICS
# dissection and assets unless --flows-only)
flows_tapsight_row() {
	local label=$1 out=$2
	shift 2
	time_cmd flows "$label" "$fsize" "$fsize" "$DIR/tapsight.stdout" 0 "$out" -- \
		"$TAPSIGHT" -q "$@" -o "$out" "$FPCAP"
	((LAST_STATUS == 0)) || return 0
	check_frames flows "$out"
	if [[ -f $out/flows.csv ]]; then
		# One header line; no field of ours holds a line break.
		FOUND[$label]=$(($(wc -l <"$out/flows.csv") - 1))
	else
		TS_NO_FLOWS=1
	fi
}
if [[ -x $TAPSIGHT ]]; then
	# Decode + flows is what argus and tshark's tables do; the whole
	# analysis (ICS dissection of the Modbus and DNS flows, assets) is
	# timed too, for what it costs on IT-heavy traffic.
	flows_tapsight_row "tapsight --flows-only" "$DIR/out-flows" --flows-only
	flows_tapsight_row "tapsight --flows-only --no-hash" "$DIR/out-flows-nohash" --flows-only --no-hash
	flows_tapsight_row "tapsight, all analyses" "$DIR/out-flows-all"
else
	note "tapsight: not built ($TAPSIGHT)"
fi
unset TIME_RUNS

# ---- report ----

flows_report() {
	local row input label runs med data rss st lo hi cpu frames

	echo
	echo "tapsight decode + flows benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "load:     $FLOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') at end (1, 5, 15 min)"
	echo "capture:  $FPCAP: $fsize bytes, ${FRAMES:-?} frames, ${gen_flows:-?} flows, at most ${gen_open:-?} open"
	echo "          at once, ${gen_span:-?} s of traffic ($fparams${gen_secs:+, made in $gen_secs s})"
	echo "method:   $FLOW_RUNS runs each (tshark: 1), warm page cache; rates from the median and"
	echo "          the capture's size and frames for every row (ra reads argus's records: it is"
	echo "          the second half of argus + ra); rss = peak resident set; flows = what each"
	echo "          tool reported (ra records, tshark conversations, flows.csv rows); cpu_s ="
	echo "          median user + system seconds (above median_s: more than one core)"
	[[ -z $PREFIX_FRAMES ]] ||
		echo "          tshark-prefix: the first $PREFIX_FRAMES frames only (editcap -r), rated on those"
	echo
	for row in "${ROWS[@]}"; do
		IFS='|' read -r input label runs med _ data rss st lo hi cpu <<<"$row"
		frames=${FRAMES:-0}
		[[ $input != prefix ]] || frames=$PREFIX_FRAMES
		[[ $input != prefix ]] || data=$(stat -c %s "$DIR/flows-prefix-$TSHARK_PREFIX.pcap")
		printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$label" "$runs" "$med" "$lo" "$hi" \
			"$frames" "$data" "$rss" "$st" "${FOUND[$label]:--}" "$cpu"
	done | awk -F'|' -v frames="${FRAMES:-0}" -v pf="${PREFIX_FRAMES:-0}" -v tsest="$TSHARK_EST" \
		-v open="${gen_open:-0}" -v gflows="${gen_flows:-?}" -v noflows="$TS_NO_FLOWS" '
		function line(label, runs, med, lo, hi, cpu, fr, by, rss, fl) {
			printf "%-32s %4d %9.3f %8.3f %8.3f %7.3f %8.1f %9.2f %8.1f %9s\n", label, runs, med, lo, hi,
				cpu, by / med / 1e6, fr / med / 1e6, rss * 1024 / 1e6, fl
		}
		BEGIN {
			printf "%-32s %4s %9s %8s %8s %7s %8s %9s %8s %9s\n", "command", "runs", "median_s",
				"min_s", "max_s", "cpu_s", "MB/s", "Mframes/s", "rss_MB", "flows"
		}
		$9 != 0 { printf "%-32s %4s %9s  FAILED (exit status %s)\n", $1, $2, "-", $9; next }
		{
			line($1, $2, $3, $4, $5, $11, $6, $7, $8, $10)
			t[$1] = $3
			cpu[$1] = $11
			rss[$1] = $8
			if ($1 == "argus") {
				lo_argus = $4
				hi_argus = $5
			}
			# argus + ra: the sum of the two, the larger peak
			if ($1 == "ra" && ("argus" in t))
				line("argus + ra", $2, t["argus"] + $3, lo_argus + $4, hi_argus + $5,
					cpu["argus"] + $11, $6, $7, (rss["argus"] > $8 ? rss["argus"] : $8), $10)
		}
		function ratio(what, base, ts) {
			if ((base in t) && (ts in t))
				printf "  %-40s %6.2fx\n", what, t[base] / t[ts]
			else
				printf "  %-40s    n/a\n", what
		}
		END {
			print ""
			print "tapsight frames/s as a multiple of (higher is better)" \
				(noflows != "" ? ", but tapsight wrote no flows.csv:" : ":")
			ratio("tapsight --flows-only / argus", "argus", "tapsight --flows-only")
			if (("argus" in t) && ("ra" in t) && ("tapsight --flows-only" in t))
				printf "  %-40s %6.2fx\n", "tapsight / argus + ra", (t["argus"] + t["ra"]) / t["tapsight --flows-only"]
			else
				printf "  %-40s    n/a\n", "tapsight / argus + ra"
			ratio("tapsight --no-hash / argus", "argus", "tapsight --flows-only --no-hash")
			if (!("tshark" in t) && tsest != "" && ("tapsight --flows-only" in t))
				printf "  %-40s %6.2fx  (tshark estimated at %s s from its prefix)\n",
					"tapsight / tshark (estimated)", tsest / t["tapsight --flows-only"], tsest
			else
				ratio("tapsight / tshark", "tshark", "tapsight --flows-only")
			ratio("tapsight / pcap_loop (read floor)", "pcap_loop", "tapsight --flows-only")
			if (("tapsight, all analyses" in t) && ("tapsight --flows-only" in t))
				printf "  %-40s %6.2fx\n", "all analyses / --flows-only (time)",
					t["tapsight, all analyses"] / t["tapsight --flows-only"]
			if ("tapsight --flows-only" in t)
				printf "aim: 3x argus, 5 Mframes/s on one core; tapsight: %.2f Mframes/s, %.2f per CPU second\n",
					frames / t["tapsight --flows-only"] / 1e6, (cpu["tapsight --flows-only"] > 0 ? frames / cpu["tapsight --flows-only"] / 1e6 : 0)
			if ("tapsight --flows-only" in rss)
				printf "tapsight peak RSS %.1f MB for at most %s flows open at once, %s in the capture\n",
					rss["tapsight --flows-only"] * 1024 / 1e6, open, gflows
		}'
	if [[ -n $TS_NO_FLOWS ]]; then echo "tapsight: no flows.csv (decode+flows not built yet)"; fi
	[[ -x $TAPSIGHT ]] || echo "tapsight: not built"
	[[ -n $ARGUS_BIN && -n $RA_BIN ]] || echo "argus: not installed (apt-get install argus-server argus-client)"
	return 0
}

flows_report | tee -a "$DIR/results.txt.tmp"
