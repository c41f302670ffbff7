#!/usr/bin/env bash
# Records the sysfs/procfs files SystemFiles reads into a fixture tree:
#   Tests/Fixtures/sysfs/record.sh Tests/Fixtures/sysfs/<name>
# Only small text files are copied (no smaps: it is per process).
set -euo pipefail
out=${1:?usage: record.sh OUTPUT_DIRECTORY}
copy() {
  for source in "$@"; do
    [ -r "$source" ] && [ -f "$source" ] || continue
    mkdir -p "$out$(dirname "$source")"
    cat "$source" >"$out$source" 2>/dev/null || rm -f "$out$source"
  done
}
cpu=/sys/devices/system/cpu
copy $cpu/online $cpu/possible $cpu/present $cpu/offline
for dir in $cpu/cpu[0-9]*; do
  copy "$dir"/online "$dir"/topology/{core_id,physical_package_id,thread_siblings_list}
  copy "$dir"/cache/index*/{level,type,size,coherency_line_size,shared_cpu_list}
done
node=/sys/devices/system/node
copy $node/online $node/possible $node/node*/cpulist
copy /sys/kernel/mm/transparent_hugepage/enabled
copy /sys/kernel/mm/hugepages/hugepages-*/{nr_hugepages,free_hugepages}
copy /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpuset.cpus.effective
copy /proc/meminfo /proc/cpuinfo
