package dev.extfarm.registry.blob;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "extfarm.blob")
public interface BlobStoreConfig {

    /** {@code filesystem} (default) or {@code s3}. */
    @WithDefault("filesystem")
    Kind kind();

    /** Filesystem store root; default {@code <extfarm.data-dir>/blobs}. */
    Optional<Path> root();

    /** Temporaries untouched this long are removed (periodically, and at start for S3). */
    @WithDefault("1h")
    Duration tempMaxAge();

    S3 s3();

    enum Kind { FILESYSTEM, S3 }

    interface S3 {
        /** e.g. {@code http://127.0.0.1:9000}; empty for AWS itself. */
        Optional<URI> endpoint();

        @WithDefault("extfarm")
        String bucket();

        @WithDefault("us-east-1")
        String region();

        Optional<String> accessKeyId();

        Optional<String> secretAccessKey();

        /** Path-style addressing (most S3-compatible servers need it). */
        @WithDefault("true")
        boolean pathStyle();

        /** Create the bucket at start if it does not exist. */
        @WithDefault("false")
        boolean createBucket();

        /** Bytes buffered per upload before a multipart part is sent; at least 5 MiB. */
        @WithDefault("8388608")
        int partSize();

        /** Answer valid signed links to private bundles with a redirect to a presigned S3 URL. */
        @WithDefault("false")
        boolean redirectSignedLinks();
    }
}
