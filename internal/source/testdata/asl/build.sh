#!/bin/sh
# Compiles every *.asl here with iasl (Debian package acpica-tools) into a
# table directory ../tables/NAME/DSDT, laid out like
# /sys/firmware/acpi/tables. The compiled tables are committed; run this
# only after editing an .asl file.
#
# iasl rejects the real-world IDs (VMGENCTR and VM_Gen_Counter are not
# PNP-style _HIDs) and exits non-zero; -f makes it write the AML anyway,
# and the script checks that it did.
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for src in *.asl; do
	name=${src%.asl}
	iasl -f -vs -vi -p "$tmp/$name" "$src" >"$tmp/$name.log" 2>&1 || true
	if [ ! -s "$tmp/$name.aml" ]; then
		cat "$tmp/$name.log" >&2
		echo "build.sh: $src did not compile" >&2
		exit 1
	fi
	mkdir -p "../tables/$name"
	cp "$tmp/$name.aml" "../tables/$name/DSDT"
done
