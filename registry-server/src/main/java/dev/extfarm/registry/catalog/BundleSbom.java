package dev.extfarm.registry.catalog;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The SPDX SBOM a bundle carries ({@code sbom.spdx.json}), read out of the stored bundle on request
 * (bundles were verified on upload, so the file is trusted to be the bundle's own). Visible to
 * whoever may see the extension.
 */
@ApplicationScoped
public class BundleSbom {

    static final int MAX_SBOM_BYTES = 8 << 20;

    @Inject
    BlobStore store;
    @Inject
    Visibility visibility;

    public byte[] read(Viewer viewer, String name, String sha256) {
        if (!BundleAddress.isValidName(name) || !visibility.canSee(viewer, name)) {
            throw notFound(name, sha256);
        }
        BundleAddress address;
        try {
            address = new BundleAddress(name, sha256);
        } catch (IllegalArgumentException e) {
            throw ExtfarmException.invalid("invalid-digest", "'" + sha256 + "' is not a sha-256 (64 lowercase hex digits)");
        }
        try (InputStream in = store.open(BlobKey.bundle(address), 0); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                if (e.getName().equals("sbom.spdx.json") && e.isFile() && e.getSize() <= MAX_SBOM_BYTES) {
                    return tar.readAllBytes();
                }
            }
        } catch (NoSuchFileException e) {
            throw notFound(name, sha256);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundle " + address + ": " + e.getMessage(), e);
        }
        throw ExtfarmException.notFound("sbom-not-found", "the bundle " + name + "/" + sha256 + " carries no sbom.spdx.json "
                + "(bundles packed outside the farm may have none)");
    }

    private static ExtfarmException notFound(String name, String sha256) {
        return ExtfarmException.notFound("bundle-not-found", "no bundle " + name + "/sha-256+" + sha256
                + "; find addresses in GET /api/v1/extensions/" + name);
    }
}
