# shellcheck shell=bash
# plant_capture.sh - the hour of the simulated plant the ics and compare
# sections of `make bench` read (sourced; uses run.sh's $DIR, $SEED, note,
# die).  plant_capture builds it once with the plant simulator (samples/):
# every mirror's view of an hour with Modbus polled every 20 ms, in
# $DIR/ics/ (tap.pcapng about 100 MB and 800,000 frames; span.pcapng about
# as many, half of them duplicates), rebuilt when the simulator or the
# settings change.
#
# Environment (defaults in brackets):
#   SIM                the simulator          [build/release/tapsight-sim]
#   BENCH_ICS_SECONDS  simulated seconds      [3600]

SIM=${SIM:-build/release/tapsight-sim}
ICS_SECONDS=${BENCH_ICS_SECONDS:-3600}
[[ $ICS_SECONDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ICS_SECONDS must be a positive integer, not '$ICS_SECONDS'"
[[ -x $SIM ]] || die "no simulator at $SIM (make bench builds it)"
PLANT_DIR=$DIR/ics
PLANT_PARAMS="tapsight-sim --seed $SEED --duration $ICS_SECONDS --poll-ms 20 --no-copies $(sha256sum "$SIM" | cut -c 1-16)"

plant_capture() {
	if [[ -s $PLANT_DIR/tap.pcapng && "$(cat "$PLANT_DIR/params" 2>/dev/null)" == "$PLANT_PARAMS" ]]; then
		return
	fi
	note "simulating $ICS_SECONDS s of the plant into $PLANT_DIR"
	rm -rf "$PLANT_DIR"
	mkdir -p "$PLANT_DIR"
	"$SIM" --seed "$SEED" --duration "$ICS_SECONDS" --poll-ms 20 --no-copies -o "$PLANT_DIR" >/dev/null ||
		die "tapsight-sim failed"
	printf '%s\n' "$PLANT_PARAMS" >"$PLANT_DIR/params"
}
