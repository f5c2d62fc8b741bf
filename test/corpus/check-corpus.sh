#!/bin/bash
# Re-verifies test/corpus/dts against the real dtc 1.6.1 and rewrites dts/EXPECTED.tsv.
# For every *.dts: reads the flags from the first line (`// dtc-flags: ...`), runs
#   dtc FLAGS -I dts -O dtb, dtc FLAGS -I dts -O dts, and (if the first succeeded) dtc -I dtb -O dts
# each under `timeout 10`, and records how dtc reported a failure (error_kind), and fails loudly if dtc crashed (>= 124) on any of them: the corpus
# must never contain inputs that make dtc 1.6.1 hang or abort.
set -u
cd "$(dirname "$0")/dts" || exit 1
DTC=${DTC:-/usr/bin/dtc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
{
  printf 'file\tflags\texit_dtb\texit_dts\texit_dtb_to_dts\terror_kind\n'
  for f in *.dts; do
    flags=$(head -1 "$f" | sed -n 's#^// dtc-flags:[ ]*##p')
    # shellcheck disable=SC2086
    timeout 10 "$DTC" $flags -I dts -O dtb -o "$tmp/o.dtb" "$f" 2>"$tmp/err"; a=$?
    # How dtc reported a failure: at a source position, a file it could not open, or a bad flag.
    kind=-
    if [ "$a" -ne 0 ]; then
      if grep -qE '[^ :]+:[0-9]+\.[0-9]+' "$tmp/err"; then kind=located
      elif grep -q "Couldn't open" "$tmp/err"; then kind=open
      elif grep -q 'FATAL ERROR' "$tmp/err"; then kind=cli
      else kind=unlocated; fi
    fi
    # shellcheck disable=SC2086
    timeout 10 "$DTC" $flags -I dts -O dts -o "$tmp/o.dts" "$f" 2>/dev/null; b=$?
    c=-
    if [ "$a" -eq 0 ]; then timeout 10 "$DTC" -I dtb -O dts -o "$tmp/r.dts" "$tmp/o.dtb" 2>/dev/null; c=$?; fi
    for x in $a $b $c; do
      if [ "$x" != - ] && [ "$x" -ge 124 ]; then echo "dtc crashed or hung ($x) on $f" >&2; bad=1; fi
    done
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$flags" "$a" "$b" "$c" "$kind"
  done
} > EXPECTED.tsv
awk -F'\t' 'NR>1{n[$3]++} END{for (k in n) printf "exit %s: %d files\n", k, n[k]}' EXPECTED.tsv | sort
exit $bad
