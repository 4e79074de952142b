# shellcheck shell=bash
# ics_bench.sh - the "ICS dissection and assets" section of `make bench`.
#
# Sourced by run.sh: it uses run.sh's settings ($DIR, $SEED, $LOOP,
# $MEASURE, $TAPSIGHT), helpers (note, die, time_cmd) and ROWS, FAILED.
#
# Uses the hour of the simulated plant of plant_capture.sh: its TAP view,
# $DIR/ics/tap.pcapng, about 100 MB and 800,000 frames, most of them ICS
# (Modbus, DNP3, IEC 104, S7comm, EtherNet/IP I/O, GOOSE, BACnet, OPC UA).
# Then times
# $BENCH_ICS_RUNS runs of
#   pcap_loop                  the reading floor
#   tshark -z io,phs           Wireshark's full dissection (protocol
#                              hierarchy), once
#   tapsight --flows-only      decode + flows: the baseline
#   tapsight                   decode + flows + ICS dissection + assets
#                              + fidelity (quality.csv, events.csv)
# each also with --no-hash, where the SHA-256 does not hide the work,
# and prints what the whole analysis (ICS dissection, assets and the
# fidelity checks) adds to decode + flows, in wall time and in CPU time
# (aims: ICS and assets at most 1.30x, issue 5; everything at most 1.50x,
# issue 6).
#
# Environment (defaults in brackets):
#   BENCH_ICS_RUNS  timed runs per command              [5]
#   (and SIM, BENCH_ICS_SECONDS of plant_capture.sh)

# shellcheck source=tests/bench/plant_capture.sh
source "${BASH_SOURCE[0]%/*}/plant_capture.sh"
ICS_RUNS=${BENCH_ICS_RUNS:-5}
[[ $ICS_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ICS_RUNS must be a positive integer, not '$ICS_RUNS'"
plant_capture
IDIR=$PLANT_DIR
ICAP=$IDIR/tap.pcapng
iparams=$PLANT_PARAMS
isize=$(stat -c %s "$ICAP")

ROWS=()
TIME_RUNS=$ICS_RUNS
ILOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
IFRAMES=
note "warming the page cache: $ICAP"
cat "$ICAP" >/dev/null
time_cmd ics pcap_loop "$isize" "$isize" "$DIR/pcap_loop.stdout" 0 - -- "$LOOP" "$ICAP"
if ((LAST_STATUS == 0)) && [[ -s $DIR/pcap_loop.stdout ]]; then
	read -r IFRAMES _ <"$DIR/pcap_loop.stdout"
fi
if command -v tshark >/dev/null; then
	TIME_RUNS=1 time_cmd ics "tshark -z io,phs" "$isize" "$isize" /dev/null 0 - -- \
		tshark -n -q -z io,phs -r "$ICAP"
fi
for extra in "" --no-hash; do
	time_cmd ics "tapsight --flows-only${extra:+ $extra}" "$isize" "$isize" /dev/null 0 "$IDIR/out" -- \
		"$TAPSIGHT" -q --flows-only ${extra:+"$extra"} -o "$IDIR/out" "$ICAP"
	time_cmd ics "tapsight${extra:+ $extra}" "$isize" "$isize" /dev/null 0 "$IDIR/out" -- \
		"$TAPSIGHT" -q ${extra:+"$extra"} -o "$IDIR/out" "$ICAP"
done
unset TIME_RUNS
ICS_ROWS=$(("$(wc -l <"$IDIR/out/ics.csv" 2>/dev/null || echo 1)" - 1))
ASSET_ROWS=$(("$(wc -l <"$IDIR/out/assets.csv" 2>/dev/null || echo 1)" - 1))

ics_report() {
	echo
	echo "tapsight whole analysis (ICS, assets, fidelity) benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "load:     $ILOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') at end (1, 5, 15 min)"
	echo "capture:  $ICAP: $isize bytes, ${IFRAMES:-?} frames ($iparams)"
	echo "output:   $ICS_ROWS ics.csv rows, $ASSET_ROWS assets"
	echo "method:   $ICS_RUNS runs each (tshark: 1), warm page cache; median wall time; cpu_s ="
	echo "          median user + system seconds of all threads"
	echo
	printf '%s\n' "${ROWS[@]}" | awk -F'|' -v frames="${IFRAMES:-0}" '
		BEGIN {
			printf "%-33s %4s %9s %8s %8s %7s %8s %9s %8s\n", "command", "runs", "median_s", "min_s",
				"max_s", "cpu_s", "MB/s", "Mframes/s", "rss_MB"
		}
		$8 != 0 { printf "%-33s %4s  FAILED (exit status %s)\n", $2, $3, $8; next }
		{
			printf "%-33s %4d %9.3f %8.3f %8.3f %7.3f %8.1f %9.2f %8.1f\n", $2, $3, $4, $9, $10, $11,
				$6 / $4 / 1e6, frames / $4 / 1e6, $7 * 1024 / 1e6
			t[$2] = $4
			c[$2] = $11
		}
		function cost(what, base, full) {
			if ((base in t) && (full in t) && t[base] > 0 && c[base] > 0)
				printf "  %-38s %6.2fx wall, %6.2fx cpu\n", what, t[full] / t[base], c[full] / c[base]
			else
				printf "  %-38s    n/a\n", what
		}
		END {
			print ""
			print "the whole analysis as a multiple of decode + flows (aim: at most 1.50x):"
			cost("tapsight / --flows-only", "tapsight --flows-only", "tapsight")
			cost("tapsight --no-hash / --flows-only", "tapsight --flows-only --no-hash", "tapsight --no-hash")
			if (("tshark -z io,phs" in t) && ("tapsight" in t))
				printf "  %-38s %6.2fx\n", "tapsight speed / tshark", t["tshark -z io,phs"] / t["tapsight"]
		}'
}
ics_report | tee -a "$DIR/results.txt.tmp"
