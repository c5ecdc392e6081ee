package dev.extfarm.bundle;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A bundle written entry by entry: a valid manifest.json first (listing what the test says the
 * archive holds), then the control file it needs, then whatever entries the test writes with
 * {@link RawTar}, crafted or not. Without tricks such a bundle is accepted, so a refusal is about
 * the trick alone.
 */
final class CraftedBundle {

    static final String CONTROL = "share/extension/a.control";
    static final byte[] CONTROL_BYTES = "default_version = '1.0'\n".getBytes(StandardCharsets.UTF_8);

    private final List<BundleManifest.FileEntry> listed = new ArrayList<>();

    CraftedBundle() {
        lists(CONTROL, CONTROL_BYTES);
    }

    CraftedBundle lists(String path, byte[] content) {
        listed.add(BundleManifest.FileEntry.file(path, content.length, Digests.sha256(content), false));
        return this;
    }

    CraftedBundle lists(String path, String content) {
        return lists(path, content.getBytes(StandardCharsets.UTF_8));
    }

    CraftedBundle listsLink(String path, String target) {
        listed.add(BundleManifest.FileEntry.symlink(path, target));
        return this;
    }

    byte[] manifest() {
        return BundleManifest.builder().name("a").version("1.0").pgMajor(17)
                .platform(Platform.parse("debian-13-amd64-glibc")).extensions(List.of("a")).license("MIT").build()
                .withFiles(listed).toJson();
    }

    /** manifest.json and the control file, written; the test adds the rest and calls {@code end()}. */
    RawTar tar() {
        return new RawTar().file(BundleLayout.MANIFEST, manifest()).file(CONTROL, CONTROL_BYTES);
    }
}
