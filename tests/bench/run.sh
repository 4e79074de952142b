#!/usr/bin/env bash
# run.sh - `make bench`: tapsight's speed and peak memory in four sections.
#
# ingest: read and hash, beside the floor set by cat, zcat, zstd -dc and a
#   bare libpcap loop.  Builds once, under $BENCH_DIR, a synthetic capture
#   (gen_capture) and its gzip and zstd copies; then times each command
#   $BENCH_RUNS times with a warm page cache and prints the median wall time,
#   throughput, packet rate and peak resident memory as a table; on the plain
#   capture also the whole analysis beside --flows-only (decode + flows).
# flows: decode and flow reconstruction on a capture of many short flows,
#   beside argus, ra and tshark: see flows_bench.sh, which this sources.
# ics: what ICS dissection and the asset inventory add to decode + flows on
#   an hour of the simulated plant: see ics_bench.sh.
# compare: what comparing the plant's TAP and SPAN views costs beside
#   analysing each alone: see compare_bench.sh.
#
# The tables are saved in $BENCH_DIR/results.txt.  Progress goes to stderr,
# the report to stdout.
#
# Environment (defaults in brackets):
#   BENCH_BIN       gen_capture, pcap_loop and measure  [build/release/bench]
#   TAPSIGHT        the binary under test                [build/release/tapsight]
#   BENCH_SECTIONS  which sections to run                [ingest flows ics compare]
#   BENCH_RUNS      timed runs per ingest command        [5]
#   BENCH_DIR       captures, outputs, results           [build/bench]
#   BENCH_BYTES     size of the plain capture            [1100000000]
#   BENCH_SEED      gen_capture seed                     [1]
#   (and the BENCH_FLOW* and BENCH_TSHARK* settings of flows_bench.sh)
#
# Exit status: 0 all commands ran, 1 a command failed, 2 bad setup.
set -euo pipefail

BENCH_BIN=${BENCH_BIN:-build/release/bench}
TAPSIGHT=${TAPSIGHT:-build/release/tapsight}
RUNS=${BENCH_RUNS:-5}
DIR=${BENCH_DIR:-build/bench}
BYTES=${BENCH_BYTES:-1100000000}
SEED=${BENCH_SEED:-1}
SECTIONS=${BENCH_SECTIONS:-ingest flows ics compare}

GEN=$BENCH_BIN/gen_capture
LOOP=$BENCH_BIN/pcap_loop
MEASURE=$BENCH_BIN/measure

note() { printf 'bench: %s\n' "$*" >&2; }
warn() { printf 'bench: warning: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '$RUNS'"
[[ $BYTES =~ ^[1-9][0-9]*$ ]] || die "BENCH_BYTES must be a positive integer, not '$BYTES'"
for s in $SECTIONS; do
	[[ $s == ingest || $s == flows || $s == ics || $s == compare ]] ||
		die "BENCH_SECTIONS: unknown section '$s' (ingest, flows, ics, compare)"
done
for tool in "$GEN" "$LOOP" "$MEASURE"; do
	[[ -x $tool ]] || die "$tool is missing: build it with 'make bench' (or make $tool)"
done
if want ingest; then
	for tool in gzip zstd; do
		command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
	done
fi
mkdir -p "$DIR"

PLAIN=$DIR/capture.pcap
GZ=$PLAIN.gz
ZST=$PLAIN.zst
STAMP=$DIR/capture.params

# seconds= field of the last measure report line in a file
seconds_of() { sed -n 's/^seconds=\([0-9.]*\) .*/\1/p' "$1" | tail -n 1; }

# gen_fingerprint OPTION...: a hash of what gen_capture writes for a small run.
# A capture is stale when this changes, not when gen_capture is newer: make
# relinks it whenever the library changes, and remaking the captures (and
# gzip) would cost a minute or more each time.
gen_fingerprint() { "$GEN" "$@" -o - | sha256sum | cut -c 1-16; }

# ---- ingest inputs: made once, remade when missing, stale or asked differently ----

ingest_inputs() {
	local gzip_tool fp

	params="gen_capture --bytes $BYTES --seed $SEED"
	fp=$(gen_fingerprint --bytes 200k --seed "$SEED") || die "gen_capture failed"
	if [[ ! -s $PLAIN || "$(cat "$STAMP" 2>/dev/null)" != "$params $fp" ]]; then
		note "generating $PLAIN ($BYTES bytes, seed $SEED)"
		rm -f "$PLAIN" "$GZ" "$ZST" "$STAMP"
		"$MEASURE" -o "$DIR/gen.report" -- "$GEN" --bytes "$BYTES" --seed "$SEED" \
			-o "$PLAIN.tmp" --stats >/dev/null || die "gen_capture failed"
		mv "$PLAIN.tmp" "$PLAIN"
		printf '%s\n' "$params $fp" >"$STAMP"
		note "generated in $(seconds_of "$DIR/gen.report") s"
	fi
	if [[ ! -s $GZ || $PLAIN -nt $GZ ]]; then
		if command -v pigz >/dev/null; then gzip_tool=(pigz -6 -c); else gzip_tool=(gzip -6 -c); fi
		note "compressing with ${gzip_tool[*]} (one-time cost, about a minute with gzip)"
		"$MEASURE" --stdout "$GZ.tmp" -o "$DIR/gzip.report" -- "${gzip_tool[@]}" "$PLAIN" >/dev/null ||
			die "${gzip_tool[0]} failed"
		mv "$GZ.tmp" "$GZ"
		note "gzip took $(seconds_of "$DIR/gzip.report") s"
	fi
	if [[ ! -s $ZST || $PLAIN -nt $ZST ]]; then
		note "compressing with zstd -3 -T0"
		zstd -q -f -3 -T0 -o "$ZST.tmp" "$PLAIN" || die "zstd failed"
		mv "$ZST.tmp" "$ZST"
	fi

	size_plain=$(stat -c %s "$PLAIN")
	size_gz=$(stat -c %s "$GZ")
	size_zst=$(stat -c %s "$ZST")
}

# ---- timing ----

# Other work on the machine skews every number: keep the load seen at start.
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

ROWS=()		# input|command|runs|median_s|stored_bytes|data_bytes|rss_kb|status|min_s|max_s|cpu_s
FAILED=0
LAST_STATUS=0

# time_cmd INPUT LABEL STORED DATA STDOUT SLOW CLEAN -- COMMAND...
#   Runs COMMAND up to $RUNS times (or $TIME_RUNS when set) under measure,
#   its stdout to STDOUT and its stderr to $DIR/last.stderr.  CLEAN (a
#   folder or file, or -) is removed before each run, outside the timing.
#   If the first run takes more than SLOW seconds (0: no limit) it is the
#   only one.  A failed run ends the row.
#   cpu_s is the median user + system time of COMMAND (and measure): bash's
#   `times` builtin, read before and after, without a subshell that would
#   not see the children's times.
time_cmd() {
	local input=$1 label=$2 stored=$3 data=$4 out=$5 slow=$6 clean=$7
	shift 8
	local secs=() cpus=() rss=0 st=0 i line sec kb med=- lo=- hi=- cpu=- runs=${TIME_RUNS:-$RUNS}

	for ((i = 1; i <= runs; i++)); do
		[[ $clean == - ]] || rm -rf -- "$clean"
		note "$input: $label ($i/$runs)"
		: >"$DIR/last.report"
		times >"$DIR/cpu.before"
		"$MEASURE" --stdout "$out" -o "$DIR/last.report" -- "$@" 2>"$DIR/last.stderr" || true
		times >"$DIR/cpu.after"
		line=$(cat "$DIR/last.report")
		[[ $line =~ ^seconds=([0-9.]+)\ maxrss_kb=([0-9]+)\ status=([0-9]+)$ ]] ||
			die "measure reported '$line' for: $*"
		sec=${BASH_REMATCH[1]} kb=${BASH_REMATCH[2]} st=${BASH_REMATCH[3]}
		if ((st != 0)); then
			warn "$label on $input exited with status $st: $*"
			tail -n 5 "$DIR/last.stderr" | sed 's/^/    /' >&2
			FAILED=1
			break
		fi
		secs+=("$sec")
		cpus+=("$(cat "$DIR/cpu.before" "$DIR/cpu.after" | awk '
			# lines 2 and 4: children user and system time, as 1m2.345s
			function s(x, m) { split(x, m, /[ms]/); return m[1] * 60 + m[2] }
			NR == 2 { b = s($1) + s($2) } NR == 4 { printf "%.3f\n", s($1) + s($2) - b }')")
		if ((kb > rss)); then rss=$kb; fi
		if ((i == 1)) && [[ $slow != 0 ]] && awk -v s="$sec" -v l="$slow" 'BEGIN { exit !(s > l) }'; then
			note "$label took ${sec} s (> $slow s): one run only"
			break
		fi
	done
	if ((${#secs[@]})); then
		read -r med lo hi < <(printf '%s\n' "${secs[@]}" | sort -g | awk '{ t[NR] = $1 }
			END {
				m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
				printf "%.6f %s %s\n", m, t[1], t[NR]
			}')
		cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ t[NR] = $1 }
			END { printf "%.3f\n", NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }')
	fi
	ROWS+=("$input|$label|${#secs[@]}|$med|$stored|$data|$rss|$st|$lo|$hi|$cpu")
	LAST_STATUS=$st
}

# frames column of the first row of captures.csv, compared with pcap_loop
check_frames() {
	local input=$1 csv=$2/captures.csv frames
	[[ -f $csv ]] || { note "$input: no $csv to cross-check"; return 0; }
	frames=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { h = $i; gsub(/"/, "", h); if (h == "frames") c = i }; next }
		c { v = $c; gsub(/"/, "", v); print v; exit }' "$csv")
	if [[ -z $frames ]]; then
		warn "$input: $csv has no frames column or no row"
	elif [[ -n $PACKETS && $frames != "$PACKETS" ]]; then
		warn "$input: tapsight counted $frames frames, pcap_loop $PACKETS packets"
	else
		note "$input: tapsight frames = $frames, agrees with pcap_loop"
	fi
}

# tapsight's ingest: read, hash and write captures.csv, no analysis.
TS_LABEL=
if [[ -x $TAPSIGHT ]]; then
	TS_LABEL="tapsight --ingest-only"
else
	note "tapsight: not built ($TAPSIGHT)"
fi

# tapsight_row INPUT FILE STORED [LABEL EXTRA-OPTION]
tapsight_row() {
	local input=$1 file=$2 stored=$3 label=${4:-$TS_LABEL} extra=${5:-}
	local out=$DIR/out-$input
	[[ -n $TS_LABEL ]] || return 0
	time_cmd "$input" "$label" "$stored" "$size_plain" "$DIR/tapsight.stdout" 0 "$out" -- \
		"$TAPSIGHT" -q --ingest-only ${extra:+"$extra"} -o "$out" "$file"
	if ((LAST_STATUS == 0)); then check_frames "$input" "$out"; fi
}

PACKETS=

# Every ingest row: the plain capture, then its gzip and zstd copies.
ingest_timing() {
	note "warming the page cache: $PLAIN"
	cat "$PLAIN" >/dev/null
	time_cmd plain cat "$size_plain" "$size_plain" /dev/null 0 - -- cat "$PLAIN"
	time_cmd plain pcap_loop "$size_plain" "$size_plain" "$DIR/pcap_loop.stdout" 0 - -- "$LOOP" "$PLAIN"
	if [[ -s $DIR/pcap_loop.stdout ]]; then
		read -r PACKETS _ <"$DIR/pcap_loop.stdout"
	fi
	if command -v capinfos >/dev/null; then
		time_cmd plain "capinfos -c -M" "$size_plain" "$size_plain" /dev/null 20 - -- capinfos -c -M "$PLAIN"
	fi
	# SHA-256 is sequential: its own speed is the floor of a hashed ingest.
	time_cmd plain "openssl sha256" "$size_plain" "$size_plain" /dev/null 0 - -- openssl dgst -sha256 "$PLAIN"
	tapsight_row plain "$PLAIN" "$size_plain"
	tapsight_row plain "$PLAIN" "$size_plain" "tapsight --no-hash" --no-hash
	# The whole pipeline beside decode + flows on the same capture (issue 6).
	if [[ -n $TS_LABEL ]]; then
		time_cmd plain "tapsight --flows-only" "$size_plain" "$size_plain" /dev/null 0 "$DIR/out-whole" -- \
			"$TAPSIGHT" -q --flows-only -o "$DIR/out-whole" "$PLAIN"
		time_cmd plain "tapsight (everything)" "$size_plain" "$size_plain" /dev/null 0 "$DIR/out-whole" -- \
			"$TAPSIGHT" -q -o "$DIR/out-whole" "$PLAIN"
	fi

	note "warming the page cache: $GZ"
	cat "$GZ" >/dev/null
	# zcat is a script that execs gzip -cd; calling gzip saves the shell.
	time_cmd gzip "zcat (gzip -dc)" "$size_gz" "$size_plain" /dev/null 0 - -- gzip -dc "$GZ"
	tapsight_row gzip "$GZ" "$size_gz"

	note "warming the page cache: $ZST"
	cat "$ZST" >/dev/null
	time_cmd zstd "zstd -dc" "$size_zst" "$size_plain" /dev/null 0 - -- zstd -q -dc "$ZST"
	tapsight_row zstd "$ZST" "$size_zst"
}

# ---- report ----

report() {
	local cpu mem
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
	echo "tapsight ingest benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "machine:  $(nproc) CPUs, ${cpu:-unknown CPU}, ${mem:-? GiB}, $(uname -sr)"
	echo "load:     $LOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') at end (1, 5, 15 min)"
	echo "capture:  $PLAIN: $size_plain bytes, ${PACKETS:-?} packets ($params)"
	awk -v p="$size_plain" -v g="$size_gz" -v z="$size_zst" 'BEGIN {
		printf "          .gz %d bytes (%.2fx, gzip -6), .zst %d bytes (%.2fx, zstd -3)\n", g, p / g, z, p / z }'
	echo "method:   $RUNS runs each, warm page cache, stdout to /dev/null or a file; rates"
	echo "          from the median; MB = 10^6 bytes; data MB/s counts decompressed bytes;"
	echo "          rss = peak resident set over the runs; a wide min-max means a noisy machine"
	echo
	printf '%s\n' "${ROWS[@]}" | awk -F'|' -v pk="${PACKETS:-0}" '
		BEGIN {
			printf "%-6s %-24s %4s %9s %7s %7s %11s %10s %7s %7s\n", "input", "command", "runs",
				"median_s", "min_s", "max_s", "stored_MB/s", "data_MB/s", "Mpkt/s", "rss_MB"
		}
		$8 != 0 { printf "%-6s %-24s %4s %9s  FAILED (exit status %s)\n", $1, $2, $3, "-", $8; next }
		{
			printf "%-6s %-24s %4d %9.3f %7.3f %7.3f %11.1f %10.1f %7s %7.1f\n", $1, $2, $3, $4, $9, $10,
				$5 / $4 / 1e6, $6 / $4 / 1e6, (pk > 0 ? sprintf("%.2f", pk / $4 / 1e6) : "-"), $7 * 1024 / 1e6
		}'
	echo
	printf '%s\n' "${ROWS[@]}" | awk -F'|' '
		$8 == 0 { t[$1 "|" $2] = $4 }
		$8 == 0 && $2 == "tapsight --ingest-only" { ts[$1] = $4; rss[$1] = $7 }
		$8 == 0 && $2 == "tapsight --no-hash" { nohash = $4 }
		function ratio(what, input, base) {
			if ((input in ts) && ((input "|" base) in t))
				printf "%-34s %.2fx\n", what, t[input "|" base] / ts[input]
			else
				printf "%-34s n/a\n", what
		}
		END {
			print "throughput ratios (tapsight / baseline, higher is better):"
			ratio("  tapsight plain / pcap_loop", "plain", "pcap_loop")
			ratio("  tapsight plain / openssl sha256", "plain", "openssl sha256")
			if (nohash > 0 && ("plain|pcap_loop" in t))
				printf "%-34s %.2fx\n", "  tapsight --no-hash / pcap_loop", t["plain|pcap_loop"] / nohash
			if (("plain|tapsight --flows-only" in t) && ("plain|tapsight (everything)" in t))
				printf "%-34s %.2fx (aim: at most 1.50x)\n", "  everything / --flows-only (time)",
					t["plain|tapsight (everything)"] / t["plain|tapsight --flows-only"]
			ratio("  tapsight gzip  / zcat", "gzip", "zcat (gzip -dc)")
			ratio("  tapsight zstd  / zstd -dc", "zstd", "zstd -dc")
			line = ""
			for (i = 1; i <= 3; i++) {
				in_ = i == 1 ? "plain" : i == 2 ? "gzip" : "zstd"
				if (in_ in rss)
					line = line sprintf(" %s %.1f", in_, rss[in_] * 1024 / 1e6)
			}
			print "tapsight peak RSS (MB):" (line == "" ? " n/a" : line)
		}'
	[[ -n $TS_LABEL ]] || echo "tapsight: not built"
	echo "pcap_loop: libpcap reads no compressed files, so it has no gzip or zstd row"
}

: >"$DIR/results.txt.tmp"
if want ingest; then
	ingest_inputs
	ingest_timing
	report | tee -a "$DIR/results.txt.tmp"
fi
if want flows; then
	# shellcheck source=tests/bench/flows_bench.sh
	source "${BASH_SOURCE[0]%/*}/flows_bench.sh"
fi
if want ics; then
	# shellcheck source=tests/bench/ics_bench.sh
	source "${BASH_SOURCE[0]%/*}/ics_bench.sh"
fi
if want compare; then
	# shellcheck source=tests/bench/compare_bench.sh
	source "${BASH_SOURCE[0]%/*}/compare_bench.sh"
fi
mv "$DIR/results.txt.tmp" "$DIR/results.txt"
note "saved $DIR/results.txt"
exit "$FAILED"
