#!/usr/bin/env bash
# Builds the prunestream image: the job jar (CPU, or CUDA with -Pcuda), staged in
# k8s/image/build/usrlib, then `docker build`.
# Usage: k8s/image/build.sh [cpu|cuda] [image-name]   (from anywhere; default: cpu prunestream)
#   cpu  -> <image-name>:0.1.0        cuda -> <image-name>:0.1.0-cuda
# Push the result to a registry your cluster pulls from and set spec.image (FlinkDeployment)
# and the producer Job's image, or load it into a local cluster (kind load docker-image ...).
set -euo pipefail
VARIANT="${1:-cpu}"
NAME="${2:-prunestream}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/k8s/image"
VERSION=0.1.0   # the tag the manifests name (k8s/base, k8s/overlays/gpu)
case "$VARIANT" in
  cpu)  PROFILES="";       TAG="$NAME:$VERSION" ;;
  cuda) PROFILES="-Pcuda"; TAG="$NAME:$VERSION-cuda" ;;
  *) echo "usage: $0 [cpu|cuda] [image-name]" >&2; exit 2 ;;
esac

cd "$ROOT"
mvn -B -q -DskipTests -Dspotless.check.skip=true $PROFILES install
mvn -B -q -DskipTests -Dspotless.check.skip=true $PROFILES -Pjob-jar package -pl flink-job

rm -rf "$HERE/build" && mkdir -p "$HERE/build/usrlib"
cp flink-job/target/prunestream-job.jar "$HERE/build/usrlib/"
if [ "$VARIANT" = cuda ]; then
  # CUDA 11.6 + cuDNN 8.3 libraries for ND4J M2.1, loaded by JavaCPP from the class path (1.8 GB)
  mvn -B -q dependency:copy -Dartifact=org.bytedeco:cuda:11.6-8.3-1.5.7:jar:linux-x86_64-redist \
    -DoutputDirectory="$HERE/build/usrlib"
fi
docker build --build-arg VARIANT="$VARIANT" -t "$TAG" "$HERE"
echo "built $TAG"
