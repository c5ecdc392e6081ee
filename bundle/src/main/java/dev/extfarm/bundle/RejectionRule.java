package dev.extfarm.bundle;

/**
 * Why a bundle was refused. The {@link #id()} is stable: tests, the CLI and the registry's
 * problem documents use it, so a person can search for it.
 */
public enum RejectionRule {
    ABSOLUTE_PATH("absolute-path", "entry names must be relative to the bundle root"),
    DOTDOT("dotdot", "entry names must not contain '..' components"),
    NON_CANONICAL_PATH("non-canonical-path", "entry names must not contain empty or '.' components"),
    BAD_NAME("bad-name", "entry names must be valid UTF-8 without control characters"),
    LINK_ESCAPE("link-escape", "symbolic links must point at a file or directory inside the bundle, and no entry may be written through a link"),
    HARDLINK("hardlink", "hard links are not allowed; store the file once"),
    DEVICE("device", "device nodes and FIFOs are not allowed"),
    SETID("setid", "setuid, setgid and sticky bits are not allowed"),
    MODE("mode", "files have mode 0644 or 0755 and directories 0755; nothing is group- or world-writable"),
    OWNER("owner", "entries are owned by uid 0 and gid 0, with no user or group names"),
    DUPLICATE("duplicate", "each path may appear only once"),
    LAYOUT("layout", "only manifest.json, sbom.spdx.json, share/extension, share/tsearch_data, share/contrib, lib, bin, doc and licenses are allowed"),
    SIZE("size", "the entry or the bundle is larger than the limit"),
    COUNT("count", "the bundle has more entries than the limit"),
    SPARSE("sparse", "sparse entries are not allowed"),
    UNKNOWN_TYPE("unknown-type", "only regular files, directories and symbolic links are allowed"),
    PAX("pax", "PAX or GNU extended headers are malformed, oversized, global or repeated, or use a keyword bundles do not use"),
    PAX_MISMATCH("pax-mismatch", "an extended header (PAX or GNU long name) must not say anything else than the tar header it extends: same size, name, link, owner and mtime"),
    BAD_HEADER("bad-header", "a tar header field is malformed, negative or out of range"),
    CHECKSUM("header-checksum", "a tar header checksum does not match"),
    TRUNCATED("truncated", "the archive ends early"),
    TRAILING_DATA("trailing-data", "non-zero bytes follow the end-of-archive marker"),
    MANIFEST_MISSING("manifest-missing", "manifest.json is required, as the first entry"),
    MANIFEST_INVALID("manifest-invalid", "manifest.json is not a valid bundle manifest"),
    META_FORMAT("meta-format", "the manifest's meta_format is newer than this extfarm understands"),
    MANIFEST_MISMATCH("manifest-mismatch", "the files do not match the manifest's list (path, size, sha-256, mode)"),
    DIGEST_MISMATCH("digest-mismatch", "the bytes do not have the expected sha-256"),
    DESTINATION_EXISTS("destination-exists", "the unpack destination already exists");

    private final String id;
    private final String rule;

    RejectionRule(String id, String rule) {
        this.id = id;
        this.rule = rule;
    }

    /** Stable identifier, e.g. {@code link-escape}. */
    public String id() {
        return id;
    }

    /** The rule in one sentence, phrased as what a valid bundle does. */
    public String rule() {
        return rule;
    }
}
