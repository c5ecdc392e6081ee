package dev.extfarm.registry.blob;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Blobs in an S3-compatible bucket, keys as object keys. A write is buffered in memory up to one
 * part ({@code partSize}); a blob that fits is put under its key only after its sha-256 was
 * verified, so unverified bytes never reach the bucket. Larger writes stream as a multipart upload
 * to a temporary key {@code _uploads/<uuid>}; after verification they are completed, copied
 * server-side to the key and the temporary is deleted. Abandoned temporaries and multipart uploads
 * are removed by {@link #cleanTemporaries}.
 */
public final class S3BlobStore implements BlobStore {

    /** S3's minimum part size (the last part may be smaller). */
    public static final int MIN_PART_SIZE = 5 << 20;

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final int partSize;

    public S3BlobStore(S3Client s3, S3Presigner presigner, String bucket, int partSize) {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("extfarm.blob.s3.part-size must be at least " + MIN_PART_SIZE + " bytes");
        }
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
        this.partSize = partSize;
    }

    @Override
    public Optional<BlobInfo> stat(BlobKey key) throws IOException {
        try {
            var head = s3.headObject(r -> r.bucket(bucket).key(key.path()));
            return Optional.of(new BlobInfo(key, head.contentLength(), head.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw io("stat", key, e);
        } catch (SdkException e) {
            throw io("stat", key, e);
        }
    }

    @Override
    public InputStream open(BlobKey key, long offset) throws IOException {
        GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(bucket).key(key.path());
        if (offset > 0) {
            req.range("bytes=" + offset + "-");
        }
        try {
            return s3.getObject(req.build());
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key.path());
        } catch (SdkException e) {
            throw io("read", key, e);
        }
    }

    @Override
    public BlobWriter writer(BlobKey key) {
        return new Writer(key);
    }

    private final class Writer extends BlobWriter {
        private final String tempKey = BlobKey.UPLOADS + "/" + UUID.randomUUID();
        private final byte[] buf = new byte[partSize];
        private int filled;
        private String uploadId;
        private final List<CompletedPart> parts = new ArrayList<>();

        Writer(BlobKey key) {
            super(key);
        }

        @Override
        protected void writeTemporary(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, buf.length - filled);
                System.arraycopy(b, off, buf, filled, n);
                filled += n;
                off += n;
                len -= n;
                if (filled == buf.length) {
                    flushPart();
                }
            }
        }

        private void flushPart() throws IOException {
            try {
                if (uploadId == null) {
                    uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(tempKey)).uploadId();
                }
                int number = parts.size() + 1;
                String etag = s3.uploadPart(r -> r.bucket(bucket).key(tempKey).uploadId(uploadId).partNumber(number),
                        RequestBody.fromBytes(Arrays.copyOf(buf, filled))).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                filled = 0;
            } catch (SdkException e) {
                throw io("upload a part of", key, e);
            }
        }

        @Override
        protected boolean publish() throws IOException {
            try {
                if (stat(key).isPresent()) {
                    discard();
                    return false;
                }
                if (uploadId == null) {
                    s3.putObject(r -> r.bucket(bucket).key(key.path()), RequestBody.fromBytes(Arrays.copyOf(buf, filled)));
                    return true;
                }
                if (filled > 0) {
                    flushPart();
                }
                s3.completeMultipartUpload(r -> r.bucket(bucket).key(tempKey).uploadId(uploadId)
                        .multipartUpload(m -> m.parts(parts)));
                uploadId = null;
                s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(tempKey).destinationBucket(bucket).destinationKey(key.path()));
                s3.deleteObject(r -> r.bucket(bucket).key(tempKey));
                return true;
            } catch (SdkException e) {
                throw io("publish", key, e);
            }
        }

        @Override
        protected void discard() {
            try {
                if (uploadId != null) {
                    String id = uploadId;
                    uploadId = null;
                    s3.abortMultipartUpload(r -> r.bucket(bucket).key(tempKey).uploadId(id));
                }
                s3.deleteObject(r -> r.bucket(bucket).key(tempKey));
            } catch (SdkException ignored) {
                // cleanTemporaries removes what is left
            }
        }
    }

    @Override
    public boolean delete(BlobKey key) throws IOException {
        boolean existed = stat(key).isPresent();
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(key.path()));
        } catch (SdkException e) {
            throw io("delete", key, e);
        }
        return existed;
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        List<BlobInfo> out = new ArrayList<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
                if (!o.key().startsWith(BlobKey.UPLOADS + "/")) {
                    out.add(new BlobInfo(BlobKey.of(o.key()), o.size(), o.lastModified()));
                }
            }
        } catch (SdkException e) {
            throw new IOException("cannot list s3://" + bucket + "/" + prefix + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public int cleanTemporaries(Duration olderThan) throws IOException {
        Instant cutoff = Instant.now().minus(olderThan);
        int n = 0;
        try {
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(BlobKey.UPLOADS + "/")).contents()) {
                if (!o.lastModified().isAfter(cutoff)) {
                    s3.deleteObject(r -> r.bucket(bucket).key(o.key()));
                    n++;
                }
            }
            for (MultipartUpload u : s3.listMultipartUploads(r -> r.bucket(bucket).prefix(BlobKey.UPLOADS + "/")).uploads()) {
                if (!u.initiated().isAfter(cutoff)) {
                    s3.abortMultipartUpload(r -> r.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
                    n++;
                }
            }
        } catch (SdkException e) {
            throw new IOException("cannot clean temporaries in s3://" + bucket + ": " + e.getMessage(), e);
        }
        return n;
    }

    @Override
    public Optional<URI> presignedGet(BlobKey key, Duration ttl) {
        if (presigner == null) {
            return Optional.empty();
        }
        var url = presigner.presignGetObject(p -> p.signatureDuration(ttl)
                .getObjectRequest(r -> r.bucket(bucket).key(key.path()))).url();
        try {
            return Optional.of(url.toURI());
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    @Override
    public String describe() {
        return "s3 bucket " + bucket;
    }

    private IOException io(String what, BlobKey key, SdkException e) {
        return new IOException("cannot " + what + " s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }
}
