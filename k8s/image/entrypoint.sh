#!/usr/bin/env bash
# prunestream's wrapper around Flink's /docker-entrypoint.sh, named by the FlinkDeployment's
# kubernetes.entry.path. Before Flink starts it
#  - sets OMP_NUM_THREADS (unless set) to the container's CPU limit / task slots, at least 1:
#    ND4J's OpenMP pool otherwise sizes itself from the node's cores, and every slot trains a run
#    at the same time. CPU limit: PRUNESTREAM_CPU_LIMIT_MILLICORES (downward API), else the
#    cgroup's cpu.max, else the cores the JVM would see; slots: PRUNESTREAM_TASK_SLOTS (default 1);
#  - on TaskManagers: checks each GPU nvidia-smi reports against the CUDA kernels ND4J ships and
#    stops with the reason if one cannot run them, then prints the ND4J backend, devices and
#    compute capability (io.prunestream.core.nn.BackendInfo; exits 1 on an unsupported GPU).
# The PRUNESTREAM_FLINK_ENTRYPOINT, _CLASSPATH, _NVIDIA_SMI and _CGROUP_CPU_MAX overrides exist for
# K8sManifestsTest.
set -euo pipefail

flink_entrypoint="${PRUNESTREAM_FLINK_ENTRYPOINT:-/docker-entrypoint.sh}"
# the image's layout: prunestream in usrlib/, ND4J in Flink's lib/
classpath="${PRUNESTREAM_CLASSPATH:-/opt/flink/usrlib/*:/opt/flink/lib/*}"
nvidia_smi="${PRUNESTREAM_NVIDIA_SMI:-nvidia-smi}"
cpu_max="${PRUNESTREAM_CGROUP_CPU_MAX:-/sys/fs/cgroup/cpu.max}"

cpu_millicores() {
  if [[ -n "${PRUNESTREAM_CPU_LIMIT_MILLICORES:-}" ]]; then
    echo "$PRUNESTREAM_CPU_LIMIT_MILLICORES"
    return
  fi
  if [[ -r "$cpu_max" ]]; then
    local quota period
    read -r quota period < "$cpu_max"
    if [[ "$quota" != max ]]; then
      echo $(( quota * 1000 / period ))
      return
    fi
  fi
  echo $(( $(nproc) * 1000 ))
}

if [[ -z "${OMP_NUM_THREADS:-}" ]]; then
  millicores="$(cpu_millicores)"
  slots="${PRUNESTREAM_TASK_SLOTS:-1}"
  threads=$(( millicores / 1000 / slots ))
  (( threads >= 1 )) || threads=1
  export OMP_NUM_THREADS="$threads"
  echo "prunestream: OMP_NUM_THREADS=$OMP_NUM_THREADS (CPU limit ${millicores}m / $slots task slots)"
fi

if [[ "$*" == *kubernetes-taskmanager.sh* ]]; then
  if command -v "$nvidia_smi" >/dev/null 2>&1; then
    while IFS=, read -r name capability; do
      [[ -n "$capability" ]] || continue
      java -cp "$classpath" io.prunestream.core.nn.BackendInfo \
        --device "$(echo "$name" | xargs)" --compute-capability "$(echo "$capability" | xargs)"
    done < <("$nvidia_smi" --query-gpu=name,compute_cap --format=csv,noheader)
  fi
  java ${PRUNESTREAM_BACKEND_JAVA_OPTS:-} -cp "$classpath" io.prunestream.core.nn.BackendInfo
fi

exec "$flink_entrypoint" "$@"
