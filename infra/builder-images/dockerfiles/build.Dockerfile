# Registry-based EQUIVALENT of the build image that build-images.sh makes with
# docker run + docker commit: the runtime image (from runtime.Dockerfile, or the one
# build-images.sh made) plus the build packages, a builder user (uid 1000) and /build.
# NOT used on our build machines; see runtime.Dockerfile for the context.
#
#   docker build -f dockerfiles/build.Dockerfile --network host \
#       --build-arg RUNTIME_IMAGE=extfarm/runtime:bookworm-pg15-dockerfile \
#       --build-arg TARGET=bookworm-pg15 -t extfarm/build:bookworm-pg15-dockerfile .
ARG RUNTIME_IMAGE=extfarm/runtime:bookworm-pg15-dockerfile
FROM ${RUNTIME_IMAGE}
ARG RUNTIME_IMAGE
ARG TARGET=bookworm-pg15

COPY lib/build-setup.sh /tmp/extfarm-setup/
COPY definitions/${TARGET}/ /tmp/extfarm-setup/definition/
RUN bash /tmp/extfarm-setup/build-setup.sh /tmp/extfarm-setup/definition \
    && rm -rf /tmp/extfarm-setup

# PG_MAJOR comes from the runtime image's environment.
ENV PG_CONFIG=/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config
# The packages digest a Dockerfile build cannot know: blank the one inherited from the
# runtime image rather than leave a wrong one (compute it as in runtime.Dockerfile).
LABEL dev.extfarm.kind=build \
      dev.extfarm.packages-digest="" \
      dev.extfarm.runtime-image=${RUNTIME_IMAGE}
WORKDIR /build
CMD ["bash"]
