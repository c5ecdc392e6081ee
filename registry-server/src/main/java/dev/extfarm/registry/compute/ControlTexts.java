package dev.extfarm.registry.compute;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control file texts that compute specs carry inline ({@code "control"}), so a fetcher's phase 1
 * lists every extension without a request per bundle. Control blobs are immutable (their address
 * holds the bundle's sha-256), so each is read from the blob store once and kept (a few hundred
 * bytes per bundle version). A blob that is missing, over {@link #MAX_BYTES} or not UTF-8 is left
 * out: the fetcher then uses {@code control_link}.
 */
@ApplicationScoped
public class ControlTexts {

    /** The fetcher's own limit for a control file is 256 KiB; anything near it stays a link. */
    static final int MAX_BYTES = 16 * 1024;

    @Inject
    BlobStore store;

    private final ConcurrentHashMap<String, String> texts = new ConcurrentHashMap<>();

    public Optional<String> of(BundleAddress address, String extension) {
        BlobKey key = BlobKey.control(address, extension);
        String known = texts.get(key.path());
        if (known != null) {
            return Optional.of(known);
        }
        try (InputStream in = store.open(key, 0)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                return Optional.empty();
            }
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            texts.put(key.path(), text);
            return Optional.of(text);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        } catch (IOException e) {
            Log.warnf("control file %s is not readable (%s); the compute spec links it instead of carrying it", key.path(), e.getMessage());
            return Optional.empty();
        }
    }
}
