package dev.extfarm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProblemJsonTest {

    static final ObjectMapper JSON = Wire.mapper();

    @Test
    void aRegistryProblemReadsBackAndIsWrittenByteForByte() throws Exception {
        String wire = "{\"type\":\"/problems/bundle-rejected\",\"title\":\"Unprocessable bundle\",\"status\":422,"
                + "\"detail\":\"a link escapes the bundle\",\"instance\":\"/api/v1/bundles/x\",\"rule\":\"link-escape\","
                + "\"entry\":\"lib/x.so\",\"names\":[{\"kind\":\"control\",\"name\":\"x\"}],\"retry_after\":10}";

        Problem p = Problem.read(wire).orElseThrow();

        assertThat(p.code()).isEqualTo("bundle-rejected");
        assertThat(p.status()).isEqualTo(422);
        assertThat(p.members()).containsEntry("rule", "link-escape").containsEntry("retry_after", 10);
        assertThat(p.message()).isEqualTo("bundle-rejected: a link escapes the bundle");
        assertThat(JSON.writeValueAsString(p)).isEqualTo(wire);
    }

    @Test
    void theRegistryWritesTheStandardMembersFirstAndLeavesAbsentOnesOut() throws Exception {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("retry_after", 10);
        Problem p = new Problem("/problems/storage-unavailable", "Service unavailable", 503, "try again", null, extra);

        assertThat(JSON.writeValueAsString(p)).isEqualTo("{\"type\":\"/problems/storage-unavailable\","
                + "\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"try again\",\"retry_after\":10}");
    }

    @Test
    void aHostileBodyGetsAClearFallbackNotAnException() {
        String huge = "x".repeat(5_000_000);
        Problem big = Problem.read("{\"type\":\"/problems/p\",\"detail\":\"" + huge + "\\nForged: line\"}").orElseThrow();
        assertThat(big.message()).hasSizeLessThan(Problem.MAX_MESSAGE + 10).startsWith("p: xxx").doesNotContain("\n");
        assertThat(Problem.read("{\"type\":\"/problems/p\",\"detail\":\"a\\r\\nb\\u001b[31m\"}").orElseThrow().message())
                .isEqualTo("p: a  b [31m");

        Problem wrongTypes = Problem.read("{\"type\":\"/problems/p\",\"title\":[1],\"status\":\"teapot\",\"detail\":{\"a\":1},"
                + "\"instance\":7}").orElseThrow();
        assertThat(wrongTypes.title()).isNull();
        assertThat(wrongTypes.detail()).isNull();
        assertThat(wrongTypes.instance()).isNull();
        assertThat(wrongTypes.status()).isZero();
        assertThat(wrongTypes.message()).isEqualTo("p: ");
        assertThat(Problem.read("{\"type\":\"/problems/p\",\"status\":1e400}").orElseThrow().status()).isZero();

        for (String notAProblem : List.of("", "   ", "plain text", "<html>502</html>", "[1,2]", "42", "null", "{\"type\":5}",
                "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}", "{\"type\":\"/problems/p\"",
                "[".repeat(100_000))) {
            assertThat(Problem.read(notAProblem)).as(notAProblem.length() > 40 ? "deep" : notAProblem).isEmpty();
        }
        assertThat(Problem.read((byte[]) null)).isEmpty();
        assertThat(Problem.read(new byte[] {(byte) 0xff, (byte) 0xfe})).isEmpty();
    }
}
