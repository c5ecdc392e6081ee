package dev.extfarm.registry.blob;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Picks the blob store by {@code extfarm.blob.kind}. */
@ApplicationScoped
public class BlobStoreProducer {

    @Produces
    @ApplicationScoped
    BlobStore blobStore(BlobStoreConfig config, @ConfigProperty(name = "extfarm.data-dir") Path dataDir) {
        BlobStore store = switch (config.kind()) {
            case FILESYSTEM -> new FilesystemBlobStore(config.root().orElse(dataDir.resolve("blobs")));
            case S3 -> s3(config.s3());
        };
        Log.infof("blob store: %s", store.describe());
        return store;
    }

    static S3BlobStore s3(BlobStoreConfig.S3 c) {
        AwsCredentialsProvider credentials = c.accessKeyId().isPresent() && c.secretAccessKey().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(c.accessKeyId().get(), c.secretAccessKey().get()))
                : DefaultCredentialsProvider.builder().build();
        S3Configuration s3conf = S3Configuration.builder().pathStyleAccessEnabled(c.pathStyle()).build();
        var builder = S3Client.builder()
                .region(Region.of(c.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(s3conf)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        var presigner = S3Presigner.builder().region(Region.of(c.region())).credentialsProvider(credentials)
                .serviceConfiguration(s3conf);
        c.endpoint().ifPresent(builder::endpointOverride);
        c.endpoint().ifPresent(presigner::endpointOverride);
        S3Client client = builder.build();
        if (c.createBucket()) {
            try {
                client.headBucket(r -> r.bucket(c.bucket()));
            } catch (S3Exception e) {
                try {
                    client.createBucket(r -> r.bucket(c.bucket()));
                } catch (BucketAlreadyOwnedByYouException | BucketAlreadyExistsException raced) {
                    // another replica starting at the same moment created it first
                }
            }
        }
        return new S3BlobStore(client, presigner.build(), c.bucket(), c.partSize());
    }
}
