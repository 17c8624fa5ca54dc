#!/usr/bin/env bash
# Submits the job jar with `flink run -p 2` to a real standalone Flink 2.2.1 session cluster (a job
# manager and two task managers of one slot each, separate JVMs, class path from Maven Central as
# in flink-dist's lib/), against a real Kafka broker, and checks that both runs published pruned
# models and that each task manager trained one run (RunPlacement puts r50 and r90 on different
# subtasks): from each task manager's stdout (the job prints a line per published version, from
# the subtask that owns the run) and from Flink's REST API (where each trainer subtask ran).
# Usage: flink-job/cluster-check/run.sh   (from the repository root)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/flink-job/cluster-check"
WORK="$(mktemp -d /tmp/prunestream-cluster.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

cd "$ROOT"
mvn -q -B -DskipTests -Dspotless.check.skip=true install
mkdir -p "$ROOT/target" && touch "$ROOT/target/.built" # ./prunestream builds no second time
mvn -q -B -DskipTests -Dspotless.check.skip=true -Pjob-jar package -pl flink-job
mvn -q -B -f "$HERE/pom.xml" dependency:build-classpath -Dmdep.outputFile="$WORK/flink.cp"
FLINK_CP="$(cat "$WORK/flink.cp")"
# what flink's bin scripts add on Java 17
OPENS="--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"
LOG="-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
export OMP_WAIT_POLICY=PASSIVE

java $OPENS -Xmx1g $LOG -cp "$FLINK_CP" org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
  --configDir "$HERE" > "$WORK/jobmanager.log" 2>&1 & pids+=($!)
# one core each: two task managers share this host
for tm in tm-1 tm-2; do
  OMP_NUM_THREADS=1 java $OPENS -Xmx2500m -XX:MaxDirectMemorySize=2500m $LOG \
    -Dorg.bytedeco.javacpp.platform.extension=-onednn -Dorg.eclipse.deeplearning4j.helpers.disable=false \
    -cp "$FLINK_CP" org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$HERE" \
    -Dtaskmanager.resource-id=$tm > "$WORK/$tm.log" 2>&1 & pids+=($!)
done

mvn -q -B -pl test-support dependency:build-classpath -Dmdep.outputFile="$WORK/broker.cp" -Dmdep.includeScope=runtime
BROKER_CP="$ROOT/test-support/target/classes:$(cat "$WORK/broker.cp")"
java -cp "$BROKER_CP" io.prunestream.testing.LocalKafkaBroker "$WORK/kafka" \
  prunestream-samples:2 prunestream-dead-letter:1 > "$WORK/kafka.log" 2>&1 & pids+=($!)
for i in $(seq 1 60); do grep -qs "Kafka is running at" "$WORK/kafka.log" && break; sleep 1; done
SERVERS="$(sed -n 's/.*Kafka is running at \([^ ]*\).*/\1/p' "$WORK/kafka.log")"
[ -n "$SERVERS" ] || { echo "broker did not start, see $WORK/kafka.log" >&2; exit 1; }
for i in $(seq 1 60); do curl -s localhost:8081/overview | grep -q '"taskmanagers":2' && break; sleep 1; done

"$ROOT/prunestream" produce --bootstrap-servers "$SERVERS" --topic prunestream-samples --limit 20000 \
  --samples-per-record 8 --quiet
FLINK_CONF_DIR="$HERE" java $OPENS $LOG -cp "$FLINK_CP" org.apache.flink.client.cli.CliFrontend run -p 2 \
  "$ROOT/flink-job/target/prunestream-job.jar" --bootstrap-servers "$SERVERS" --config "$HERE/job.yaml" \
  --output.dir "$WORK/models"

for run in r50 r90; do
  report="$(ls -d "$WORK/models/$run"/v* | tail -1)/report.json"
  python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["params"] < r["baseParams"], r
print(f'{r["runId"]}: v{r["version"]} at iteration {r["iteration"]}, params {r["baseParams"]} -> {r["params"]}, '
      f'FLOPs x{r["flopsSpeedup"]:.2f}, widths {r["widths"]}, accuracy {r["accuracy"]}')
PY
done
# each task manager trained one run: the versions it printed, and the trainer subtask it ran
python3 - "$WORK" <<'PY'
import json, re, sys, urllib.request
work = sys.argv[1]
def rest(path):
    return json.load(urllib.request.urlopen("http://localhost:8081" + path))
job = next(j for j in rest("/jobs/overview")["jobs"] if j["name"] == "prunestream")
assert job["state"] == "FINISHED", job["state"]
where = {}  # vertex name -> {subtask index: task manager}
for v in rest(f"/jobs/{job['jid']}")["vertices"]:
    subtasks = rest(f"/jobs/{job['jid']}/vertices/{v['id']}")["subtasks"]
    where[v["name"]] = {s["subtask"]: (s["taskmanager-id"], s["metrics"]["read-records"]) for s in subtasks}
trainer = next(n for n in where if "trainer" in n)
printer = next(n for n in where if "metrics" in n)
runs_of = {}
for tm in ("tm-1", "tm-2"):
    # print() prefixes each line with its subtask number (1-based)
    lines = re.findall(r"^(\d+)> run (\S+) published", open(f"{work}/{tm}.log").read(), re.M)
    runs_of[tm] = sorted({run for _, run in lines})
    for n, run in set(lines):
        i = int(n) - 1
        assert where[printer][i][0] == tm and where[trainer][i][0] == tm, (tm, run, where)
        print(f"{tm}: run {run} trained by subtask {i} of '{trainer}' "
              f"({where[trainer][i][1]} records in), {lines.count((n, run))} versions printed")
assert sorted(runs_of.values()) == [["r50"], ["r90"]], runs_of
PY
echo "flink run on a standalone cluster with 2 task managers: OK (logs in $WORK)"
