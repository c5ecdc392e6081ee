package dev.extfarm.worker.pipeline;

/**
 * The image pair of one target (e.g. bookworm-pg15), from infra/builder-images.
 *
 * @param packagesDigest sha-256 of the build image's package list: the "builder image digest" of the manifest
 * @param platform       e.g. debian-12-amd64-glibc
 */
public record BuildImages(String target, int pgMajor, String buildImage, String runtimeImage, String packagesDigest,
                          String platform) {
}
