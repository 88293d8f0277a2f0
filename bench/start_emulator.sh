# Sourced by the bench scripts: builds rsx, starts rsx-emulator in a temporary folder ($dir),
# exports its --print-env variables, and stops it on exit. $EMULATOR_ARGS go to the emulator.
# Under ctest the build is done; rebuilding then could relink binaries other tests are running.
if [ -z "${RSX_NO_BUILD:-}" ]; then bash scripts/build >/dev/null; fi
dir=$(mktemp -d)
./build/rsx-emulator --ready-file "$dir/ready" --print-env ${EMULATOR_ARGS:-} >"$dir/env" 2>"$dir/log" &
emu=$!
trap 'kill $emu 2>/dev/null; wait $emu 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 300); do [ -f "$dir/ready" ] && break; sleep 0.1; done
[ -f "$dir/ready" ] || { cat "$dir/log" >&2; exit 1; }
set -a; . "$dir/env"; set +a
export AWS_EC2_METADATA_DISABLED=true
