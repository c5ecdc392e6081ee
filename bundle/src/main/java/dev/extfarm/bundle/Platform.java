package dev.extfarm.bundle;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.regex.Pattern;

/**
 * What a bundle was built for. {@link #id()} is the compact form used in URLs, tags and compute
 * specs: {@code <distro>-<arch>-<libc>}, e.g. {@code debian-12-amd64-glibc}.
 *
 * @param os     {@code linux}
 * @param distro distribution and release, e.g. {@code debian-12}, {@code debian-sid}
 * @param arch   Debian architecture name, e.g. {@code amd64}, {@code arm64}
 * @param libc   {@code glibc} or {@code musl}
 */
public record Platform(String os, String distro, String arch, String libc) {

    private static final Pattern TOKEN = Pattern.compile("[a-z0-9][a-z0-9._]*");
    private static final Pattern DISTRO = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    public Platform {
        check("platform.os", os, TOKEN);
        check("platform.distro", distro, DISTRO);
        check("platform.arch", arch, TOKEN);
        check("platform.libc", libc, TOKEN);
    }

    private static void check(String field, String value, Pattern pattern) {
        if (value == null || value.length() > 64 || !pattern.matcher(value).matches()) {
            throw new InvalidManifestException(field, "'" + value + "' must match " + pattern.pattern());
        }
    }

    /** Parses {@code debian-12-amd64-glibc}: the last two dash-separated tokens are arch and libc. */
    public static Platform parse(String id) {
        if (id == null) {
            throw new InvalidManifestException("platform", "is required, e.g. debian-12-amd64-glibc");
        }
        int libcDash = id.lastIndexOf('-');
        int archDash = libcDash > 0 ? id.lastIndexOf('-', libcDash - 1) : -1;
        if (archDash <= 0) {
            throw new InvalidManifestException("platform", "'" + id + "' must look like <distro>-<arch>-<libc>, e.g. debian-12-amd64-glibc");
        }
        return new Platform("linux", id.substring(0, archDash), id.substring(archDash + 1, libcDash), id.substring(libcDash + 1));
    }

    @JsonIgnore
    public String id() {
        return distro + "-" + arch + "-" + libc;
    }

    @Override
    public String toString() {
        return id();
    }
}
