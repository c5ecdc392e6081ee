package dev.extfarm.fetcher.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.protocol.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Reads the message out of a registry error body ({@link Problem}, problem+json), or its first line of text. */
public final class Problems {

    private Problems() {
    }

    public static String detail(byte[] body) {
        if (body == null || body.length == 0) {
            return "(empty body)";
        }
        try {
            JsonNode n = SpecReader.json().readTree(body);
            Optional<Problem> problem = Problem.of(n);
            if (problem.isPresent()) {
                return problem.get().message();
            }
            if (n != null && n.isObject()) {
                return n.path("message").asText(""); // another JSON error body, e.g. a proxy's
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON: fall through to text
        }
        String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
        return text.lines().findFirst().orElse("").strip();
    }

    /** The problem type's last segment, e.g. {@code link-expired}; empty if none. */
    public static String code(byte[] body) {
        return Problem.read(body).map(Problem::code).orElse("");
    }
}
