# Registry-based EQUIVALENT of the runtime image that build-images.sh makes with
# debootstrap + docker import. For machines that can pull debian:<suite>-slim; NOT used on
# our build machines (no registry reachable). It runs the same runtime-setup.sh on the
# same definition, so the package set is the same; the image is not byte-identical
# (debian:*-slim is a debootstrap minbase with its own dpkg excludes).
#
# Build context: infra/builder-images. Example (bookworm-pg15):
#   docker build -f dockerfiles/runtime.Dockerfile --network host \
#       --build-arg SUITE=bookworm --build-arg TARGET=bookworm-pg15 --build-arg PG_MAJOR=15 \
#       --build-arg PLATFORM=debian-12-amd64-glibc \
#       -t extfarm/runtime:bookworm-pg15-dockerfile .
# The packages digest is only known after the build:
#   docker run --rm IMAGE sha256sum /usr/share/extfarm/packages.txt
ARG SUITE=bookworm
ARG BASE_IMAGE=debian:${SUITE}-slim
FROM ${BASE_IMAGE}
ARG SUITE=bookworm
ARG TARGET=bookworm-pg15
ARG PG_MAJOR=15
ARG PLATFORM=debian-12-amd64-glibc

COPY lib/runtime-setup.sh /tmp/extfarm-setup/
COPY definitions/${TARGET}/ /tmp/extfarm-setup/definition/
RUN bash /tmp/extfarm-setup/runtime-setup.sh /tmp/extfarm-setup/definition \
    && rm -rf /tmp/extfarm-setup

ENV PG_MAJOR=${PG_MAJOR} \
    LANG=C.UTF-8 \
    PATH=/usr/lib/postgresql/${PG_MAJOR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL dev.extfarm.kind=runtime \
      dev.extfarm.target=${TARGET} \
      dev.extfarm.suite=${SUITE} \
      dev.extfarm.pg-major=${PG_MAJOR} \
      dev.extfarm.platform=${PLATFORM}
CMD ["bash"]
