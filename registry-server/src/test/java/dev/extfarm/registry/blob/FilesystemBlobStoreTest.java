package dev.extfarm.registry.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

class FilesystemBlobStoreTest extends BlobStoreContract {

    @TempDir
    Path root;
    private FilesystemBlobStore store;

    @BeforeEach
    void setUp() {
        store = new FilesystemBlobStore(root);
    }

    @Override
    BlobStore store() {
        return store;
    }

    @Override
    void assertCreatedOnce(long created) {
        assertThat(created).as("hard-link publishing creates the file exactly once").isEqualTo(1);
    }
}
