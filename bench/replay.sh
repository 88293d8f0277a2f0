#!/usr/bin/env bash
# rsx's user-space hot path against the parse floor on saved result pages (bench/replay.py,
# build/page_replay), per data set of bench/run.sh: builds rsx, starts rsx-emulator and prints a
# Markdown table. REPLAY_BASELINE=/path/to/an/older/page_replay compares two builds. About 3
# minutes on 2 cores.
exec bash "$(dirname "$0")/instructions.sh" --replay
