#!/usr/bin/env bash
# Builds the prunestream image: the files the k8s/image Maven module assembles (CPU, or CUDA with
# -Pcuda) in k8s/image/target/image/opt/flink -- lib/ the ND4J stack, usrlib/prunestream-job.jar the
# job and the CLI without it -- staged in k8s/image/build/opt/flink, then `docker build`.
# Usage: k8s/image/build.sh [cpu|cuda] [image-name]   (from anywhere; default: cpu prunestream)
#   cpu  -> <image-name>:0.1.0        cuda -> <image-name>:0.1.0-cuda
# Push the result to a registry your cluster pulls from and set spec.image (FlinkDeployment)
# and the producer Job's image, or load it into a local cluster (kind load docker-image ...).
set -euo pipefail
VARIANT="${1:-cpu}"
NAME="${2:-prunestream}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/k8s/image"
VERSION=0.1.0   # the tag of kustomize `images` in k8s/base and k8s/overlays/gpu (K8sManifestsTest)
case "$VARIANT" in
  cpu)  PROFILES="";       TAG="$NAME:$VERSION";      JAVA_OPTS="" ;;
  cuda) PROFILES="-Pcuda"; TAG="$NAME:$VERSION-cuda"; JAVA_OPTS="-Dorg.bytedeco.javacpp.platform.extension=-cudnn" ;;
  *) echo "usage: $0 [cpu|cuda] [image-name]" >&2; exit 2 ;;
esac

cd "$ROOT"
# -Pcuda: the full CUDA natives (nd4j-cuda-11.6 linux-x86_64-cudnn, 600 MB) are downloaded here;
# the test run only compiles against the CUDA backend (.ci/check-cuda-profile)
rm -rf "$HERE/target/image" # no jars of the other variant
mvn -B -q -DskipTests -Dspotless.check.skip=true $PROFILES install -pl k8s/image -am
IMAGE="$HERE/target/image/opt/flink"
# lib/ holds exactly one ND4J backend and its natives; the job jar none
if [ "$VARIANT" = cuda ]; then want=linux-x86_64-cudnn/libnd4jcuda.so; else want=linux-x86_64-onednn/libnd4jcpu.so; fi
# (grep without -q reads all its input: no SIGPIPE for unzip under pipefail)
for jar in "$IMAGE"/lib/nd4j-*.jar; do unzip -l "$jar"; done | grep "$want" >/dev/null \
  || { echo "build.sh: $want is in no jar of $IMAGE/lib" >&2; exit 1; }
if unzip -l "$IMAGE/usrlib/prunestream-job.jar" | grep "org/nd4j/linalg/" >/dev/null; then
  echo "build.sh: $IMAGE/usrlib/prunestream-job.jar holds ND4J; it belongs in lib/" >&2; exit 1
fi

rm -rf "$HERE/build" && mkdir -p "$HERE/build/opt/flink"
cp -r "$IMAGE/lib" "$IMAGE/usrlib" "$HERE/build/opt/flink/"
if [ "$VARIANT" = cuda ]; then
  # CUDA 11.6 + cuDNN 8.3 libraries for ND4J M2.1, loaded by JavaCPP from the class path (1.8 GB),
  # next to ND4J in lib/
  mvn -B -q dependency:copy -Dartifact=org.bytedeco:cuda:11.6-8.3-1.5.7:jar:linux-x86_64-redist \
    -DoutputDirectory="$HERE/build/opt/flink/lib"
fi
cp "$HERE/entrypoint.sh" "$HERE/build/"
docker build --build-arg VARIANT="$VARIANT" --build-arg BACKEND_JAVA_OPTS="$JAVA_OPTS" \
  -t "$TAG" "$HERE"
echo "built $TAG"
