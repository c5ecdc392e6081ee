package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BundleAddressTest {

    private static final String HEX = "867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0";

    @Test
    void parsesAndFormatsTheCanonicalPath() {
        BundleAddress a = BundleAddress.parse("extensions/vector/sha-256+" + HEX + "/bundle.tar");
        assertThat(a.name()).isEqualTo("vector");
        assertThat(a.sha256()).isEqualTo(HEX);
        assertThat(a.path()).isEqualTo("extensions/vector/sha-256+" + HEX + "/bundle.tar");
        assertThat(a.digest()).isEqualTo("sha-256+" + HEX);
        assertThat(a.sibling("vector.control")).isEqualTo("extensions/vector/sha-256+" + HEX + "/vector.control");
        assertThat(BundleAddress.parse("/" + a.path())).isEqualTo(a);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "vector", "pg_trgm", "postgis-3", "0ad", "a23456789012345678901234567890123456789012345678901234567890123"})
    void acceptsValidNames(String name) {
        assertThat(BundleAddress.isValidName(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Vector", "_x", "-x", "a.b", "a/b", "..", "a b", "é",
            "a234567890123456789012345678901234567890123456789012345678901234"})
    void rejectsInvalidNamesSayingWhatIsWrong(String name) {
        assertThatThrownBy(() -> new BundleAddress(name, HEX))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must match [a-z0-9][a-z0-9_-]{0,62}");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "extensions/vector/sha-256+" + "ABCDEF" + "/bundle.tar",
            "extensions/vector/sha256:867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0/bundle.tar",
            "extensions/vector/sha-256+867A2C328D4928A5A9D6F052CD3BC78C7D60228A9B914AD32AA3DB88E9DE27B0/bundle.tar",
            "extensions/vector/sha-256+867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0/other.tar",
            "ext/vector/sha-256+867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0/bundle.tar",
            "extensions/../sha-256+867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0/bundle.tar",
            "extensions/vector/sha-256+867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0/bundle.tar/x"})
    void rejectsMalformedAddresses(String path) {
        assertThatThrownBy(() -> BundleAddress.parse(path)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void siblingMustBeAPlainFileName() {
        BundleAddress a = new BundleAddress("vector", HEX);
        assertThatThrownBy(() -> a.sibling("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.sibling(".hidden")).isInstanceOf(IllegalArgumentException.class);
    }
}
