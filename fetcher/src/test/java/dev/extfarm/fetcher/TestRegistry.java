package dev.extfarm.fetcher;

import java.net.URI;
import java.nio.file.Path;

/**
 * What the tests need from a registry: publish a bundle file, take a grant away, and the spec URL
 * and compute token a fetcher uses. {@link RegistryFixture} implements it on 127.0.0.1; an
 * implementation against the real registry-server (upload with a worker token, grant the tenant,
 * issue a compute token) can replace it in every test that uses only this interface.
 */
public interface TestRegistry extends AutoCloseable {

    /** Makes the bundle available to the tenant (a newer version of a name replaces the older in the spec). */
    void publish(Path bundleTar) throws Exception;

    /** The tenant loses this bundle. */
    void revoke(String name) throws Exception;

    URI specUrl();

    String computeToken();

    /** What a fetcher of this registry trusts: the registry's signing keys. */
    dev.extfarm.fetcher.trust.Trust trust() throws Exception;
}
