#!/usr/bin/env bash
# Runs the cluster check (FirstDeployITCase) alone; `mvn verify`, and so ./prunestream test, runs it
# too. It runs what the k8s/ manifests run -- the rendered overlays/cpu: the producer Job's
# container, the FlinkDeployment's entrypoint, jar, entry class, arguments and Flink configuration
# -- on a standalone Flink 2.2.1 cluster of separate JVMs laid out like the image, against a real
# broker, with two faults and an upgrade (see the test's Javadoc and k8s/README.md, "First deploy,
# step by step"). Logs: flink-job/cluster-check/target/first-deploy/logs.
# Usage: flink-job/cluster-check/run.sh   (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/../.."
# the image's files (k8s/image) and what they are built from; -DskipTests skips the check as well
mvn -B -q -DskipTests -Dspotless.check.skip=true install -pl flink-job/cluster-check -am
mvn -B -Dspotless.check.skip=true verify -pl flink-job/cluster-check
