#!/usr/bin/env bash
# Where rsx's and the parse floor's CPU time goes (parse, encode, memcpy, kernel, other) per data
# set of bench/run.sh, from perf's cpu-clock samples: builds rsx, starts rsx-emulator, runs
# bench/split.py and prints a Markdown table. Needs perf (apt-get install linux-perf) with
# perf_event_paranoid <= 2. SHAPE_ROWS, MIXED_ROWS and WIDE_ROWS size the data sets as in
# bench/run.sh. About 2 minutes on 2 cores.
exec bash "$(dirname "$0")/instructions.sh" --split
