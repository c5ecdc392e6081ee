package dev.extfarm.cli.recipe.init;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PurlTest {

    @Test
    void typeNamespaceAndNameAreReadAndTheRestIgnored() {
        assertThat(Purl.parse("pkg:deb/debian/libcurl4@7.88.1-10?arch=amd64#sub")).contains(new Purl("deb", "debian", "libcurl4"));
        assertThat(Purl.parse("pkg:generic/openssl")).contains(new Purl("generic", "", "openssl"));
        assertThat(Purl.parse("pkg:pgxn/pgtap@1.1.0")).contains(new Purl("pgxn", "", "pgtap"));
        assertThat(Purl.parse("pkg:generic/libstdc%2B%2B")).contains(new Purl("generic", "", "libstdc++"));
        assertThat(Purl.parse("pkg:deb/debian/libc%2B%2B1")).contains(new Purl("deb", "debian", "libc++1"));
    }

    @Test
    void notAPurlIsEmpty() {
        assertThat(Purl.parse("openssl")).isEmpty();
        assertThat(Purl.parse("pkg:generic")).isEmpty();
        assertThat(Purl.parse("pkg:/x")).isEmpty();
        assertThat(Purl.parse("pkg:generic/")).isEmpty();
    }
}
