# shellcheck shell=bash
# compare_bench.sh - the "mirror comparison" section of `make bench`.
#
# Sourced by run.sh: it uses run.sh's settings ($DIR, $TAPSIGHT), helpers
# (note, die, time_cmd) and ROWS, FAILED.  On the hour of the simulated
# plant (plant_capture.sh) it times $BENCH_ICS_RUNS runs of
#   tapsight tap.pcapng             the whole single-view analysis of the TAP
#   tapsight span.pcapng            ... of the SPAN port
#   tapsight tap=... span=...       both views analysed, then compared
#                                   (comparison.csv, missed.csv)
# and prints the comparison's cost as a multiple of the two single-view
# analyses (aim: at most 2x, issue 7) and the peak memory of each (the
# comparison must hold a window of packets, not the captures).

# shellcheck source=tests/bench/plant_capture.sh
source "${BASH_SOURCE[0]%/*}/plant_capture.sh"
CMP_RUNS=${BENCH_ICS_RUNS:-5}
[[ $CMP_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ICS_RUNS must be a positive integer, not '$CMP_RUNS'"
plant_capture
CTAP=$PLANT_DIR/tap.pcapng
CSPAN=$PLANT_DIR/span.pcapng
ctap_size=$(stat -c %s "$CTAP")
cspan_size=$(stat -c %s "$CSPAN")

ROWS=()
TIME_RUNS=$CMP_RUNS
CLOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
note "warming the page cache: $CTAP $CSPAN"
cat "$CTAP" "$CSPAN" >/dev/null
time_cmd compare "tapsight tap" "$ctap_size" "$ctap_size" /dev/null 0 "$PLANT_DIR/out-cmp" -- \
	"$TAPSIGHT" -q -o "$PLANT_DIR/out-cmp" "$CTAP"
time_cmd compare "tapsight span" "$cspan_size" "$cspan_size" /dev/null 0 "$PLANT_DIR/out-cmp" -- \
	"$TAPSIGHT" -q -o "$PLANT_DIR/out-cmp" "$CSPAN"
time_cmd compare "tapsight tap=... span=..." "$((ctap_size + cspan_size))" "$((ctap_size + cspan_size))" \
	/dev/null 0 "$PLANT_DIR/out-cmp" -- "$TAPSIGHT" -q -o "$PLANT_DIR/out-cmp" tap="$CTAP" span="$CSPAN"
unset TIME_RUNS

compare_report() {
	echo
	echo "tapsight mirror comparison benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "load:     $CLOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') at end (1, 5, 15 min)"
	echo "captures: $CTAP ($ctap_size bytes), $CSPAN ($cspan_size bytes) ($PLANT_PARAMS)"
	echo "method:   $CMP_RUNS runs each, warm page cache; median wall time; cpu_s = median user + system"
	echo "          seconds of all threads"
	echo
	printf '%s\n' "${ROWS[@]}" | awk -F'|' '
		BEGIN {
			printf "%-28s %4s %9s %8s %8s %7s %8s %8s\n", "command", "runs", "median_s", "min_s", "max_s",
				"cpu_s", "MB/s", "rss_MB"
		}
		$8 != 0 { printf "%-28s %4s  FAILED (exit status %s)\n", $2, $3, $8; next }
		{
			printf "%-28s %4d %9.3f %8.3f %8.3f %7.3f %8.1f %8.1f\n", $2, $3, $4, $9, $10, $11,
				$6 / $4 / 1e6, $7 * 1024 / 1e6
			t[$2] = $4
			c[$2] = $11
		}
		END {
			a = "tapsight tap"; b = "tapsight span"; x = "tapsight tap=... span=..."
			print ""
			if ((a in t) && (b in t) && (x in t) && t[a] + t[b] > 0 && c[a] + c[b] > 0)
				printf "comparing both views / analysing each alone (aim: at most 2.00x): %.2fx wall, %.2fx cpu\n",
					t[x] / (t[a] + t[b]), c[x] / (c[a] + c[b])
			else
				print "comparing both views / analysing each alone: n/a"
		}'
}
compare_report | tee -a "$DIR/results.txt.tmp"
