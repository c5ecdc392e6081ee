package dev.extfarm.recipe.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The address rules over a table of addresses and of the spellings attackers use for them. Names
 * resolve through a fixed table here (no DNS traffic); the allow list is empty unless a test sets it.
 */
class EgressPolicyTest {

    /** A stand-in for DNS: these names, these answers; any other name does not exist. */
    static final Map<String, List<String>> DNS = Map.of(
            "public.example", List.of("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
            "metadata.example", List.of("169.254.169.254"),
            "mixed.example", List.of("93.184.215.14", "10.1.2.3"),
            "mapped.example", List.of("::ffff:127.0.0.1"),
            "ula.example", List.of("fd12:3456:789a::1"));

    static InetAddress[] table(String host) throws UnknownHostException {
        List<String> answer = DNS.get(IpLiterals.normalName(host));
        if (answer == null) {
            throw new UnknownHostException(host);
        }
        InetAddress[] out = new InetAddress[answer.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = IpLiterals.parse(answer.get(i)).orElseThrow();
        }
        return out;
    }

    final EgressPolicy policy = EgressPolicy.publicOnly("EXTFARM_SOURCE_ALLOW").withResolver(EgressPolicyTest::table);

    EgressRule refusal(String url) {
        try {
            policy.check(URI.create(url));
        } catch (EgressRefusedException e) {
            return e.rule();
        } catch (UnknownHostException e) {
            throw new AssertionError(url + " did not resolve: " + e.getMessage());
        }
        return null;
    }

    @ParameterizedTest(name = "{0} is refused: {1}")
    @CsvSource(delimiter = '|', value = {
            // loopback, in every spelling a resolver might accept
            "http://127.0.0.1/                        | ADDRESS_FORBIDDEN",
            "http://127.0.0.1:7780/api/v1/admin/tokens | ADDRESS_FORBIDDEN",
            "http://127.254.3.9/                      | ADDRESS_FORBIDDEN",
            "http://[::1]/                            | ADDRESS_FORBIDDEN",
            "http://[0:0:0:0:0:0:0:1]/                | ADDRESS_FORBIDDEN",
            "http://[::ffff:127.0.0.1]/               | ADDRESS_FORBIDDEN",
            "http://[::ffff:7f00:1]/                  | ADDRESS_FORBIDDEN",
            "http://[::127.0.0.1]/                    | ADDRESS_FORBIDDEN",
            "http://[::ffff:0:7f00:1]/                | ADDRESS_FORBIDDEN",
            "http://[64:ff9b::7f00:1]/                | ADDRESS_FORBIDDEN",
            "http://[64:ff9b::a9fe:a9fe]/             | ADDRESS_FORBIDDEN",
            "http://[2002:7f00:1::]/                  | ADDRESS_FORBIDDEN",
            "http://[2002:a9fe:a9fe::1]/              | ADDRESS_FORBIDDEN",
            "http://localhost/                        | ADDRESS_FORBIDDEN",
            "http://LOCALHOST./                       | ADDRESS_FORBIDDEN",
            "http://admin.localhost/                  | ADDRESS_FORBIDDEN",
            "http://2130706433/                       | URL_HOST",
            "http://0x7f000001/                       | URL_HOST",
            "http://0x7f.0.0.1/                       | URL_HOST",
            "http://0177.0.0.1/                       | URL_HOST",
            "http://017700000001/                     | URL_HOST",
            "http://127.1/                            | URL_HOST",
            "http://127.0.1/                          | URL_HOST",
            "http://127.0.0.1./                       | URL_HOST",
            "http://127.000.000.001/                  | URL_HOST",
            "http://0/                                | URL_HOST",
            "http://evil.example.127.0.0.1/           | URL_HOST",
            // link-local (cloud metadata), private, CGNAT, unique-local, site-local
            "http://169.254.169.254/latest/meta-data/ | ADDRESS_FORBIDDEN",
            "http://metadata.example/                 | ADDRESS_FORBIDDEN",
            "http://[fe80::1]/                        | ADDRESS_FORBIDDEN",
            "http://10.0.0.1/                         | ADDRESS_FORBIDDEN",
            "http://172.16.0.1/                       | ADDRESS_FORBIDDEN",
            "http://172.31.255.255/                   | ADDRESS_FORBIDDEN",
            "http://192.168.1.1/                      | ADDRESS_FORBIDDEN",
            "http://100.64.0.1/                       | ADDRESS_FORBIDDEN",
            "http://100.127.255.254/                  | ADDRESS_FORBIDDEN",
            "http://[fd00::1]/                        | ADDRESS_FORBIDDEN",
            "http://[fc00::1]/                        | ADDRESS_FORBIDDEN",
            "http://[fec0::1]/                        | ADDRESS_FORBIDDEN",
            "http://[64:ff9b:1::a00:1]/               | ADDRESS_FORBIDDEN",
            "http://ula.example/                      | ADDRESS_FORBIDDEN",
            // unspecified, broadcast, multicast, reserved, documentation, benchmarking
            "http://0.0.0.0/                          | ADDRESS_FORBIDDEN",
            "http://[::]/                             | ADDRESS_FORBIDDEN",
            "http://0.1.2.3/                          | ADDRESS_FORBIDDEN",
            "http://255.255.255.255/                  | ADDRESS_FORBIDDEN",
            "http://224.0.0.1/                        | ADDRESS_FORBIDDEN",
            "http://239.255.255.250/                  | ADDRESS_FORBIDDEN",
            "http://[ff02::1]/                        | ADDRESS_FORBIDDEN",
            "http://240.0.0.1/                        | ADDRESS_FORBIDDEN",
            "http://192.0.2.1/                        | ADDRESS_FORBIDDEN",
            "http://198.18.0.1/                       | ADDRESS_FORBIDDEN",
            "http://192.0.0.170/                      | ADDRESS_FORBIDDEN",
            "http://[2001:db8::1]/                    | ADDRESS_FORBIDDEN",
            "http://[2001::1]/                        | ADDRESS_FORBIDDEN",
            "http://[100::1]/                         | ADDRESS_FORBIDDEN",
            "http://[::2]/                            | ADDRESS_FORBIDDEN",
            "http://[4000::1]/                        | ADDRESS_FORBIDDEN",
            // one private answer among public ones refuses the host; an IPv4-mapped answer is judged as IPv4
            "http://mixed.example/                    | ADDRESS_FORBIDDEN",
            "http://mapped.example/                   | ADDRESS_FORBIDDEN",
            // schemes, user info, hosts that cannot be checked
            "file:///etc/shadow                       | URL_SCHEME",
            "file://localhost/etc/passwd              | URL_SCHEME",
            "ftp://ftp.example/x.tar.gz               | URL_SCHEME",
            "gopher://public.example:70/              | URL_SCHEME",
            "jar:http://public.example/x.jar!/        | URL_SCHEME",
            "netdoc:///etc/passwd                     | URL_SCHEME",
            "/relative/path.tar.gz                    | URL_SCHEME",
            "http://user@public.example/              | URL_USERINFO",
            "http://public.example@127.0.0.1/         | URL_USERINFO",
            "https://a:b@public.example/              | URL_USERINFO",
            "http:///etc/passwd                       | URL_HOST",
            "http://%31%32%37.0.0.1/                  | URL_HOST",
            "http://[fe80::1%25eth0]/                 | URL_HOST",
    })
    void refused(String url, EgressRule rule) {
        assertThat(refusal(url)).as(url).isEqualTo(rule);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://public.example/pgaudit-1.7.1.tar.gz",
            "http://public.example:8080/x.tar.gz",
            "https://PUBLIC.example./x",
            "http://93.184.215.14/",
            "http://8.8.8.8/",
            "http://100.63.255.255/",        // just below CGNAT
            "http://100.128.0.0/",           // just above CGNAT
            "http://172.15.255.255/",        // just below 172.16/12
            "http://172.32.0.0/",            // just above
            "http://[2606:4700:4700::1111]/",
            "http://[::ffff:8.8.8.8]/",      // IPv4-mapped public
            "http://[64:ff9b::808:808]/",    // NAT64 of a public address
            "http://[2002:808:808::1]/",     // 6to4 of a public address
    })
    void publicAddressesPass(String url) throws Exception {
        assertThat(refusal(url)).as(url).isNull();
    }

    @Test
    void refusalsSayWhatTheAddressIsAndHowAnOperatorAllowsIt() {
        assertThatThrownBy(() -> policy.check(URI.create("http://169.254.169.254/latest/meta-data/")))
                .isInstanceOf(EgressRefusedException.class)
                .hasMessage("169.254.169.254 is a link-local address (169.254.0.0/16); the farm connects only to public addresses "
                        + "(the farm's operator can allow it: EXTFARM_SOURCE_ALLOW=169.254.169.254:80)");
        assertThatThrownBy(() -> policy.check(URI.create("https://mixed.example/x")))
                .hasMessageStartingWith("mixed.example resolves to 10.1.2.3, a private address (10.0.0.0/8); ");
        assertThatThrownBy(() -> policy.check(URI.create("http://[64:ff9b::7f00:1]:8080/")))
                .hasMessageStartingWith("64:ff9b:0:0:0:0:7f00:1 carries 127.0.0.1, a loopback address (127.0.0.0/8)");
        assertThatThrownBy(() -> policy.check(URI.create("http://0177.0.0.1/")))
                .hasMessageContaining("write the address as four decimal numbers");
    }

    @Test
    void theAllowListOpensExactlyWhatItNames() throws Exception {
        EgressPolicy allowing = policy.withAllowList(AllowList.parse("127.0.0.1:8080, 10.20.0.0/16 [::1]:9000 mirror.corp.example:8081"));

        assertThat(allowing.check(URI.create("http://127.0.0.1:8080/x"))).hasSize(1);
        assertThatThrownBy(() -> allowing.check(URI.create("http://127.0.0.1:8081/x"))).isInstanceOf(EgressRefusedException.class);
        assertThatThrownBy(() -> allowing.check(URI.create("http://127.0.0.2:8080/x"))).isInstanceOf(EgressRefusedException.class);
        assertThat(allowing.check(URI.create("http://10.20.3.4:5432/"))).hasSize(1);
        assertThatThrownBy(() -> allowing.check(URI.create("http://10.21.0.1/"))).isInstanceOf(EgressRefusedException.class);
        assertThat(allowing.check(URI.create("http://[::1]:9000/"))).hasSize(1);
        assertThatThrownBy(() -> allowing.check(URI.create("http://[::1]:9001/"))).isInstanceOf(EgressRefusedException.class);
        // a spelling trick does not become allowed because the address it means is
        assertThatThrownBy(() -> allowing.check(URI.create("http://2130706433:8080/"))).isInstanceOf(EgressRefusedException.class);
        assertThatThrownBy(() -> allowing.check(URI.create("file:///etc/passwd"))).isInstanceOf(EgressRefusedException.class);
        // an allowed name is connected to whatever it resolves to, on its port only
        EgressPolicy named = allowing.withResolver(h -> new InetAddress[]{InetAddress.getByAddress(new byte[]{10, 9, 9, 9})});
        assertThat(named.check(URI.create("http://mirror.corp.example:8081/p"))).hasSize(1);
        assertThatThrownBy(() -> named.check(URI.create("http://mirror.corp.example/p"))).isInstanceOf(EgressRefusedException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:0", "127.0.0.1:65536", "10.0.0.1/8", "10.0.0.0/33", "0x7f.1", "127.1", "http://x",
            "[::1", "::1:80:", "a_b.example", "mirror.example:http"})
    void aBadAllowListEntryIsAnErrorThatNamesIt(String entry) {
        assertThatThrownBy(() -> AllowList.parse("192.0.2.1, " + entry))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(entry.substring(0, 3));
    }

    @Test
    void anUnresolvableNameIsNotARefusal() {
        assertThatThrownBy(() -> policy.check(URI.create("https://nosuch.example/x"))).isInstanceOf(UnknownHostException.class)
                .isNotInstanceOf(EgressRefusedException.class);
    }

    @Test
    void aTrustedOriginIsAllowedOnItsPortOnly() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        EgressPolicy trusting = policy.withResolver(h -> {
            lookups.incrementAndGet();
            return new InetAddress[]{InetAddress.getByAddress(new byte[]{127, 0, 0, 1})};
        }).trustingOrigin(URI.create("http://debian-mirror.internal:3142/debian"));
        assertThat(trusting.check(URI.create("http://debian-mirror.internal:3142/debian/pool/main/x.tar.gz"))).hasSize(1);
        assertThatThrownBy(() -> trusting.check(URI.create("http://debian-mirror.internal:22/")))
                .isInstanceOf(EgressRefusedException.class);
        assertThat(lookups).hasValue(2);
    }
}
